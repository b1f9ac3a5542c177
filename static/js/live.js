// Live workshop pages: one Server-Sent Events stream per page ([data-live-events]) says "changed"
// when the session moves or a count changes; the part of the page that shows it
// (hx-trigger="live:changed") then fetches itself again with htmx. The browser reconnects by
// itself (after the server's `retry`); a 204 from the stream (the session ended) stops it, and a
// slow htmx poll in the same hx-trigger backs the stream up. The events carry no content.
// data-live-spread (ms): a random wait before fetching, so that 300 phones moved on at once do not
// all ask in the same instant (the screens fetch at once).
(function () {
  "use strict";
  if (!window.EventSource) return;
  function follow(box) {
    var source = new EventSource(box.getAttribute("data-live-events"));
    var spread = parseInt(box.getAttribute("data-live-spread") || "0", 10) || 0;
    source.addEventListener("changed", function () {
      window.setTimeout(function () {
        var target = box.querySelector('[hx-trigger*="live:changed"]');
        if (target && window.htmx) window.htmx.trigger(target, "live:changed");
      }, Math.random() * spread);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  document.querySelectorAll("[data-live-events]").forEach(follow);
})();
