// The Markdown toolbar: bold, italic, list and link buttons above every textarea marked
// data-markdown, and a preview of the text as it will be shown, rendered and sanitized on the
// server (POST /preview/markdown through htmx, which sends the CSRF token in its header) into an
// aria-live region below the textarea. Progressive enhancement only: without this file the
// textarea takes plain Markdown, as its help line says. The buttons' labels come translated from
// <template id="markdown-toolbar"> in base.html (no strings here, no inline script: the CSP
// forbids it).
(function () {
  "use strict";

  var ACTIONS = {
    bold: function (text) { return { before: "**", inner: text || "", after: "**" }; },
    italic: function (text) { return { before: "*", inner: text || "", after: "*" }; },
    list: function (text) {
      var lines = (text || "").split("\n");
      return { before: "", inner: lines.map(function (line) { return "- " + line; }).join("\n"), after: "" };
    },
    link: function (text) { return { before: "[", inner: text || "", after: "](https://)" }; },
  };

  function apply(textarea, action, live) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value;
    var parts = ACTIONS[action](value.slice(start, end));
    // A list starts on its own line.
    if (action === "list" && start > 0 && value.charAt(start - 1) !== "\n") parts.before = "\n";
    textarea.focus();
    textarea.setRangeText(parts.before + parts.inner + parts.after, start, end, "end");
    // Select the wrapped text (or the address placeholder of a link) so typing replaces it.
    var innerStart = start + parts.before.length;
    if (action === "link") {
      var urlStart = innerStart + parts.inner.length + 2;
      textarea.setSelectionRange(urlStart, urlStart + "https://".length);
    } else {
      textarea.setSelectionRange(innerStart, innerStart + parts.inner.length);
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    if (live) live.textContent = live.getAttribute("data-done-" + action) || "";
  }

  function preview(template, toolbar, textarea) {
    var button = toolbar.querySelector("button[data-preview]");
    var url = template.getAttribute("data-preview-url");
    var region = template.content.children[1];
    if (!button || !url || !region || !window.htmx) return;
    region = region.cloneNode(true);
    region.id = textarea.id + "-preview";
    button.setAttribute("aria-controls", region.id);
    textarea.parentNode.appendChild(region);
    var body = region.querySelector(".md-preview__body");
    button.addEventListener("click", function () {
      // Every click shows the text as it is now; the region is announced when it is filled.
      window.htmx.ajax("POST", url, {
        source: button, target: body, swap: "innerHTML", values: { text: textarea.value },
      }).then(function () { region.hidden = false; });
    });
  }

  function enhance(root) {
    var template = document.getElementById("markdown-toolbar");
    if (!template) return;
    (root || document).querySelectorAll("textarea[data-markdown]").forEach(function (textarea) {
      if (textarea.getAttribute("data-markdown") === "enhanced") return;
      textarea.setAttribute("data-markdown", "enhanced");
      var toolbar = template.content.firstElementChild.cloneNode(true);
      var live = toolbar.querySelector("[aria-live]");
      toolbar.querySelectorAll("button[data-action]").forEach(function (button) {
        button.setAttribute("aria-controls", textarea.id);
        button.addEventListener("click", function () { apply(textarea, button.getAttribute("data-action"), live); });
      });
      textarea.parentNode.insertBefore(toolbar, textarea);
      preview(template, toolbar, textarea);
      // Ctrl/Cmd+B and Ctrl/Cmd+I, as in every editor.
      textarea.addEventListener("keydown", function (event) {
        if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
        var key = event.key.toLowerCase();
        if (key === "b" || key === "i") {
          event.preventDefault();
          apply(textarea, key === "b" ? "bold" : "italic", live);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.detail.elt); });
})();
