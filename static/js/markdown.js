// The Markdown toolbar: bold, italic, list and link buttons above every textarea marked
// data-markdown. Progressive enhancement only: without this file the textarea takes plain
// Markdown, as its help line says. The buttons' labels come translated from <template
// id="markdown-toolbar"> in base.html (no strings here, no inline script: the CSP forbids it).
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
