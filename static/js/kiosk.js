// Small behaviour shared by all pages: CSRF token on htmx requests, confirmation of dangerous forms.
(function () {
  "use strict";
  // A desk signed out (or removed) forgets the names it kept for when the laptop is away.
  if (document.body && document.body.hasAttribute("data-signed-out")) {
    try { window.localStorage.removeItem("kiosk-offline-list"); } catch (e) { /* storage off */ }
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });
  // A live list that is swapped while someone scrolls it keeps its place (data-keep-scroll).
  var scrolled = {};
  document.addEventListener("htmx:beforeSwap", function () {
    document.querySelectorAll("[data-keep-scroll][id]").forEach(function (list) {
      scrolled[list.id] = list.scrollTop;
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    Object.keys(scrolled).forEach(function (id) {
      var list = document.getElementById(id);
      if (list) {
        list.scrollTop = scrolled[id];
      }
    });
    scrolled = {};
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // The pressed button may ask its own question (a form with several buttons).
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
