// Before the page's islands run (they hydrate on the browser's first idle moment, some tens of
// milliseconds after the page shows): the topmost open dialog takes the focus, Escape and Tab
// pressed while one is open are kept for the islands (elsewhere they do what they always do),
// and so is a form posted (`RpcForm` posts it by `fetch`, which keeps what was typed when it is
// refused). `app::after_islands_hydrate` plays them back. Once the page is hydrated, or if its
// script never runs (3 s), this does nothing and forms post as plain forms.
(() => {
  const keys = (window.__portcullisEarlyKeys = []);
  const posts = (window.__portcullisEarlyPosts = []);
  let givenUp = false;
  const waiting = () => !givenUp && !document.documentElement.hasAttribute("data-hydrated");
  const topmost = () =>
    [...document.querySelectorAll('[aria-modal="true"]')]
      .reverse()
      .find((d) => !d.closest('[aria-hidden="true"], [hidden]'));
  addEventListener(
    "keydown",
    (e) => {
      if (waiting() && (e.key === "Escape" || e.key === "Tab") && topmost()) {
        e.preventDefault();
        keys.push(e.key === "Tab" && e.shiftKey ? "Shift+Tab" : e.key);
      }
    },
    true,
  );
  addEventListener(
    "submit",
    (e) => {
      if (waiting() && e.target.method === "post") {
        e.preventDefault();
        posts.push([e.target, e.submitter]);
      }
    },
    true,
  );
  addEventListener("DOMContentLoaded", () => {
    const open = topmost();
    if (open && waiting() && !open.contains(document.activeElement)) open.focus();
  });
  setTimeout(() => {
    if (!waiting()) return;
    givenUp = true;
    for (const [form, submitter] of posts.splice(0)) form.requestSubmit(submitter);
  }, 3000);
})();
