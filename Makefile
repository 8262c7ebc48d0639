# Two commands do all the set-up on a fresh machine:
#   make book   build the website into _build/html (creates .venv and installs what the book needs)
#   make test   run every test: helpers, notebooks (strict nbval), warning-free build, browser tests
# Also: make unit (only the unit tests of helpers, the quick loop while working).
# Also: make lab (JupyterLab on the notebooks), make notebooks (re-run and save the chapters after an edit),
# make student (student edition), make constraints (re-pin everything), make clean,
# make explore (property tests with fresh random examples), make mutation (mutation score of helpers, slow),
# make bench (accuracy in ulp and speed against SciPy of softmax, log_softmax, logsumexp; not part of make test).

PYTHON ?= python3
# One pytest worker more than the machine has cores: the browser, JupyterLab and kernel tests spend part of their time
# waiting (about a third of the wall time on 2 cores), and the spare worker keeps the cores busy meanwhile.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")
# A test-only switch (helpers/figures/_slider.py): what make stores or publishes always draws every slider frame.
unexport BOOK_SLIDER_FRAMES
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: book test unit lab notebooks student constraints clean explore mutation bench pdf lighthouse assignments grade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.book: requirements.txt constraints.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.book
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

# Node packages of the build (MathJax renders the formulas at build time: _ext/static_math.py), from the lock file.
SITE_NODE := tools/site/node_modules/.package-lock.json
$(SITE_NODE): tools/site/package.json tools/site/package-lock.json
	npm ci --omit=dev --no-audit --no-fund --prefix tools/site
	touch $@

book: $(VENV)/.book $(SITE_NODE)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open $(CURDIR)/_build/html/index.html in a browser."

# First a Chromium for the browser tests: found, or installed (apt-get as root on Debian/Ubuntu, else Playwright's);
# if neither works, one line says what to run and nothing else starts.
test: $(VENV)/.test $(SITE_NODE)
	@$(BIN)/python tools/ensure_browser.py
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=15

# Only the unit, property and doctests of helpers (about a minute on 2 cores): the quick loop while working.
unit: $(VENV)/.test
	$(BIN)/python -m pytest -n auto -p no:cacheprovider $$($(BIN)/python tools/mutation.py --list-tests)

# The unit tests with fresh random property-test examples, ten times as many as `make test`'s fixed ones
# (profiles in tests/conftest.py). A failure prints a @reproduce_failure line to replay it.
explore: $(VENV)/.test
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -p no:cacheprovider $$($(BIN)/python tools/mutation.py --list-tests)

# Mutation testing, slow (about an hour on 2 cores), not part of `make test`: mutmut plants one bug at a time in each
# module of helpers and runs that module's own unit tests on it; prints the share of mutants killed per module
# (tools/mutation.py).
mutation: $(VENV)/.test
	$(BIN)/python tools/mutation.py

# Accuracy (max ulp against mpmath) and speed (median time ratios against SciPy, measured in the same run).
bench: $(VENV)/.book
	$(BIN)/python benchmarks/softmax.py

# Lighthouse (npm, pinned in tools/site/package-lock.json) on every page of _build/html, mobile and desktop, served
# with gzip from 127.0.0.1 (benchmarks/lighthouse.py); prints the table of scores. A measurement, not a test.
lighthouse: $(VENV)/.book
	npm ci --no-audit --no-fund --prefix tools/site
	$(BIN)/python benchmarks/lighthouse.py

# Re-run every chapter in a fresh kernel and save its outputs (after editing a chapter; nbval compares them), after
# writing each chapter's Colab cell from the repository and branch in _config.yml.
notebooks: $(VENV)/.book
	$(BIN)/python tools/colab_cells.py
	$(BIN)/python tools/execute_notebooks.py

# The printed book, _build/pdf/book.pdf: Jupyter Book's LaTeX builder with xelatex (the chapters run as for `make book`,
# cached), then read back as a reader would (tests/test_pdf.py). TeX Live is found, or installed with apt as root, or
# one line says what to run (tools/ensure_tex.py). A few minutes on 2 cores, so not in `make test`; CI runs it after.
# Run it before `make book` and the website offers the PDF too (pages/intro.md links it).
pdf: $(VENV)/.test
	@$(BIN)/python tools/ensure_tex.py
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	mkdir -p _build/pdf && cp _build/latex/book.pdf _build/pdf/book.pdf
	BOOK_PDF=_build/pdf/book.pdf $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_pdf.py
	@echo "The book as one PDF: $(CURDIR)/_build/pdf/book.pdf"

# The notebooks without their solutions, for handing out in class.
student: $(VENV)/.book
	$(BIN)/python tools/student_edition.py _build/student
	@echo "Student notebooks written to $(CURDIR)/_build/student/"

# Graded assignments, one per chapter (otter-grader): _build/assignments/<chapter>/student/ to hand out,
# autograder/ with the Gradescope zip, instructor/ with the master notebook (pages/instructors.md).
assignments: $(VENV)/.test
	$(BIN)/python tools/assignments.py build _build/assignments

# Grade a folder of submitted notebooks locally, no Docker: make grade CHAPTER=01_softmax SUBMISSIONS=folder
# writes scores.csv (one row per submission, a column per question).
grade: $(VENV)/.test
	$(BIN)/python tools/assignments.py grade _build/assignments/$(CHAPTER) $(SUBMISSIONS) --csv $(or $(CSV),scores.csv)

# JupyterLab is pinned in requirements-test.txt (the live-widget test drives it), not in requirements.txt:
# Binder brings its own.
lab: $(VENV)/.test
	$(BIN)/jupyter lab chapters

# Regenerate the full pin list after changing a version in requirements*.txt.
constraints: $(VENV)/.test
	( echo "# Every package of the tested environment, pinned (pip freeze). Regenerate with \`make constraints\`."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' ) > constraints.txt

clean:
	rm -rf _build .pytest_cache .hypothesis
