// Renders TeX formulas to MathJax's CommonHTML once, at build time (called by _ext/static_math.py).
//
// stdin:  JSON {"formulas": [{"tex": "...", "display": true|false}, ...], "fontURL": "..."}
// stdout: JSON {"html": ["<mjx-container ...>", ...], "css": "...", "errors": [{"index": n, "message": "..."}]}
//
// One MathJax document renders every formula of the book, so the stylesheet covers exactly the characters the book
// uses, and each formula carries its MathML for screen readers (MathJax's assistive-MML extension, the same text
// that MathJax in the browser gives them).
"use strict";

const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { CHTML } = require("mathjax-full/js/output/chtml.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

// Every TeX package MathJax's browser build loads on demand; an unknown macro or a parse error is reported back
// (the build then fails) rather than drawn in red on the page. textmacros is left out: the browser build does not
// use it, and it would change how \text{...} is read.
const PACKAGES = AllPackages.filter((name) => !["noerrors", "noundefined", "textmacros"].includes(name));

function main(request) {
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const errors = [];
  let current = -1;
  const tex = new TeX({
    packages: PACKAGES,
    formatError(jax, error) {
      errors.push({ index: current, message: error.message });
      return jax.formatError(error);
    },
  });
  const chtml = new CHTML({ fontURL: request.fontURL, adaptiveCSS: true });
  const document = mathjax.document("", { InputJax: tex, OutputJax: chtml });
  const html = request.formulas.map((formula, index) => {
    current = index;
    const node = document.convert(formula.tex, { display: formula.display });
    return adaptor.outerHTML(node);
  });
  const css = adaptor.textContent(chtml.styleSheet(document));
  return { html, css, errors };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(main(JSON.parse(input))));
});
