// Drag and drop for the moderators' ordered lists (themes, measures, activities), with the vendored
// SortableJS. Progressive enhancement only: without this file the Move up / Move down buttons, which
// stay for keyboard and screen-reader users, do the same.
//
// A list marked with data-reorder="<url>" gets a drag handle on each item (data-id). Dropping an
// item posts the whole order (`order`, comma-separated ids) and the dragged item (`moved`) through
// htmx, so the CSRF header of the page goes with it; the answer replaces data-reorder-target and
// announces the new position in the page's live region (#reorder-status). A refused order comes
// back as the list as saved, with the reason announced.
(function () {
  "use strict";

  function enhance(list) {
    if (list.hasAttribute("data-reorder-ready")) return;
    list.setAttribute("data-reorder-ready", "");
    Array.prototype.forEach.call(list.children, function (item) {
      var handle = document.createElement("span");
      handle.className = "button button--secondary button--small reorder-handle";
      // Pointer users drag the handle; keyboard and screen-reader users have the Move buttons.
      handle.setAttribute("aria-hidden", "true");
      handle.title = list.getAttribute("data-reorder-hint") || "";
      handle.textContent = "\u2195 " + (list.getAttribute("data-reorder-handle") || "");
      item.insertBefore(handle, item.firstChild);
    });
    var sortable = window.Sortable.create(list, {
      handle: ".reorder-handle",
      dataIdAttr: "data-id",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        sortable.option("disabled", true);
        window.htmx.ajax("POST", list.getAttribute("data-reorder"), {
          source: list,
          target: list.getAttribute("data-reorder-target"),
          swap: "outerHTML",
          values: { order: sortable.toArray().join(","), moved: event.item.getAttribute("data-id") },
        });
      },
    });
  }

  function enhanceAll(root) {
    if (!window.Sortable || !window.htmx || !root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-reorder]")) enhance(root);
    root.querySelectorAll("[data-reorder]").forEach(enhance);
  }

  // htmx carries the old items' style attributes over to the new ones of the same id, and SortableJS
  // leaves them on the items it animated: an inline style the CSP refuses. Clear them before the swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelector || !target.querySelector("[data-reorder]")) return;
    target.querySelectorAll("[data-reorder] [style], [data-reorder][style]").forEach(function (element) {
      element.removeAttribute("style");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  // A list swapped in by htmx (after a move or a drop) is new: give it its handles again.
  document.addEventListener("htmx:load", function (event) {
    enhanceAll(event.detail && event.detail.elt);
  });
})();
