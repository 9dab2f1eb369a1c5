// "Add a row" for Django formsets: clone the empty form, renumber __prefix__ (and the row
// number shown in its legend, __number__), bump TOTAL_FORMS, and move focus into the new row.
document.querySelectorAll("[data-formset]").forEach((fieldset) => {
  const prefix = fieldset.dataset.formset;
  const total = fieldset.querySelector(`#id_${prefix}-TOTAL_FORMS`);
  const rows = fieldset.querySelector("[data-formset-rows]");
  const template = fieldset.querySelector("template[data-formset-template]");
  fieldset.querySelector("[data-formset-add]").addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = rows.lastElementChild.querySelector("input, select, textarea");
    if (first) first.focus();
  });
});
