"""Lighthouse scores of every page of the built site, as a reader's phone (and desktop) would load it.

The site (_build/html, or --html) is served from 127.0.0.1 with gzip, as a static host serves it; Lighthouse (npm,
pinned in tools/site/package-lock.json: `make lighthouse` installs it) runs against the local Chromium (CHROME_PATH,
default /usr/bin/chromium) with its default mobile profile (simulated slow 4G and a 4x slower CPU) and its desktop
preset, one page at a time. Prints one Markdown table per profile: the four category scores, the largest
contentful paint, the total blocking time, the bytes transferred and Lighthouse's benchmarkIndex of this machine at
that moment (its CPU speed: the mobile profile's 4x CPU slowdown is calibrated for a fast desktop host, an index of
about 1500 in Lighthouse's throttling notes; on a busy machine of 2 cores the index drops far below that and the paint
and blocking times grow with it, so compare runs of similar index, or run it on a quiet machine). A measurement for
people, not a test: the test suite checks what makes the pages fast (tests/test_site_speed.py), never a time.

With --runs N each page is measured N times and the run of median performance is shown, as Lighthouse's notes on
variability advise (one run of a page can differ from the next by ten points on a shared machine).

Usage: python benchmarks/lighthouse.py [--html DIR] [--profile mobile|desktop ...] [--page chapters/01_softmax ...]
           [--runs N] [--json-dir DIR]
"""

import argparse
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from book_layout import toc_pages  # noqa: E402

LIGHTHOUSE = ROOT / "tools" / "site" / "node_modules" / ".bin" / "lighthouse"
# The flags this machine's Chromium needs (as root, no GPU, no network but the loopback).
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run --disable-quic"
)
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".map", ".txt", ".ipynb", ".woff"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed (level 6, as nginx and most hosts) when the client accepts it."""

    cache = {}

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (gzip_ok and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        if path not in self.cache:
            self.cache[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


def serve(folder):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_lighthouse(url, profile, output):
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    if profile == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    subprocess.run(command, check=True, env=env, timeout=300)
    return json.loads(Path(output).read_text())


def row(page, report):
    scores = [round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES]
    audits = report["audits"]
    lcp = audits["largest-contentful-paint"]["numericValue"] / 1000
    tbt = audits["total-blocking-time"]["numericValue"]
    weight = audits["total-byte-weight"]["numericValue"] / 1e6
    failing = [
        audit_id
        for category in CATEGORIES[1:]
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] and (audit_id := ref["id"]) and audits[audit_id]["score"] not in (None, 1)
    ]
    host = report["environment"]["benchmarkIndex"]
    cells = [page, *map(str, scores), f"{lcp:.1f} s", f"{tbt:.0f} ms", f"{weight:.2f} MB", f"{host:.0f}"]
    return "| " + " | ".join(cells) + " |", failing


def median_run(reports):
    """The report of median performance score (the lower middle one of an even number)."""
    ranked = sorted(reports, key=lambda report: report["categories"]["performance"]["score"] or 0)
    return ranked[(len(ranked) - 1) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--profile", action="append", choices=["mobile", "desktop"])
    parser.add_argument("--page", action="append", help="a page of _toc.yml, e.g. chapters/01_softmax")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the one of median performance is shown")
    parser.add_argument("--json-dir", type=Path, help="keep Lighthouse's JSON reports here")
    args = parser.parse_args()
    if not (args.html / "index.html").is_file():
        sys.exit(f"no built site in {args.html}: run `make book` first")
    if not LIGHTHOUSE.is_file():
        sys.exit("Lighthouse is not installed: `npm ci --prefix tools/site` (make lighthouse does)")
    pages = args.page or toc_pages()
    server = serve(args.html)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    json_dir = args.json_dir or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    json_dir.mkdir(parents=True, exist_ok=True)
    try:
        for profile in args.profile or ["mobile", "desktop"]:
            print(f"\nLighthouse, {profile} profile, served with gzip from 127.0.0.1:\n")
            print("| page | performance | accessibility | best practices | SEO | LCP | TBT | transferred | host |")
            print("|---|---|---|---|---|---|---|---|---|")
            for page in pages:
                stem = f"{page.replace('/', '_')}-{profile}"
                reports = [
                    run_lighthouse(f"{base}/{page}.html", profile, json_dir / f"{stem}-{run}.json")
                    for run in range(1, args.runs + 1)
                ]
                line, failing = row(page, median_run(reports))
                print(line + (f"  (failing: {', '.join(failing)})" if failing else ""), flush=True)
    finally:
        server.shutdown()
    print(f"\nFull reports: {json_dir}")


if __name__ == "__main__":
    main()
