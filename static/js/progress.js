// Long actions (building a packet): disable the button and say what is happening.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
      button.insertAdjacentHTML("afterbegin", '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>');
    }
    const note = document.createElement("p");
    note.setAttribute("role", "status");
    note.className = "small text-secondary mt-2";
    note.textContent = form.dataset.progress;
    form.appendChild(note);
  });
});
