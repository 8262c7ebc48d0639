// The theme (pydata-sphinx-theme.js) gives every scrollable box a tab stop when the page has loaded, by measuring
// every code block and cell output of the page: that measurement lays out the whole page at once, formulas and
// outputs the reader has not reached included (they are rendered lazily: _static/lazy-render.css), and on a phone
// it blocked the main thread for seconds. Here the same rule (tab stop if the box overflows) is applied to each box
// when it comes near the viewport. Until then every such box keeps the tab stop the build gave it (tabindex="0",
// _ext/light_pages.py), so a keyboard user can reach, and scroll, any of them from the start.
// This file runs before the theme's script (both deferred, this one earlier in the page).
(() => {
  const SCROLLABLE = "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container";
  const addListener = window.addEventListener;
  window.addEventListener = function (type, listener, options) {
    const script = document.currentScript;
    if (type === "load" && script && /pydata-sphinx-theme\.js/.test(script.src)) {
      return undefined; // replaced by the observer below
    }
    return addListener.call(this, type, listener, options);
  };

  function updateTabStop(box) {
    box.tabIndex = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight ? 0 : -1;
  }

  const near = new IntersectionObserver(
    (entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting) {
          updateTabStop(entry.target);
        }
      });
    },
    { rootMargin: "100% 0px" },
  );
  addListener.call(window, "load", () => {
    document.querySelectorAll(SCROLLABLE).forEach((box) => near.observe(box));
  });
})();
