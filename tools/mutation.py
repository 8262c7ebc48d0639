"""Mutation testing of `helpers` with mutmut: how many deliberately planted bugs do the unit tests catch?

`make mutation` runs this.  For each module of `helpers` in turn it copies the working tree into a scratch folder
(default `_build/mutation/<module>`, so the repository never gets mutmut's `mutants/` folder), runs `mutmut run` on
that module with the module's own unit tests (`MODULE_TESTS`: the test files that mirror it, never the notebooks,
the book build or the browser), and prints, per module, the share of mutants killed.  Each module is judged by its
own tests, which is stricter than by every test that happens to call it, and an order of magnitude faster (most of
mutmut's time per mutant is pytest collecting the test files).  A surviving mutant either shows a missing test or
changes no behaviour at all; the second kind is listed, with the reason, in
tests/mutation_equivalents/<module>.toml (one file per module) and counted apart.  Goals (issue 8): at least 95% of
the numerics' mutants killed, at least 90% of every other module's.  The exit status is 1 if a module misses its goal
or a survivor is neither killed nor listed.

    python tools/mutation.py [--workdir DIR] [--jobs N] [--only helpers/numerics.py ...] [--tests tests/x.py ...]
                             [--rerun-survivors] [--report-only]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents"  # one <dotted module name>.toml per module
GOALS = {"helpers/numerics.py": 0.95}
DEFAULT_GOAL = 0.90

# Tests that build the book, run notebooks, drive a browser or JupyterLab: far too slow to run once per mutant.
SLOW_TESTS = {
    "test_accessibility.py",
    "test_benchmarks.py",
    "test_book.py",
    "test_browser.py",
    "test_cpu_independence.py",
    "test_ensure_browser.py",
    "test_live_widgets.py",
    "test_student.py",
}
# Copied beside helpers/ and tests/ so that the unit tests' imports (book_layout, tools/ensure_browser) and the
# back-matter test's pages work.
ALSO_COPY = ["_config.yml", "_toc.yml", "tools", "chapters", "pages", "pyproject.toml"]

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, a pytest internal error, or a timeout (an endless loop)

# The unit tests that mirror each module (tests/test_<module>.py and friends); a module not listed here is tested
# by tests/test_<package>_<module>.py with the package's shared test file.
MODULE_TESTS = {
    "helpers/numerics.py": ["test_numerics.py", "test_numerics_accuracy.py"],
    "helpers/_kernels.py": ["test_numerics.py", "test_numerics_accuracy.py"],
    "helpers/_memory.py": ["test_memory.py"],
    "helpers/accuracy.py": ["test_numerics_accuracy.py"],
    "helpers/symbolic.py": ["test_symbolic.py", "test_symbolic_cross_entropy.py", "test_symbolic_jacobian.py",
                            "test_symbolic_stability.py"],
    "helpers/checks/_core.py": ["test_checks_core.py", "test_checks.py"],
    "helpers/checks/softmax.py": ["test_checks_softmax.py", "test_checks.py", "test_student_attempts.py"],
    "helpers/figures/_core.py": ["test_figures.py", "test_figures_slider.py"],
    "helpers/figures/_slider.py": ["test_figures_slider.py", "test_figures.py"],
    "helpers/figures/softmax.py": ["test_figures.py"],
}


def modules():
    """Every module of helpers with code to mutate (the packages' __init__ files only re-export names)."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py") if p.name != "__init__.py")


def tests_for(module):
    """The test files that mirror ``module`` (see MODULE_TESTS)."""
    names = MODULE_TESTS.get(module)
    if names is None:
        package, stem = Path(module).parent.name, Path(module).stem
        shared = {"checks": ["test_checks.py", "test_student_attempts.py"], "figures": ["test_figures.py"]}[package]
        names = [f"test_{package}_{stem}.py", *shared]
    missing = [name for name in names if not (ROOT / "tests" / name).is_file()]
    if missing:
        raise SystemExit(f"{module}: no test file {', '.join(missing)} (update MODULE_TESTS in tools/mutation.py)")
    return [f"tests/{name}" for name in names]


def unit_tests():
    return sorted(f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py") if p.name not in SLOW_TESTS)


def mutmut_config(only, tests):
    """The [tool.mutmut] table written into the scratch copy's pyproject.toml."""
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["helpers/"]',
        f"only_mutate = {json.dumps(only)}" if only else "",
        f"also_copy = {json.dumps(ALSO_COPY)}",
        # No notebooks and no doctests: each mutant runs only the unit tests that reach the mutated function.
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:nbval", "-o", "addopts=", '
        '"--import-mode=importlib"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def reset_survivors(workdir):
    """Mark the last run's survivors (and interrupted mutants) as not yet checked, so that `mutmut run` tries them
    again (and only them, besides the mutants of functions that changed since)."""
    for meta in (workdir / "mutants" / "helpers").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        # Survivors, and mutants whose worker was stopped (a signal such as -15) before it finished: run them again.
        data["exit_code_by_key"] = {name: code if code in KILLED else None for name, code in codes.items()}
        meta.write_text(json.dumps(data))
    # Forget which tests reach which function: new tests must be mapped too (mutmut's incremental update misses them).
    (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)


def prepare(workdir, only, tests, keep=False):
    """A fresh copy of helpers/, tests/ and what the tests read, with the mutmut configuration (with ``keep``, the
    copy is refreshed in place and mutmut's earlier results are kept)."""
    if workdir.exists() and not keep:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".hypothesis", "*.pyc")
    for name in ["helpers", "tests", *ALSO_COPY]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=ignore, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, workdir / name)
    with open(workdir / "pyproject.toml", "a") as config:
        config.write(mutmut_config(only, tests))


def run_mutmut(workdir, jobs):
    mutmut = Path(sys.executable).with_name("mutmut")
    env = dict(os.environ, HYPOTHESIS_PROFILE="deterministic", MPLBACKEND="Agg")
    log = workdir / "mutmut.log"
    print(f"mutmut run in {workdir} with {jobs} workers; progress in {log}", flush=True)
    with open(log, "w") as out:
        done = subprocess.run([str(mutmut), "run", "--max-children", str(jobs)], cwd=workdir, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        print(log.read_text()[-4000:])
        raise SystemExit(f"mutmut failed (exit {done.returncode}); its log is {log}")


def results(workdir, targets):
    """{module path: (its scratch folder, {mutant name: exit code})} from mutmut's result files."""
    found = {}
    for module in targets:
        meta = workdir / dotted(module) / "mutants" / f"{module}.meta"
        if meta.is_file():
            found[module] = (workdir / dotted(module), json.loads(meta.read_text())["exit_code_by_key"])
    return found


def dotted(module):
    return module.removesuffix(".py").replace("/", ".")


def mutated_line(workdir, module, name):
    """The first line the mutant adds, as `mutmut show` shows it (the key of an entry in the equivalents list)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # mutmut's own diff, in-process (fast)

    here = Path.cwd()
    os.chdir(workdir)
    try:
        shown = f"# {name}\n" + get_diff_for_mutant(name, path=module)
    finally:
        os.chdir(here)
    added = [line[1:].strip() for line in shown.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return added[0] if added else "", shown


def load_equivalents():
    found = {}
    for path in sorted(EQUIVALENTS.glob("*.toml")):
        for entry in tomllib.loads(path.read_text()).get("equivalent", []):
            if not entry["mutant"].startswith(path.stem + "."):
                raise SystemExit(f"{path.name} lists {entry['mutant']}, a mutant of another module")
            found[entry["mutant"]] = entry
    return found


def report(workdir, targets):
    equivalents = load_equivalents()
    ok = True
    rows, unexplained, stale = [], [], []
    found = results(workdir, targets)
    for module in targets:
        if module not in found:
            print(f"{module}: no results in {workdir / dotted(module)}")
            ok = False
            continue
        module_dir, codes = found[module]
        total = len(codes)
        if not total:
            continue
        killed = sum(code in KILLED for code in codes.values())
        survivors = sorted(name for name, code in codes.items() if code not in KILLED)
        equivalent = 0
        for name in survivors:
            entry = equivalents.get(name)
            line, shown = mutated_line(module_dir, module, name)
            if entry and entry["line"].strip() == line:
                equivalent += 1
            else:
                if entry:
                    stale.append(name)
                unexplained.append(shown.strip() or f"# {name}: exit code {codes[name]}")
        goal = GOALS.get(module, DEFAULT_GOAL)
        score = killed / (total - equivalent) if total > equivalent else 1.0
        met = score >= goal
        ok &= met
        rows.append((module, total, killed, equivalent, len(survivors) - equivalent, score, goal, met))

    print("\nMutation score per module (killed / (mutants - equivalent)); mutmut, each module with its own tests\n")
    print(f"{'module':36} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'alive':>6} {'score':>7}  goal")
    for module, total, killed, equivalent, alive, score, goal, met in rows:
        print(f"{module:36} {total:7d} {killed:7d} {equivalent:7d} {alive:6d} {score:7.1%}  "
              f"{goal:.0%} {'met' if met else 'NOT MET'}")
    if stale:
        print(f"\nListed as equivalent but the mutant changed (update {EQUIVALENTS.name}/): {', '.join(stale)}")
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutants are neither killed nor listed as equivalent:\n")
        print("\n\n".join(unexplained))
    return ok and not unexplained


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "_build" / "mutation")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", nargs="*", default=[], help="mutate only these modules (paths or glob patterns)")
    parser.add_argument("--tests", nargs="*", default=None,
                        help="test files to run for every module (default: each module's own, MODULE_TESTS)")
    parser.add_argument("--list-tests", action="store_true", help="print the fast unit tests and stop")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="keep the last run in --workdir and test only its survivors (and changed functions) again")
    parser.add_argument("--report-only", action="store_true", help="report the results of the last run")
    args = parser.parse_args(argv)
    if args.list_tests:
        print(" ".join(unit_tests()))
        return 0
    workdir = args.workdir.resolve()
    targets = [m for m in modules() if not args.only or any(fnmatch.fnmatch(m, pattern) for pattern in args.only)]
    if not targets:
        raise SystemExit(f"no module of helpers matches {args.only}")
    if not args.report_only:
        for module in targets:
            module_dir = workdir / dotted(module)
            tests = args.tests or tests_for(module)
            if args.rerun_survivors and module_dir.is_dir():
                reset_survivors(module_dir)
            started = time.monotonic()
            prepare(module_dir, [module], tests, keep=args.rerun_survivors)
            run_mutmut(module_dir, args.jobs)
            print(f"  {module}: {time.monotonic() - started:.0f} s with {' '.join(tests)}", flush=True)
    return 0 if report(workdir, targets) else 1


if __name__ == "__main__":
    sys.exit(main())
