// Live preview for the letter template admin: POST the body, show the HTML in a sandboxed frame.
document.addEventListener("DOMContentLoaded", () => {
  const body = document.getElementById("id_body");
  const kind = document.getElementById("id_kind");
  const frame = document.getElementById("template-preview");
  const status = document.getElementById("template-preview-status");
  if (!body || !frame) return;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const url = window.location.pathname.replace(/\/(\d+\/change|add)\/$/, "/preview/");
  let timer = null;
  const refresh = async () => {
    const form = new FormData();
    form.append("body", body.value);
    const clinic = document.getElementById("id_clinic");
    form.append("kind", kind ? kind.value : (status.dataset.kind || "lmn"));
    form.append("clinic", clinic ? clinic.value : (status.dataset.clinic || ""));
    const response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
    const data = await response.json();
    if (data.ok) { frame.srcdoc = data.html; status.textContent = `Preview up to date (${data.series}).`; }
    else { status.textContent = data.error; }
  };
  body.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 600); });
  refresh();
});
