// ICD-10-CM lookup on the diagnosis code field (Tom Select, vendored): type a code or words
// of the diagnosis and choose from the list, which comes from intake:icd10-search. A typed
// code can always be kept as it is; without JavaScript the field is a plain text box.
(() => {
  if (typeof TomSelect === "undefined") return;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  const HINT = "Type a code (e.g. F33.2) or words of the diagnosis, then choose from the list.";

  const lookup = (url) => (query, callback) => {
    const body = new FormData();
    body.append("q", query);
    fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf ? csrf.value : "" } })
      .then((response) => (response.ok ? response.json() : []))
      .then((found) => callback(found))
      .catch(() => callback());
  };

  const enhance = (input) => {
    if (input.tomselect || input.id.includes("__prefix__")) return;
    const select = new TomSelect(input, {
      maxItems: 1,
      create: true,
      createOnBlur: true,
      persist: false,
      valueField: "code",
      labelField: "code",
      searchField: ["code", "description"],
      // The server has matched and ranked already: keep its order, hide nothing.
      score: () => () => 1,
      sortField: "$order",
      loadThrottle: 250,
      shouldLoad: (query) => query.trim().length >= 2,
      load: lookup(input.dataset.icd10Search),
      render: {
        option: (item, escape) =>
          `<div><strong>${escape(item.code)}</strong> ${escape(item.description || "")}</div>`,
        item: (item, escape) => `<div>${escape(item.code)}</div>`,
        option_create: (data, escape) =>
          `<div class="create">Use <strong>${escape(data.input.toUpperCase())}</strong> as typed</div>`,
        no_results: () => '<div class="no-results">No billable code found</div>',
        loading: () => '<div class="spinner-border spinner-border-sm m-2" role="status"><span class="visually-hidden">Looking up codes</span></div>',
      },
    });
    // The original field stays in the form (it is what is posted) but is no longer what
    // people use: hidden from screen readers, so the field is announced once, by the box
    // they type in, which takes the field's name when no <label> points at it (table rows).
    input.setAttribute("aria-hidden", "true");
    input.tabIndex = -1;
    const name = input.getAttribute("aria-label") || input.title;
    if (name && !document.querySelector(`label[for="${select.control_input.id}"]`)) {
      select.control_input.setAttribute("aria-label", name);
    }
    // Help text and error messages stay tied to what the user types in.
    ["aria-describedby", "aria-invalid", "aria-required"].forEach((name) => {
      if (input.hasAttribute(name)) select.control_input.setAttribute(name, input.getAttribute(name));
    });
    const help = document.getElementById(`${input.id}_helptext`);
    if (help) help.textContent = HINT;
  };

  const enhanceAll = (root) => root.querySelectorAll("input[data-icd10-search]").forEach(enhance);
  enhanceAll(document);
  // Rows added by formset.js ("+ Add diagnosis").
  document.addEventListener("formset:added", (event) => enhanceAll(event.target));
})();
