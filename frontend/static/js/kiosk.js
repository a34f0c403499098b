/* The counter kiosk: one tap, "thank you", back to the start.
 *
 * A vote is written to the tablet first (localStorage) with a key, then sent at once; the key
 * makes a vote sent twice count once. What the person at the tablet sees follows the answer:
 * - counted: "thank you";
 * - no answer (network blip, server down, slow): "thank you" too, since the vote stays queued
 *   and is sent later, never dropped;
 * - refused as too many votes (429): the server's message, no thanks, the vote removed (the
 *   person was told and can tap again); a queued vote refused later is kept and sent again
 *   after the Retry-After the server gave;
 * - the tablet's access ended (a new setup of the counter): a screen asking for a new setup.
 */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var QUEUE = "motcua.kiosk.queue";
  var WAIT_MS = 3000; // longer than this, the person is thanked and the vote stays queued
  var ask = document.getElementById("ask");
  var thanks = document.getElementById("thanks");
  var ended = document.getElementById("ended");
  var refused = document.getElementById("refused");
  var seconds = Number(root.dataset.thanksSeconds || 4);
  var sending = false;
  var live = null; // the key of the vote being answered in front of the person
  var busy = false;
  var pausedUntil = 0; // after a 429, no queued vote is sent before this time
  var stale = false; // a 403 that is not "access ended": the page's CSRF token is old
  var timer = null;

  function load() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); }
  function forget(k) { save(load().filter(function (x) { return x.key !== k; })); }
  function key() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // One vote to the server; resolves to {outcome, detail, retry} and never rejects.
  // outcome: "done" (counted or already counted), "keep" (try later), "busy" (429),
  // "ended" (access ended), "invalid" (a vote the server can never count).
  async function send(vote) {
    var r;
    try {
      r = await fetch("/kiosk/votes", {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrftoken": document.body.dataset.csrf },
        body: JSON.stringify(vote)
      });
    } catch (e) { return { outcome: "keep" }; }
    var body = {};
    try { body = await r.json(); } catch (e) { body = {}; }
    if (r.ok) { return { outcome: "done" }; }
    if (r.status === 429) {
      return { outcome: "busy", detail: body.detail, retry: Number(r.headers.get("Retry-After")) || 30 };
    }
    if (r.status === 403 && body.reason === "kiosk_ended") { return { outcome: "ended" }; }
    if (r.status === 403) { stale = true; return { outcome: "keep" }; }
    if (r.status >= 500 || r.status === 408) { return { outcome: "keep" }; }
    return { outcome: "invalid", detail: body.detail };
  }

  // The votes queued earlier (people already thanked), in order; stops at the first that
  // cannot be sent now, and keeps it.
  async function flush() {
    if (sending || Date.now() < pausedUntil || !ended.hidden) { return; }
    sending = true;
    try {
      var q = load().filter(function (x) { return x.key !== live; });
      while (q.length) {
        var vote = q.shift();
        var res = await send(vote);
        if (res.outcome === "done") { forget(vote.key); continue; }
        if (res.outcome === "invalid") {
          // Malformed (a level of another scale...): it can never count; said in the console
          // for whoever looks after the tablet, so that the queue does not stall behind it.
          console.warn("kiosk: vote refused by the server", vote, res.detail);
          forget(vote.key);
          continue;
        }
        if (res.outcome === "busy") { pausedUntil = Date.now() + res.retry * 1000; }
        if (res.outcome === "ended") { showEnded(false); }
        break;
      }
    } finally { sending = false; }
  }

  function show(section) {
    [ask, thanks, ended].forEach(function (s) { s.hidden = s !== section; });
  }

  function back() {
    if (stale) { location.reload(); return; } // a fresh CSRF token; the queue is kept
    show(ask);
  }

  // `justVoted`: the person in front of the tablet is told their tap was not recorded.
  function showEnded(justVoted) {
    document.getElementById("ended-vote").hidden = !justVoted;
    show(ended);
  }

  function showRefused(res) {
    refused.textContent = res.detail || "";
    refused.hidden = false;
    show(ask);
    clearTimeout(timer);
    // The message stays while the tablet cannot take a vote, then clears for the next person.
    timer = setTimeout(function () { refused.hidden = true; }, Math.max(res.retry || 0, seconds) * 1000);
  }

  function thank() {
    refused.hidden = true;
    show(thanks);
    clearTimeout(timer);
    timer = setTimeout(back, seconds * 1000);
  }

  async function tap(level) {
    var vote = { key: key(), level: level, at: new Date().toISOString() };
    var q = load();
    q.push(vote);
    save(q); // kept on the tablet before anything else can go wrong
    busy = true;
    live = vote.key;
    root.setAttribute("aria-busy", "true");
    var answered = false;
    var slow = setTimeout(function () { if (!answered) { busy = false; thank(); } }, WAIT_MS);
    var res = await send(vote);
    answered = true;
    clearTimeout(slow);
    live = null;
    root.removeAttribute("aria-busy");
    if (res.outcome === "done") { forget(vote.key); }
    if (res.outcome === "busy") { pausedUntil = Date.now() + res.retry * 1000; }
    if (!busy) { // thanked already (a slow answer): whatever came, the vote is not dropped
      if (res.outcome === "ended") { showEnded(false); } // this vote stays queued
      flush();
      return;
    }
    busy = false;
    if (res.outcome === "busy" || res.outcome === "invalid") {
      forget(vote.key); // the person is told and may tap again
      showRefused(res);
    } else if (res.outcome === "ended") {
      forget(vote.key);
      showEnded(true);
    } else {
      thank(); // counted, or kept to be sent when it can
    }
    flush();
  }

  root.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-level]");
    if (!button || ask.hidden || busy) { return; }
    tap(Number(button.dataset.level));
  });

  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  flush();
})();
