// The desk when the laptop cannot be reached. A scan whose answer does not come in time is kept
// in this browser (with a nonce and the time it was scanned) and the card says so at once: the
// previous person's card never stays up as if it were the answer. When the laptop answers a light
// ping again, the kept scans are replayed; the laptop records each once, at its scan time.
(function () {
  "use strict";

  var QUEUE_KEY = "kiosk-desk-queue";
  var LIST_KEY = "kiosk-offline-list";
  var PING_FIRST_MS = 2000;
  var PING_MAX_MS = 15000;
  var REPLAY_TIMEOUT_MS = 30000; // a replay carries many scans
  var REPLAY_SPREAD_MS = 2000; // twenty desks coming back at once do not replay in the same instant
  var RETRY_MS = 1000; // after "another desk is replaying": try again in one to two seconds
  var SELF_CLEAR_SECONDS = 8;
  // A badge code (20 characters of digits and A–X) on its own or inside a badge URL.
  var CODE_RE = /(?:^|[^0-9A-Z])([0-9A-X]{20})(?![0-9A-Z])/;
  var CHECKIN_RE = /\/attendee\/(\d+)\/checkin$/;
  var SHOWN_HITS = 8;

  var form = null;
  var online = true;
  var answers = Promise.resolve(); // the desk shows answers in the order the scans were made
  var pingTimer = null;
  var pingDelay = PING_FIRST_MS;
  var replaying = false;

  function setting(name) { return form ? form.getAttribute("data-" + name) : null; }
  function timeoutMs() { return parseInt(setting("timeout-ms") || "3000", 10); }
  function selfMode() { return document.body.classList.contains("self-body"); }
  function desk() { return window.kioskDesk || { shown: function () {}, play: function () {} }; }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function codeIn(text) {
    var found = CODE_RE.exec(text.trim().toUpperCase());
    return found ? found[1] : "";
  }

  // -- the scans this browser keeps ---------------------------------------------------------

  function kept() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function keepAll(scans) {
    window.localStorage.setItem(QUEUE_KEY, JSON.stringify(scans));
    showBanner();
  }

  function newNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes); // works without https too, unlike randomUUID
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function keep(scan) {
    var scans = kept();
    // What the replay needs, nothing more: no name waits in the browser.
    scans.push({ nonce: scan.nonce, code: scan.code, attendee: scan.attendee, at: scan.at, desk: scan.desk });
    keepAll(scans);
    showCard("card-kept", scan.name || personFor(scan.code).name || "");
  }

  // -- the offline list (only when the organiser allows it) -----------------------------------

  function offlineList() {
    try { return JSON.parse(window.localStorage.getItem(LIST_KEY) || "null"); } catch (e) { return null; }
  }

  function personFor(text) {
    var list = offlineList();
    var code = text ? codeIn(text) : "";
    if (!list || !code) { return {}; }
    return list.people.filter(function (p) { return p.code === code; })[0] || {};
  }

  function loadOfflineList() {
    var url = setting("offline-list");
    if (!url) { window.localStorage.removeItem(LIST_KEY); return; }
    send(url, { method: "GET" }, REPLAY_TIMEOUT_MS).then(function (answer) {
      var data = answer && answer.status === 200 ? JSON.parse(answer.body) : null;
      if (data && data.people && data.people.length) {
        window.localStorage.setItem(LIST_KEY, JSON.stringify({ event: data.event, people: data.people }));
      } else if (data) {
        window.localStorage.removeItem(LIST_KEY);
      }
    }).catch(function () {});
  }

  function fold(text) {
    return text.toLowerCase().replace(/ß/g, "ss").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // While the laptop is away: the hits for a typed name, from the offline list.
  function offlineHits(query) {
    var list = offlineList();
    var hits = document.getElementById("hits");
    if (!list || !hits) { return false; }
    var words = fold(query).split(/\s+/).filter(Boolean);
    var found = list.people.filter(function (p) {
      var text = fold(p.name + " " + p.organisation);
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    }).slice(0, SHOWN_HITS);
    var ul = document.createElement("ul");
    ul.className = "hit-list";
    found.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "hit";
      var who = document.createElement("span");
      who.className = "hit-who";
      who.innerHTML = '<span class="hit-name"></span><span class="hit-org muted"></span>';
      who.firstChild.textContent = p.name;
      who.lastChild.textContent = p.organisation;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.setAttribute("data-offline", "");
      button.textContent = hits.getAttribute("data-offline-button") || "Einchecken";
      button.addEventListener("click", function () {
        clearHits();
        document.getElementById("scan-input").value = "";
        keep({ nonce: newNonce(), code: p.code, name: p.name, at: Date.now(), desk: setting("desk") || "" });
      });
      li.appendChild(who);
      li.appendChild(button);
      ul.appendChild(li);
    });
    hits.innerHTML = "";
    hits.appendChild(ul);
    hits.setAttribute("data-query", query);
    return true;
  }

  // -- talking to the laptop --------------------------------------------------------------------

  // A request that gives up after the desk's timeout; resolves to {status, body} or rejects.
  function send(url, options, waitMs) {
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, waitMs || timeoutMs());
    options.signal = controller.signal;
    options.credentials = "same-origin";
    options.headers = Object.assign({ "HX-Request": "true", "X-CSRFToken": csrf() }, options.headers || {});
    return window.fetch(url, options).then(function (response) {
      return response.text().then(function (body) {
        window.clearTimeout(timer);
        var away = response.headers.get("HX-Redirect");
        if (away) { window.location.href = away; return null; } // this desk was removed
        if (response.status >= 500) { throw new Error("the laptop failed: " + response.status); }
        return { status: response.status, body: body };
      });
    }).catch(function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  function result() { return document.getElementById("result"); }

  // The card on screen is about an earlier scan: grey it out until this scan's answer is here.
  function markStale() {
    var card = result();
    if (card && card.getAttribute("data-outcome")) { card.classList.add("result-stale"); }
  }

  function showAnswer(html) {
    var card = result();
    window.htmx.swap(card, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 },
      { eventInfo: { target: card } });
  }

  function showCard(id, name) {
    var template = document.getElementById(id);
    var card = result();
    if (!template || !card) { return; }
    var fresh = template.content.firstElementChild.cloneNode(true);
    fresh.setAttribute("data-outcome", fresh.getAttribute("data-card"));
    var slot = fresh.querySelector('[data-slot="name"]');
    if (slot && name) { slot.textContent = name; slot.hidden = false; }
    if (selfMode()) { fresh.setAttribute("data-clear-after", String(SELF_CLEAR_SECONDS)); }
    card.replaceWith(fresh);
    desk().shown();
  }

  function clearHits() {
    var hits = document.getElementById("hits");
    if (hits) { hits.innerHTML = ""; }
  }

  // One check-in: a scan ({code}) or a hit picked by name ({attendee, name}), sent to ``url``.
  function checkIn(scan, url) {
    scan.nonce = newNonce();
    scan.at = Date.now();
    scan.desk = setting("desk") || "";
    markStale();
    answers = answers.then(function () {
      if (!online) { keep(scan); return null; }
      var body = new URLSearchParams({ nonce: scan.nonce });
      if (scan.code) { body.set("code", scan.code); }
      return send(url, { method: "POST", body: body }).then(function (answer) {
        if (answer && answer.status === 200) {
          showAnswer(answer.body);
        } else if (answer) {
          showCard("card-refused"); // the laptop answered, but not with a card (e.g. an old page)
        }
      }, function () {
        wentAway();
        keep(scan);
      });
    }).catch(function (error) {
      window.console.error(error); // the next scan must still be sent
    });
  }

  // -- reachability and the replay --------------------------------------------------------------

  function showBanner() {
    var banner = document.getElementById("connection");
    if (!banner) { return; }
    var waiting = kept().length;
    banner.hidden = online && !waiting;
    banner.classList.toggle("connection-away", !online);
    banner.querySelector(".connection-state").textContent =
      banner.getAttribute(online ? "data-online" : "data-offline");
    banner.querySelector(".connection-count").textContent = !waiting ? "" :
      waiting === 1 ? banner.getAttribute("data-one") : banner.getAttribute("data-many").replace("{n}", waiting);
    document.body.classList.toggle("desk-offline", !online);
  }

  function wentAway() {
    if (online) {
      online = false;
      pingDelay = PING_FIRST_MS;
    }
    showBanner();
    schedulePing();
  }

  function schedulePing() {
    if (pingTimer) { return; }
    var wait = pingDelay * (0.75 + Math.random() / 2);
    pingDelay = Math.min(pingDelay * 1.5, PING_MAX_MS);
    pingTimer = window.setTimeout(ping, wait);
  }

  function ping() {
    pingTimer = null;
    send(setting("ping"), { method: "GET" }).then(function (answer) {
      if (answer) { cameBack(); }
    }, schedulePing);
  }

  function cameBack() {
    online = true;
    showBanner();
    window.setTimeout(replay, Math.random() * REPLAY_SPREAD_MS);
  }

  function replay() {
    var scans = kept();
    if (replaying || !online || !scans.length) { return; }
    replaying = true;
    var now = Date.now();
    var body = JSON.stringify({
      scans: scans.map(function (s) {
        return { nonce: s.nonce, code: s.code, attendee: s.attendee, age: now - s.at };
      })
    });
    send(setting("replay"), { method: "POST", body: body, headers: { "Content-Type": "application/json" } },
      REPLAY_TIMEOUT_MS).then(function (answer) {
      replaying = false;
      if (answer && answer.status === 429) { // another desk's replay runs: take turns
        window.setTimeout(replay, RETRY_MS + Math.random() * RETRY_MS);
        return;
      }
      if (!answer || answer.status !== 200) { return; }
      var found = /data-done="([^"]*)"/.exec(answer.body);
      var done = found ? found[1].split(" ") : [];
      keepAll(kept().filter(function (s) { return done.indexOf(s.nonce) === -1; }));
      window.htmx.swap(document.getElementById("replay-report"), answer.body,
        { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 });
      var card = result();
      if (card && card.getAttribute("data-outcome") === "kept") { // it is recorded now
        card.className = "result result-empty";
        card.innerHTML = "";
        card.removeAttribute("data-outcome");
      }
      if (kept().length) { replay(); }
    }, function () {
      replaying = false;
      wentAway();
    });
  }

  // -- the desk's forms and htmx's requests -----------------------------------------------------

  function onSubmit(event) {
    var target = event.target;
    if (target === form) {
      event.preventDefault();
      var input = document.getElementById("scan-input");
      var text = input.value.trim();
      if (!text) { return; }
      if (!selfMode() && !codeIn(text) && window.kioskKeys && window.kioskKeys.enter(text)) { return; }
      input.value = "";
      clearHits();
      if (!online && !selfMode() && !codeIn(text)) { showCard("card-no-search"); return; }
      checkIn({ code: text.slice(0, 200) }, form.action);
    } else if (target.matches && target.matches("form.checkin-form")) {
      event.preventDefault();
      var id = CHECKIN_RE.exec(new URL(target.action).pathname);
      var hit = target.closest(".hit, .result");
      var name = hit && hit.querySelector(".hit-name, .result-name");
      clearHits();
      checkIn({ attendee: id ? parseInt(id[1], 10) : null, name: name ? name.textContent : "" }, target.action);
    }
  }

  // Everything else the desk asks htmx for (a card, undo, check-out, consent, search, counters):
  // while the laptop is away it is not sent; what needs the laptop says so at once.
  function onBeforeRequest(event) {
    if (online) { markStaleFor(event); return; }
    event.preventDefault();
    var elt = event.detail.elt;
    if (elt && elt.id === "scan-input") {
      offlineHits(elt.value.trim());
    } else if (event.detail.target && event.detail.target.id === "result") {
      showCard("card-needs-laptop");
    }
  }

  function markStaleFor(event) {
    if (event.detail.target && event.detail.target.id === "result") { markStale(); }
  }

  function onFailed(event) {
    if (event.type === "htmx:responseError" && event.detail.xhr && event.detail.xhr.status < 500) { return; }
    wentAway();
    var target = event.detail.target;
    if (target && target.id === "result") { showCard("card-needs-laptop"); }
    // Enter on a name whose hits never came: decide again, now that the laptop is known away.
    if (target && target.id === "hits" && window.kioskKeys) { window.kioskKeys.retry(); }
  }

  function onClick(event) {
    var link = event.target.closest && event.target.closest("a[data-needs-laptop]");
    if (link && !online) {
      event.preventDefault();
      showCard("card-needs-laptop");
    }
    var dismiss = event.target.closest && event.target.closest("[data-dismiss]");
    if (dismiss) {
      var box = document.getElementById(dismiss.getAttribute("data-dismiss"));
      if (box) { box.hidden = true; }
    }
  }

  // The walk-in form needs the laptop: a ping before it is sent. No answer, and the form stays
  // filled in with a clear note, instead of the browser's error page.
  function guardWalkIn(pingUrl) {
    document.addEventListener("submit", function (event) {
      var target = event.target;
      if (target.id !== "walkin-form" && target.id !== "duplicate-checkin") { return; }
      if (target.getAttribute("data-laptop") === "yes") { target.removeAttribute("data-laptop"); return; }
      event.preventDefault();
      var submitter = event.submitter;
      send(pingUrl, { method: "GET" }).then(function (answer) {
        if (!answer) { return; }
        target.setAttribute("data-laptop", "yes");
        target.requestSubmit(submitter);
      }, function () {
        document.getElementById("walkin-offline").hidden = false;
        desk().play("offline");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var walkIn = document.querySelector("[data-walkin-ping]");
    if (walkIn) { guardWalkIn(walkIn.getAttribute("data-walkin-ping")); }
    form = document.getElementById("scan-form");
    if (!form || !setting("ping")) { return; }
    window.htmx.config.timeout = timeoutMs();
    document.addEventListener("submit", onSubmit);
    document.addEventListener("click", onClick);
    document.addEventListener("htmx:beforeRequest", onBeforeRequest);
    ["htmx:timeout", "htmx:sendError", "htmx:responseError"].forEach(function (name) {
      document.addEventListener(name, onFailed);
    });
    showBanner();
    loadOfflineList();
    if (kept().length) { ping(); } // scans kept before a reload: replay them now
  });

  window.kioskOffline = {
    online: function () { return online; },
    hits: offlineHits,
    noSearch: function () { showCard("card-no-search"); }
  };
})();
