// Idle sign-out: the server ends the session SESSION_IDLE_MINUTES after the last request.
// A minute before, a dialog offers "Stay signed in" (a request to intake:keep-alive renews
// the session). When the time is up the page is covered and "Sign in again" posts the page's
// form, if it has one: the server keeps what was typed for this user (intake/resume.py) and
// shows it again after sign-in. Nothing is kept in the browser. Tabs of this browser share
// the time of the last request (localStorage), so working in one tab keeps the others open.
(() => {
  const dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const idle = Number(dialog.dataset.idleSeconds);
  const warn = Math.min(Number(dialog.dataset.warnSeconds), idle / 2);
  const SHARED = "idle:last-request"; // a time, nothing else
  const warning = dialog.querySelector("[data-idle-state=warning]");
  const ended = dialog.querySelector("[data-idle-state=ended]");
  const countdown = dialog.querySelector("[data-idle-countdown]");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  let lastRequest = Date.now();
  let over = false;

  const share = () => {
    try { localStorage.setItem(SHARED, String(lastRequest)); } catch (e) { /* private mode */ }
  };
  const latest = () => {
    let shared = 0;
    try { shared = Number(localStorage.getItem(SHARED)) || 0; } catch (e) { /* ignore */ }
    return Math.max(lastRequest, shared);
  };

  const end = () => {
    over = true;
    warning.hidden = true;
    ended.hidden = false;
    dialog.classList.add("ended");
    dialog.setAttribute("aria-labelledby", "idle-ended-title");
    dialog.setAttribute("aria-describedby", "idle-ended-text");
    if (!dialog.open) dialog.showModal();
    ended.querySelector("button").focus();
  };

  const tick = () => {
    if (over) return;
    const left = idle - (Date.now() - latest()) / 1000;
    if (left <= 0) return end();
    if (left <= warn) {
      countdown.textContent = String(Math.ceil(left));
      if (!dialog.open) {
        dialog.showModal();
        dialog.querySelector("[data-idle-stay]").focus();
      }
    } else if (dialog.open) {
      dialog.close(); // another tab kept the session going
    }
  };

  const stay = async () => {
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        redirect: "manual",
      });
      if (!response.ok) return end();
      lastRequest = Date.now();
      share();
      dialog.close();
    } catch (e) {
      end();
    }
  };

  dialog.querySelector("[data-idle-stay]").addEventListener("click", stay);
  // Escape in the warning means the person is here: the same as "Stay signed in".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!over) stay();
  });
  ended.querySelector("[data-idle-resume]").addEventListener("click", () => {
    const form = document.querySelector("main form[data-keep-unsaved]");
    if (form) {
      form.requestSubmit();
    } else {
      const next = encodeURIComponent(window.location.pathname);
      window.location.assign(`${dialog.dataset.loginUrl}?next=${next}`);
    }
  });

  share();
  window.addEventListener("storage", (event) => { if (event.key === SHARED) tick(); });
  setInterval(tick, 1000);
})();
