// The desk without a mouse. In the scan field a typed name shows hits: Enter checks in the one
// hit, arrow keys move through several and Enter picks one, Escape clears. A scanner's code (or
// badge URL) ending in Enter is still a scan (desk-offline.js tells the two apart). Tab reaches
// the hits; a key typed while they have focus goes back to the scan field, so a scan is never lost.
(function () {
  "use strict";

  var active = -1;
  var waitingFor = ""; // a name Enter was pressed on before its hits had arrived

  function input() { return document.getElementById("scan-input"); }
  function hitsBox() { return document.getElementById("hits"); }
  function hits() { return Array.prototype.slice.call(document.querySelectorAll("#hits .hit")); }

  function isTextField(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }

  function say(text) {
    var region = document.getElementById("live-region");
    if (region) { region.textContent = text; }
  }

  function mark(index) {
    var list = hits();
    if (!list.length) { active = -1; return; }
    active = (index + list.length) % list.length;
    list.forEach(function (hit, i) {
      hit.classList.toggle("hit-active", i === active);
      hit.setAttribute("aria-current", i === active ? "true" : "false");
    });
    list[active].scrollIntoView({ block: "nearest" });
    var name = list[active].querySelector(".hit-name");
    say(name ? name.textContent : "");
  }

  // Check the hit's person in, or (already here, cancelled) open their card.
  function pick(hit) {
    var form = hit.querySelector("form.checkin-form");
    var kept = hit.querySelector("button[data-offline]"); // a hit from the offline list
    input().value = "";
    active = -1;
    if (form) {
      form.requestSubmit();
    } else if (kept) {
      kept.click();
    } else {
      var link = hit.querySelector(".hit-who");
      if (link && link.click) { link.click(); }
    }
  }

  // Enter on what a person typed: what the hits for exactly that text allow.
  function decide(text) {
    var box = hitsBox();
    var list = hits();
    if (active >= 0 && list[active]) { pick(list[active]); return; }
    if (!box || box.getAttribute("data-query") !== text) { waitingFor = text; search(text); return; }
    if (list.length === 1) { pick(list[0]); return; }
    if (list.length > 1) { mark(0); }
  }

  function search(text) {
    var field = input();
    window.htmx.ajax("GET", field.getAttribute("hx-get"), {
      target: "#hits", swap: "outerHTML", values: { q: text }
    });
  }

  // Called by desk-offline.js for Enter on text that holds no badge code: true when handled.
  function enter(text) {
    if (!hitsBox()) { return false; }
    var away = window.kioskOffline && !window.kioskOffline.online();
    if (away && !window.kioskOffline.hits(text)) {
      return false; // no offline list: the desk says that name search needs the laptop
    }
    decide(text);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var field = input();
    if (!field) { return; }
    if (event.target === field && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      if (!hits().length) { return; }
      event.preventDefault();
      mark(active + (event.key === "ArrowDown" ? 1 : -1));
      return;
    }
    // A scanner types into whatever has focus: a hit link or button gives the keys back.
    if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !isTextField(document.activeElement)) {
      field.value = ""; // what was typed before led to the hits; this is something new
      field.focus({ preventScroll: true });
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target === input()) { active = -1; }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "hits") { return; }
    active = -1;
    var text = waitingFor;
    waitingFor = "";
    if (text && input().value.trim() === text && event.target.getAttribute("data-query") === text) {
      decide(text);
    }
  });

  // The search for a name Enter was pressed on failed (the laptop is away): try once more.
  function retry() {
    var text = waitingFor;
    waitingFor = "";
    if (text && !enter(text)) {
      input().value = "";
      window.kioskOffline.noSearch();
    }
  }

  window.kioskKeys = { enter: enter, retry: retry };
})();
