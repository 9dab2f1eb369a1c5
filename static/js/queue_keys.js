// Work queue keyboard: j / k move the focus between appeals, n opens the next one after the
// focused row (or the first). Ignored while typing in a form field.
(function () {
  "use strict";
  const items = Array.from(document.querySelectorAll("[data-queue-row] a"));
  if (!items.length) return;
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea"].includes(tag) || event.target.isContentEditable) return;
    const at = items.indexOf(document.activeElement);
    if (event.key === "j") {
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (event.key === "k") {
      items[Math.max(at - 1, 0)].focus();
    } else if (event.key === "n") {
      window.location.assign(items[Math.min(at + 1, items.length - 1)].href);
    } else {
      return;
    }
    event.preventDefault();
  });
})();
