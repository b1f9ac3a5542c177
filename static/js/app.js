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

  // Confirm destructive buttons marked with data-confirm (no inline handlers: the CSP forbids them).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
