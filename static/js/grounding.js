// Grounding: focusing or hovering a marked claim shows the passage it rests on, with the matched span
// highlighted, beside the claim (templates/aiassist/partials/claims.html). The content is the claim's
// hidden detail element, already on the page; nothing is fetched.
(function () {
  "use strict";

  function popoverFor(container) {
    let popover = container.querySelector(":scope > .claim-popover");
    if (!popover) {
      popover = document.createElement("div");
      popover.className = "claim-popover";
      popover.hidden = true;
      container.appendChild(popover);
    }
    return popover;
  }

  function place(popover, claim, container) {
    const box = container.getBoundingClientRect();
    const target = claim.getBoundingClientRect();
    const width = popover.offsetWidth;
    const gap = 12;
    let left;
    let top;
    if (target.right + gap + width <= window.innerWidth - 8) {
      left = target.right - box.left + gap;   // beside the claim, to its right
      top = target.top - box.top;
    } else if (target.left - gap - width >= 8) {
      left = target.left - box.left - gap - width;   // or to its left
      top = target.top - box.top;
    } else {
      left = Math.max(8 - box.left, Math.min(target.left - box.left, window.innerWidth - box.left - width - 8));
      top = target.bottom - box.top + 6;   // or below it (narrow screens)
    }
    popover.style.left = left + "px";
    popover.style.top = top + "px";
  }

  function show(claim) {
    const container = claim.closest("[data-claims]");
    const detail = container && document.getElementById(claim.dataset.claim + "-detail");
    if (!detail) return;
    const popover = popoverFor(container);
    container.querySelectorAll(".claim.is-active").forEach(function (el) { el.classList.remove("is-active"); });
    claim.classList.add("is-active");
    popover.replaceChildren.apply(popover, Array.from(detail.cloneNode(true).childNodes));
    const status = Array.from(claim.classList).find(function (c) { return c.startsWith("claim-") && c !== "claim-confirmed"; });
    popover.dataset.status = status ? status.slice(6) : "";
    popover.hidden = false;
    place(popover, claim, container);
  }

  function hide(container) {
    const popover = container.querySelector(":scope > .claim-popover");
    if (popover) popover.hidden = true;
    container.querySelectorAll(".claim.is-active").forEach(function (el) { el.classList.remove("is-active"); });
  }

  // The innermost claim under the pointer or focus (an inline command sits inside its sentence).
  document.addEventListener("focusin", function (event) {
    const claim = event.target.closest && event.target.closest(".claim[data-claim]");
    if (claim) show(claim);
  });
  document.addEventListener("focusout", function (event) {
    const claim = event.target.closest && event.target.closest(".claim[data-claim]");
    const next = event.relatedTarget && event.relatedTarget.closest && event.relatedTarget.closest(".claim[data-claim]");
    if (claim && !next) hide(claim.closest("[data-claims]"));
  });
  document.addEventListener("mouseover", function (event) {
    const claim = event.target.closest && event.target.closest(".claim[data-claim]");
    if (claim && !claim.classList.contains("is-active")) show(claim);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-claims]").forEach(hide);
  });
  // A link in the list of blocking claims focuses the claim in the text (and so shows its passage).
  document.addEventListener("click", function (event) {
    const ref = event.target.closest && event.target.closest("[data-claim-ref]");
    const claim = ref && document.getElementById(ref.dataset.claimRef);
    if (!claim) return;
    event.preventDefault();
    claim.scrollIntoView({ block: "center" });
    claim.focus({ preventScroll: true });
  });
})();
