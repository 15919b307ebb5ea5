// Before the page's islands run (they hydrate on the browser's first idle moment, some tens of
// milliseconds after the page shows), the topmost open dialog takes the focus, and Escape and
// Tab are kept for the islands: `app::after_islands_hydrate` plays them back. Once the page is
// hydrated this does nothing.
(() => {
  const keys = (window.__portcullisEarlyKeys = []);
  const waiting = () => !document.documentElement.hasAttribute("data-hydrated");
  addEventListener(
    "keydown",
    (e) => {
      if (waiting() && (e.key === "Escape" || e.key === "Tab")) {
        e.preventDefault();
        keys.push(e.key === "Tab" && e.shiftKey ? "Shift+Tab" : e.key);
      }
    },
    true,
  );
  addEventListener("DOMContentLoaded", () => {
    const open = [...document.querySelectorAll('[aria-modal="true"]')]
      .reverse()
      .find((d) => !d.closest('[aria-hidden="true"], [hidden]'));
    if (open && waiting() && !open.contains(document.activeElement)) open.focus();
  });
})();
