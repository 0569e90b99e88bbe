// The little the pages do in the browser: expand a large text, close a menu with Escape. Applications'
// frames are frames.js's.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-toggle-large]");
  if (!button) return;
  var text = button.previousElementSibling;
  var open = text.classList.toggle("collapsed") === false;
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? "Show less" : "Show more";
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});
document.addEventListener("DOMContentLoaded", function () {
  var close = document.querySelector(".slider .close");
  if (close) close.focus();
});
