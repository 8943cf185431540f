// desk: small behaviours of the review desk and the thread page. No inline script anywhere (CSP).
(function () {
  "use strict";

  // After an action that redirects to a post (#post-N), its confirmation would sit at the top of the
  // page, scrolled away: show it at the top of the post the page scrolls to, so it lands in view with
  // the post (the browser's own scroll to the fragment, whenever it happens, brings both). Without
  // script it stays on top of the page.
  function messagesNearTarget() {
    var messages = document.querySelector("main > .messages");
    var id = window.location.hash.slice(1);
    if (!messages || !id) { return; }
    var target = document.getElementById(id);
    if (!target || target.closest(".site-header")) { return; }
    messages.classList.add("messages-near-target");
    target.insertBefore(messages, target.firstChild);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", messagesNearTarget);
  } else {
    messagesNearTarget();
  }
})();
