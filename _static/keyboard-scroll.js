// Code that a reader reveals by opening a folded solution can be wider than its box. The theme makes such boxes
// reachable with the keyboard (tabindex 0, so the arrow keys scroll them) only when the page loads or the window is
// resized, and at load a folded box is not scrollable yet. So check again whenever a fold opens.
(() => {
  const SCROLLABLE = "pre, .cell_output > .output, .pst-scrollable-table-container";

  function updateTabStops(root) {
    root.querySelectorAll(SCROLLABLE).forEach((box) => {
      if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) {
        box.tabIndex = 0;
      }
    });
  }

  // sphinx-togglebutton folds (solutions, "dropdown" admonitions) open by losing their toggle-hidden class, whether
  // the reader clicked the button or the title.
  new MutationObserver((changes) => {
    changes.forEach((change) => {
      const fold = change.target;
      if (fold.classList.contains("toggle") && !fold.classList.contains("toggle-hidden")) {
        updateTabStops(fold);
      }
    });
  }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["class"] });

  // <details> folds (the {dropdown} directive); "toggle" does not bubble, so listen while it is captured.
  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target.open) {
        updateTabStops(event.target);
      }
    },
    true,
  );
})();
