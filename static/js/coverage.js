// Medicare coverage: show only the fields that apply to the chosen program, and the Part D
// fields only with Part D. A hidden field is disabled too, so it isn't sent: the server
// saves it empty (it drops fields that don't apply to the program in any case). Without
// JavaScript every field is shown and the server alone decides.
(() => {
  const program = document.getElementById("id_program");
  if (!program) return;
  const show = (block, shown) => {
    block.hidden = !shown;
    block.querySelectorAll("input, select, textarea").forEach((field) => {
      field.disabled = !shown;
    });
  };
  const update = () => {
    document.querySelectorAll("[data-applies-to]").forEach((block) => {
      show(block, block.dataset.appliesTo.split(" ").includes(program.value));
    });
    document.querySelectorAll("[data-shown-with]").forEach((block) => {
      const box = document.getElementById(block.dataset.shownWith);
      show(block, Boolean(box && box.checked && !box.disabled));
    });
  };
  program.addEventListener("change", update);
  const partD = document.getElementById("id_has_part_d");
  if (partD) partD.addEventListener("change", update);
  update();
})();
