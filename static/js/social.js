// social: opening a notice's link (in a new tab) marks it read here too. Without JavaScript the
// "Mark read" button does the same.
document.addEventListener("click", function (event) {
  const link = event.target.closest("a.notice-link[data-read-url]");
  if (!link) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const url = link.getAttribute("data-read-url");
  link.removeAttribute("data-read-url");
  fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": token ? token.value : "", "HX-Request": "true" },
  }).then(function (response) {
    if (!response.ok) return;
    const item = link.closest(".notification");
    if (!item) return;
    item.classList.remove("is-unread");
    item.classList.add("is-read");
    const state = item.querySelector(".notice-state");
    if (state) state.innerHTML = '<span class="visually-hidden">Read</span>';
    const action = item.querySelector(".notice-action");
    if (action) action.remove();
  });
});
