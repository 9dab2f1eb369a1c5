// "Add a row" for Django formsets: clone the empty form, renumber __prefix__ (and the row
// number shown in its legend, __number__), bump TOTAL_FORMS, and move focus into the new row.
// In a formset marked data-formset-removable (the treatment table) each row's "Remove" box
// becomes a button: the row is ticked for deletion and hidden, with an Undo in its place.
document.querySelectorAll("[data-formset]").forEach((fieldset) => {
  const prefix = fieldset.dataset.formset;
  const total = fieldset.querySelector(`#id_${prefix}-TOTAL_FORMS`);
  const rows = fieldset.querySelector("[data-formset-rows]");
  const template = fieldset.querySelector("template[data-formset-template]");
  const status = fieldset.querySelector("[data-formset-status]");
  const removable = fieldset.hasAttribute("data-formset-removable");

  const rowName = (row) => {
    const title = row.querySelector("th[id$='-title']");
    return title ? title.textContent.trim() : "Row";
  };

  const markRemoved = (row, box, button) => {
    box.checked = true;
    row.hidden = true;
    const what = row.querySelector("input[name$='-drug_name']");
    const notice = document.createElement("tbody");
    notice.dataset.formsetRemoved = "";
    const cell = document.createElement("td");
    cell.colSpan = 9;
    cell.className = "text-secondary";
    const text = document.createElement("span");
    const named = what && what.value ? ` (${what.value})` : "";
    text.textContent = `${rowName(row)}${named} will be removed when you save. `;
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "btn btn-link btn-sm p-0 align-baseline";
    undo.textContent = "Undo";
    undo.setAttribute("aria-label", `Undo removing ${rowName(row)}`);
    undo.addEventListener("click", () => {
      box.checked = false;
      row.hidden = false;
      notice.remove();
      if (status) status.textContent = `${rowName(row)} kept.`;
      button.focus();
    });
    cell.append(text, undo);
    notice.appendChild(document.createElement("tr")).appendChild(cell);
    row.after(notice);
    if (status) status.textContent = text.textContent;
    return undo;
  };

  const enhance = (row) => {
    const box = row.querySelector("input[type=checkbox][name$='-DELETE']");
    if (!box || row.dataset.formsetEnhanced) return;
    row.dataset.formsetEnhanced = "";
    box.hidden = true;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger btn-sm";
    button.textContent = "Remove";
    button.setAttribute("aria-label", `Remove ${rowName(row)}`);
    button.addEventListener("click", () => markRemoved(row, box, button).focus());
    box.after(button);
    if (box.checked) markRemoved(row, box, button);
  };

  if (removable) rows.querySelectorAll("[data-formset-row]").forEach(enhance);

  fieldset.querySelector("[data-formset-add]").addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = rows.lastElementChild;
    if (removable) enhance(added);
    // Other scripts (the ICD-10 lookup) enhance the new row before focus moves into it.
    added.dispatchEvent(new CustomEvent("formset:added", { bubbles: true }));
    const first = added.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
});
