// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // After htmx swaps a fragment in, move focus to what the fragment marks with data-focus
  // (a result, a confirmation, or the first error), so keyboard and screen-reader users follow.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt || document;
    var target = root.querySelector("[data-focus]") || root.querySelector("#error-summary");
    if (target && target !== document.activeElement) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    }
  });

  // A full page with a form error: put focus on the error summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });

  // A form sent by htmx with an expired CSRF token: the refusal brings a new token (HX-Trigger),
  // and every form of the page and htmx's header take it, so sending again works. What was typed
  // is still in the form: the refusal's notice goes to the live region instead.
  document.addEventListener("ideaspace:csrf-token", function (event) {
    var token = event.detail && event.detail.value;
    if (typeof token !== "string" || !token) return;
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      input.value = token;
    });
  });

  // Character counters (macros.html `counter`): how many characters are left, or how many too many.
  // The limit is shown, not enforced: maxlength would cut a long paste without a word, while the
  // server refuses it with a clear error and keeps the text. Screen readers hear the count once
  // typing pauses, not at every key.
  var announceTimers = {};

  function updateCounter(counter, announce) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field) return;
    var left = parseInt(counter.getAttribute("data-max"), 10) - field.value.length;
    var text = counter.getAttribute(left >= 0 ? "data-left" : "data-over").replace("{n}", String(Math.abs(left)));
    counter.textContent = text;
    counter.hidden = false;
    counter.classList.toggle("field__error", left < 0);
    if (!announce) return;
    var status = document.getElementById(counter.id + "-status");
    clearTimeout(announceTimers[counter.id]);
    announceTimers[counter.id] = setTimeout(function () {
      if (status) status.textContent = text;
    }, 1000);
  }

  function updateCounters(root) {
    root.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      updateCounter(counter, false);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    updateCounters(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    updateCounters(event.detail.elt || document);
  });
  document.addEventListener("input", function (event) {
    var id = event.target && event.target.id;
    var counter = id && document.getElementById(id + "-counter");
    if (counter && counter.hasAttribute("data-counter-for")) updateCounter(counter, true);
  });

  // Confirm destructive buttons marked with data-confirm (no inline handlers: the CSP forbids them).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
