// Every page: mark that JavaScript runs, make the phone menu button work, and log out cleanly.
import { clearAllCode, DRAFTS_CHANNEL } from "./storage.js";

document.documentElement.classList.add("js");

const toggle = document.querySelector(".nav-toggle");
const nav = document.getElementById("site-nav");
if (toggle && nav) {
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
}

// Log out: a page may first finish saving (drafts.js listens for "coderunner:logout"), then the
// code kept in this browser is forgotten (the computer may be shared) and the other tabs told.
for (const form of document.querySelectorAll('form[action="/logout"]')) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.leaving) return;
    form.dataset.leaving = "1";
    const waits = [];
    document.dispatchEvent(new CustomEvent("coderunner:logout", { detail: { wait: (p) => waits.push(p) } }));
    await Promise.race([Promise.allSettled(waits), new Promise((r) => setTimeout(r, 3000))]);
    clearAllCode();
    try {
      const channel = new BroadcastChannel(DRAFTS_CHANNEL);
      channel.postMessage({ type: "logout" });
      channel.close();
    } catch { /* no BroadcastChannel: the other tabs learn it at their next request */ }
    form.submit();
  });
}
