"""The back matter keeps up with the chapters: every exhibit of the mistake museum is listed under the number the
chapters give it, every helpers module is in the API reference, the cheat sheet links only to functions that exist
and every formula on it to the chapter that derives it, and the README's launch links follow _config.yml. The claims
the back matter makes that no chapter runs (the museum's double-softmax band, division-free error and Fast2Sum
example) are checked here against an independent reference.

The build (-W -n) already fails on a cross-reference to a missing target; these tests catch the other direction,
a new exhibit or module that the back matter forgot.
"""

import importlib
import json
import math
import pkgutil
import re
from fractions import Fraction

import mpmath
import numpy as np
from book_layout import CHAPTER_NOTEBOOKS, CONFIG, ROOT, toc_pages

import helpers

PAGES = ROOT / "pages"
# Only chapters in the TOC are built, so only their exhibits can be linked (the others are listed as "to come").
BUILT_CHAPTERS = [path for path in CHAPTER_NOTEBOOKS if f"chapters/{path.stem}" in toc_pages()]


def _markdown_of(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_every_museum_exhibit_in_a_chapter_is_listed_on_the_museum_page():
    museum = (PAGES / "mistakes.md").read_text()
    listed = set(re.findall(r"\{ref\}`[^`<]*<(museum-[\w-]+)>`", museum))
    shown = {
        target: notebook.stem
        for notebook in BUILT_CHAPTERS
        for target in re.findall(r"^\((museum-[\w-]+)\)=", _markdown_of(notebook), flags=re.M)
    }
    missing = {target: chapter for target, chapter in shown.items() if target not in listed}
    assert not missing, f"pages/mistakes.md does not link these exhibits: {missing}"
    assert listed <= set(shown), f"pages/mistakes.md links exhibits no chapter shows: {listed - set(shown)}"


def test_every_museum_admonition_has_a_target_and_a_mistake_number():
    for notebook in CHAPTER_NOTEBOOKS:
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and re.search(r"^:::\{admonition\} Mistake museum", source, re.M):
                assert re.search(r"^\(museum-[\w-]+\)=\n:::\{admonition\} Mistake museum \(\d+\)", source, re.M), (
                    f"{notebook.name}: a mistake-museum admonition needs a (museum-...)= target on the line "
                    f"before it and its number on the museum page (pages/mistakes.md) in the title:\n{source[:200]}"
                )


def test_every_public_module_of_helpers_is_in_the_api_reference():
    api = (PAGES / "api.md").read_text()
    documented = set(re.findall(r"^\.\. automodule:: ([\w.]+)", api, flags=re.M))
    public = {
        f"helpers.{info.name}" for info in pkgutil.iter_modules(helpers.__path__) if not info.name.startswith("_")
    }
    assert public <= documented, f"pages/api.md does not document {sorted(public - documented)}"


def test_the_cheat_sheet_names_only_functions_that_exist():
    sheet = (PAGES / "cheatsheet.md").read_text()
    named = re.findall(r"\{py:func\}`[^`<]*<(helpers\.[\w.]+)>`", sheet)
    assert len(named) >= 20
    for path in named:
        module, _, name = path.rpartition(".")
        assert hasattr(importlib.import_module(module), name), path


# --------------------------------------------------------------------------- the museum's numbers and links


def _labels_in(notebook):
    return set(re.findall(r"^\(([\w-]+)\)=", _markdown_of(notebook), flags=re.M))


def _museum_exhibits():
    """The museum page's exhibits: number -> the text of its section."""
    museum = (PAGES / "mistakes.md").read_text()
    parts = re.split(r"^## (\d+)\. ", museum, flags=re.M)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2])}


def test_the_museum_numbers_its_exhibits_one_by_one():
    assert sorted(_museum_exhibits()) == list(range(1, len(_museum_exhibits()) + 1))


def test_every_museum_exhibit_links_to_a_place_in_a_chapter_that_runs_it():
    labels = set().union(*(_labels_in(notebook) for notebook in BUILT_CHAPTERS))
    for number, text in _museum_exhibits().items():
        targets = re.findall(r"\{ref\}`[^`<]*<([\w-]+)>`", text)
        assert targets, f"museum exhibit {number} links to no chapter"
        assert set(targets) <= labels, f"museum exhibit {number} links to {set(targets) - labels}, in no chapter"


def test_a_chapter_numbers_each_exhibit_as_the_museum_page_does():
    exhibits = _museum_exhibits()
    for notebook in BUILT_CHAPTERS:
        pairs = re.findall(r"^\((museum-[\w-]+)\)=\n:::\{admonition\} Mistake museum \((\d+)\)",
                           _markdown_of(notebook), flags=re.M)
        for target, number in pairs:
            assert f"<{target}>`" in exhibits.get(int(number), ""), (
                f"{notebook.name} calls {target} mistake {number}; the museum page lists it elsewhere"
            )


# --------------------------------------------------------------------------- the museum's own claims


def test_museum_double_softmax_loss_stays_in_a_band_of_width_one():
    """Exhibit 10: softmax fed to a loss that applies softmax again lies in [log(1 + (k-1)/e), log(k - 1 + e)]."""
    for k in (2, 3, 10, 100):
        low, high = math.log(1 + (k - 1) / math.e), math.log(k - 1 + math.e)
        assert math.isclose(high - low, 1.0)
        rng = np.random.default_rng(k)
        logits = np.vstack([rng.normal(scale=scale, size=(200, k)) for scale in (0.1, 3.0, 30.0)])
        labels = rng.integers(0, k, size=len(logits))
        losses = [helpers.cross_entropy(helpers.softmax(row)[None], label[None]) for row, label in zip(logits, labels)]
        assert low - 1e-12 <= min(losses) and max(losses) <= high + 1e-12
        # the ends are reached: a perfect model, and a model sure of a wrong class
        sure = np.full(k, -800.0)
        sure[0] = 0.0
        assert math.isclose(helpers.cross_entropy(helpers.softmax(sure)[None], np.array([0])), low)
        assert math.isclose(helpers.cross_entropy(helpers.softmax(sure)[None], np.array([1])), high)
    assert (round(math.log(1 + 9 / math.e), 2), round(math.log(9 + math.e), 2)) == (1.46, 2.46)  # the page's k = 10


def test_museum_double_softmax_gives_a_confidently_wrong_model_almost_no_gradient():
    """Exhibit 10: the gradient in the logits fades as the probabilities saturate (finite differences as reference)."""
    label = np.array([0])

    def double(z):
        return helpers.cross_entropy(helpers.softmax(z)[None], label)

    for gap in (2.0, 10.0, 20.0):
        z = np.array([0.0, gap, 0.0])  # sure of class 1, the label is class 0
        right = helpers.cross_entropy_grad(z[None], label)[0]
        wrong = helpers.numerical_gradient(double, z)
        assert np.linalg.norm(right) > 0.9  # the cross-entropy of the logits keeps pulling
        if gap >= 10:
            assert np.linalg.norm(wrong) < 1e-3 and double(z) > math.log(1 + 2 / math.e)


def test_museum_division_free_softmax_loses_hundreds_of_ulps_near_1000_where_the_division_loses_about_one():
    rng = np.random.default_rng(0)
    worst = {"division-free": 0.0, "shifted": 0.0}
    for _ in range(5):
        z = 1000.0 + rng.normal(size=16)
        with mpmath.workprec(200):
            exps = [mpmath.exp(mpmath.mpf(float(v))) for v in z]
            exact = [e / mpmath.fsum(exps) for e in exps]
        shifted = np.exp(z - z.max())
        got = {"division-free": np.exp(z - helpers.logsumexp(z)), "shifted": shifted / shifted.sum()}
        for name, values in got.items():
            errors = [abs(mpmath.mpf(float(v)) - r) / np.spacing(float(r)) for v, r in zip(values, exact)]
            worst[name] = max(worst[name], float(max(errors)))
    assert worst["division-free"] >= 100
    assert worst["shifted"] <= 3


def test_museum_fast2sum_is_exact_in_order_and_loses_the_error_out_of_order():
    def fast_two_sum(a, b):
        s = a + b
        return s, b - (s - a)

    exact_error = float(Fraction(1e20) + Fraction(1.0) - Fraction(1e20 + 1.0))
    assert exact_error == 1.0
    assert fast_two_sum(1e20, 1.0) == (1e20, exact_error)
    assert fast_two_sum(1.0, 1e20) == (1e20, 0.0)


# --------------------------------------------------------------------------- cheat sheet, API page, README


def test_every_formula_on_the_cheat_sheet_links_to_a_chapter():
    sheet = (PAGES / "cheatsheet.md").read_text()
    entries = re.split(r"^- ", sheet, flags=re.M)[1:]
    assert len(entries) >= 40
    for entry in entries:
        if "$" in entry.split("\n")[0]:  # a formula (not a note such as "SymPy against NumPy at chosen points")
            assert re.search(r"\{(ref|doc)\}`[^`]*(ch\d|chapters/)", entry), f"no chapter linked: {entry[:120]}"


def test_the_api_overview_names_only_chapters_that_use_the_function():
    api = (PAGES / "api.md").read_text()
    rows = re.findall(r"^\| .* \| (.*helpers\.numerics.*) \| (.*) \|$", api, flags=re.M)
    assert len(rows) >= 10
    code = {
        int(path.name[:2]): "\n".join(
            "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"
        )
        for path in CHAPTER_NOTEBOOKS
    }

    def uses(chapter, name):  # called, or passed on (chapter 6 hands helpers.softmax to its measurements)
        return re.search(rf"\bhelpers\.{name}(?!\w)", code[chapter]) is not None

    for functions, chapters in rows:
        if chapters == "every chapter":
            wanted = set(code)
        else:
            numbers = [int(n) for n in re.findall(r"\d+", chapters)]
            wanted = set(range(numbers[0], numbers[1] + 1)) if " to " in chapters else set(numbers)
        names = re.findall(r"`helpers\.(\w+) <", functions)
        for chapter in wanted:  # a row may name two functions: each chapter it lists calls at least one
            assert any(uses(chapter, name) for name in names), f"chapter {chapter}: none of {names}"
        for name in names:
            assert any(uses(chapter, name) for chapter in wanted), f"no listed chapter uses {name}"


def test_the_readme_launches_every_chapter_from_the_configured_repository():
    readme = (ROOT / "README.md").read_text()
    owner, repo = CONFIG["repository"]["url"].rstrip("/").split("/")[-2:]
    branch = CONFIG["repository"]["branch"]
    binder = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
    colab = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
    assert f"git clone {CONFIG['repository']['url'].rstrip('/')}.git" in readme
    links = re.findall(r"\]\((https://[^)]*(?:binder|colab)[^)]*)\)", readme)
    assert len(links) == 2 * len(BUILT_CHAPTERS)
    for notebook in BUILT_CHAPTERS:
        path = f"chapters/{notebook.name}"
        title = re.search(r"^# (.+)$", _markdown_of(notebook), flags=re.M).group(1)
        assert f"| {int(notebook.name[:2])}. {title} |" in readme, f"README: no row for {notebook.name} as '{title}'"
        assert f"{binder}/v2/gh/{owner}/{repo}/{branch}?urlpath=lab/tree/{path}" in links
        assert f"{colab}/github/{owner}/{repo}/blob/{branch}/{path}" in links


# --------------------------------------------------------------------------- notation


_GREEK = ("alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|Theta|lambda|mu|sigma|tau|kappa|ell|pi|rho|phi|psi"
          "|omega|xi|zeta|nu|chi|Delta|Sigma|Lambda|Gamma|Omega|Phi|Psi")


def _math_of(markdown):
    """The LaTeX of every $...$ and $$...$$ in a page's markdown (code spans and blocks left out)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    display = re.findall(r"\$\$(.+?)\$\$", text, flags=re.S)
    return display + re.findall(r"\$([^$]+?)\$", re.sub(r"\$\$(.+?)\$\$", "", text, flags=re.S))


def _symbols_in(latex):
    """The letters and Greek letters a formula uses as symbols (words in \\text{}, \\operatorname{} ... are not)."""
    latex = re.sub(r"\\(operatorname|mathrm|text|textbf|mathbb|mathcal|begin|end|label|tag)\{[^}]*\}", " ", latex)
    symbols = set(re.findall(rf"\\({_GREEK})(?![a-zA-Z])", latex))
    return symbols | set(re.findall(r"[A-Za-z]", re.sub(r"\\[a-zA-Z]+", " ", latex)))


def test_the_notation_page_lists_every_symbol_the_chapters_use():
    page = (PAGES / "notation.md").read_text()
    table = page[page.index("| symbol |"):page.index("## Index conventions")]
    listed = {"i", "j", "l"}  # the class indices, explained under the table
    for row in table.strip().splitlines()[2:]:
        for latex in _math_of(row.split("|")[1]):
            listed |= _symbols_in(latex)
    unlisted = {}
    for notebook in BUILT_CHAPTERS:
        for number, cell in enumerate(json.loads(notebook.read_text())["cells"]):
            if cell["cell_type"] == "markdown":
                for latex in _math_of("".join(cell["source"])):
                    for symbol in _symbols_in(latex) - listed:
                        unlisted.setdefault(symbol, f"{notebook.stem}, cell {number}: ${latex.strip()[:60]}$")
    assert not unlisted, f"symbols missing from pages/notation.md: {unlisted}"
