// The check-in desk: the scan field keeps focus, results sound and are read out, the camera scans,
// self check-in clears. Sending a scan, and what happens when the laptop is away: desk-offline.js.
(function () {
  "use strict";

  var SAME_CODE_PAUSE_MS = 10000; // the camera sees one badge many times a second, and for a while
  var TONES = {
    ok: [[880, 0.08], [1320, 0.12]],
    warn: [[660, 0.1], [0, 0.06], [660, 0.1]],
    bad: [[220, 0.35]],
    // The laptop did not answer: a falling three-note call, unlike every answer it gives.
    offline: [[988, 0.14], [0, 0.05], [740, 0.14], [0, 0.05], [554, 0.3]]
  };
  // What a screen reader hears after a swap, by the id of the swapped element.
  var SPOKEN = {
    result: ".result-title, .result-name, .self-result .result-detail",
    hits: ".hits-count, .hits-none",
    "swap-panel": ".swap-big, .swap-pair, .swap-next"
  };
  var audio = null;
  var clearTimer = null;
  var spokenAgain = false;

  function scanInput() { return document.getElementById("scan-input"); }
  function scanForm() { return document.getElementById("scan-form"); }

  function typing(el) {
    if (!el || el === document.body) { return false; }
    var tag = el.tagName;
    return (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") && el !== scanInput();
  }

  // The scanner types into whatever has focus: give it back to the scan field unless the
  // helper is writing somewhere else (an undo reason, the walk-in form).
  function refocus() {
    var input = scanInput();
    if (input && !typing(document.activeElement) && document.activeElement !== input) {
      input.focus({ preventScroll: true });
    }
  }

  // Focus that went nowhere (its element was swapped out) goes back to the scan field; focus a
  // helper moved with Tab (onto a hit) stays where it is (desk-keys.js guards the scans).
  function refocusIfLost() {
    var el = document.activeElement;
    if (!el || el === document.body) { refocus(); }
  }

  function play(kind) {
    var tones = TONES[kind];
    if (!tones) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var at = audio.currentTime + 0.01;
      tones.forEach(function (tone) {
        if (tone[0] > 0) {
          var osc = audio.createOscillator();
          var gain = audio.createGain();
          osc.type = kind === "bad" ? "square" : kind === "offline" ? "triangle" : "sine";
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.0001, at);
          gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
          gain.gain.exponentialRampToValueAtTime(0.0001, at + tone[1]);
          osc.connect(gain).connect(audio.destination);
          osc.start(at);
          osc.stop(at + tone[1] + 0.02);
        }
        at += tone[1];
      });
    } catch (e) {
      // No sound device: the colour and the icon still tell.
    }
  }

  // The text a screen reader would read: hidden decoration (aria-hidden) left out.
  function spokenText(el) {
    var text = "";
    el.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        text += node.nodeValue;
      } else if (node.nodeType === Node.ELEMENT_NODE && node.getAttribute("aria-hidden") !== "true") {
        text += " " + spokenText(node) + " ";
      }
    });
    return text;
  }

  // A live region that is swapped out itself is not reliably read out: the page keeps one
  // (#live-region) and it gets the news, e.g. the card's title and name.
  function speak(id) {
    var region = document.getElementById("live-region");
    var box = document.getElementById(id);
    if (!region || !box || !SPOKEN[id]) { return; }
    var parts = [];
    box.querySelectorAll(SPOKEN[id]).forEach(function (el) { parts.push(spokenText(el)); });
    var text = parts.join(" ").replace(/\s+/g, " ").trim();
    if (!text) { return; }
    // The same words twice (two unknown codes in a row) must still be a change.
    spokenAgain = !spokenAgain;
    region.textContent = spokenAgain ? text + "\u00a0" : text;
  }

  function clearLater(result) {
    if (clearTimer) { window.clearTimeout(clearTimer); clearTimer = null; }
    var seconds = parseInt(result.getAttribute("data-clear-after") || "0", 10);
    if (seconds > 0) {
      clearTimer = window.setTimeout(function () {
        var current = document.getElementById("result");
        if (current) {
          current.className = "result result-empty";
          current.innerHTML = "";
          current.removeAttribute("data-outcome");
        }
        var region = document.getElementById("live-region");
        if (region) { region.textContent = ""; } // the next person at the tablet reads nothing of this one
      }, seconds * 1000);
    }
  }

  // The private-link QR is drawn here, so the server spends no time on it per check-in.
  function drawCodes() {
    if (!window.qrcode) { return; }
    document.querySelectorAll("[data-qr]:not([data-drawn])").forEach(function (box) {
      var code = window.qrcode(0, "M");
      code.addData(box.getAttribute("data-qr"));
      code.make();
      box.innerHTML = code.createSvgTag({ cellSize: 4, margin: 8, scalable: true });
      box.setAttribute("data-drawn", "1");
    });
  }

  function resultShown() {
    drawCodes();
    var result = document.getElementById("result");
    if (!result || !result.getAttribute("data-outcome")) { return; }
    play(result.getAttribute("data-sound"));
    clearLater(result);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "result") { resultShown(); }
    // Each settled element (the target, any out-of-band one) has its own event: speak for that one.
    if (event.target && event.target.id && SPOKEN[event.target.id]) { speak(event.target.id); }
    refocusIfLost();
  });

  document.addEventListener("focusout", function () { window.setTimeout(refocusIfLost, 0); });
  document.addEventListener("click", function () { window.setTimeout(refocus, 0); });

  document.addEventListener("keydown", function (event) {
    var input = scanInput();
    if (event.key === "Escape" && input) {
      if (document.activeElement && document.activeElement.closest &&
          document.activeElement.closest("details.undo")) { return; } // Escape closes the form there
      input.value = "";
      var hits = document.getElementById("hits");
      if (hits) { hits.innerHTML = ""; }
      input.focus();
    }
  });

  // -- the camera ------------------------------------------------------------------------------
  var scanner = null;
  var lastCode = "";
  var lastAt = 0;

  function decoded(result) {
    var text = (result && result.data) || result;
    var now = Date.now();
    if (!text || (text === lastCode && now - lastAt < SAME_CODE_PAUSE_MS)) { return; }
    lastCode = text;
    lastAt = now;
    var input = scanInput();
    var form = scanForm();
    if (!input || !form) { return; }
    input.value = text;
    form.requestSubmit();
  }

  function toggleCamera() {
    var box = document.getElementById("camera");
    var button = document.getElementById("camera-toggle");
    if (scanner) {
      scanner.stop();
      scanner.destroy();
      scanner = null;
      box.hidden = true;
      button.classList.remove("active");
      return;
    }
    box.hidden = false;
    button.classList.add("active");
    scanner = new window.QrScanner(document.getElementById("camera-video"), decoded, {
      returnDetailedScanResult: true,
      highlightScanRegion: true,
      maxScansPerSecond: 10
    });
    scanner.start().catch(function () {
      var status = document.getElementById("camera-status");
      if (status) { status.textContent = status.getAttribute("data-failed") || "–"; }
      box.hidden = true;
      button.classList.remove("active");
      scanner = null;
    });
  }

  function setUpCamera() {
    var button = document.getElementById("camera-toggle");
    if (!button || !window.QrScanner || !navigator.mediaDevices || !window.isSecureContext) { return; }
    button.hidden = false;
    button.addEventListener("click", toggleCamera);
  }

  // For desk-offline.js: a card this browser put up by itself is shown like an answer.
  window.kioskDesk = {
    play: play,
    shown: function () {
      resultShown();
      speak("result");
      refocus();
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    setUpCamera();
    resultShown();
    speak("result");
    refocus();
  });
})();
