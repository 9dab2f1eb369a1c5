// Live preview for the letter template admin: check the body (JSON), then show it as the
// real PDF pages of its own kind by posting the form into the preview frame.
document.addEventListener("DOMContentLoaded", () => {
  const body = document.getElementById("id_body");
  const kind = document.getElementById("id_kind");
  const frame = document.getElementById("template-preview");
  const status = document.getElementById("template-preview-status");
  if (!body || !frame) return;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const url = window.location.pathname.replace(/\/(\d+\/change|add)\/$/, "/preview/");
  let timer = null;
  const fields = () => {
    const clinic = document.getElementById("id_clinic");
    return {
      body: body.value,
      // The edited version's own kind (read-only on the change form), else the chosen one.
      kind: kind ? kind.value : (status.dataset.kind || ""),
      clinic: clinic ? clinic.value : (status.dataset.clinic || ""),
    };
  };
  const showPdf = (values) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = status.dataset.pdfUrl;
    form.target = frame.name;
    form.hidden = true;
    for (const [name, value] of Object.entries({ ...values, csrfmiddlewaretoken: csrf })) {
      const input = document.createElement("textarea");
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
    form.remove();
  };
  const refresh = async () => {
    const values = fields();
    const form = new FormData();
    for (const [name, value] of Object.entries(values)) form.append(name, value);
    const response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
    const data = await response.json();
    if (data.ok) {
      status.textContent = `Preview up to date (${data.series}), as the PDF pages of this letter.`;
      showPdf(values);
    } else {
      status.textContent = data.error;
    }
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 800); };
  body.addEventListener("input", later);
  if (kind) kind.addEventListener("change", refresh);
  const clinic = document.getElementById("id_clinic");
  if (clinic) clinic.addEventListener("change", refresh);
  refresh();
});
