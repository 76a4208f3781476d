"""Discovery on every fixture site: each crawled from its bare home URL with no profile.

    python benchmarks/discovery.py                # the demo copy, tests/fixtures/discovery/*, tests/fixtures/cmssites/*
    python benchmarks/discovery.py --no-presets   # the same with the CMS presets left out

Per site: articles archived / expected, non-article pages archived as articles, articles
missed, pages discovery sampled, the seconds discovery took, and the CMS it detected. The
sites are served on 127.0.0.1 (nothing leaves the machine); ground truth comes from each
site's expected.toml (the demo copy: its post pages that hold an article).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parknews.crawl.localsite import DEMO_SITES, LocalSite  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def fixture_sites() -> list[tuple[str, Path, list[str]]]:
    """(name, site folder, expected article paths) of every site with ground truth."""
    demo = DEMO_SITES / "rentsh"
    sites = [("demo-rentsh", demo, sorted(f"/index.php/post/{p.stem}.html" for p in (demo / "index.php" / "post").glob("*.html")
                                          if p.stem != "99500"))]
    for expected in sorted((ROOT / "tests" / "fixtures" / "discovery").glob("*.expected.toml")):
        truth = tomllib.loads(expected.read_text("utf-8"))
        sites.append((expected.name.removesuffix(".expected.toml"), expected.parent / expected.name.removesuffix(".expected.toml"),
                      sorted(truth["articles"])))
    for expected in sorted((ROOT / "tests" / "fixtures" / "cmssites").glob("*/expected.toml")):
        truth = tomllib.loads(expected.read_text("utf-8"))
        root = expected.parent / "site" if (expected.parent / "site").is_dir() else expected.parent
        sites.append((expected.parent.name, root, sorted(truth["articles"])))
    return sites


def run_site(name: str, root: Path, expected: list[str], extra: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, LocalSite(root) as site:
        db = Path(tmp) / "a.db"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "parknews.cli", "crawl", site.url + "/", "--db", str(db), *FAST, *extra],
                                capture_output=True, text=True, timeout=600, cwd=ROOT)
        took = time.perf_counter() - started
        conn = sqlite3.connect(db)
        try:
            got = sorted(re.sub(r"^https?://[^/]+", "", u) for (u,) in conn.execute("SELECT url FROM articles"))
            row = conn.execute("SELECT report FROM site_profiles").fetchone()
        except sqlite3.Error:
            got, row = [], None
        finally:
            conn.close()
    report = json.loads(row[0]) if row else {}
    norm = {re.sub(r"/index\.html$", "/", p) for p in expected}
    found = [p for p in got if re.sub(r"/index\.html$", "/", p) in norm]
    return {"site": name, "found": len(found), "expected": len(expected), "non_articles": len(got) - len(found),
            "missed": len(expected) - len(found), "sampled": report.get("pages_sampled", 0),
            "discovery_s": report.get("seconds", 0.0), "crawl_s": round(took, 2), "cms": report.get("cms") or "-",
            "exit": result.returncode, "error": result.stderr.strip().splitlines()[-1] if result.returncode else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-presets", action="store_true", help="Discover without the CMS presets.")
    args = parser.parse_args()
    extra = ["-s", "PARKNEWS_DISCOVERY_PRESETS=False"] if args.no_presets else []
    rows = [run_site(n, r, e, extra) for n, r, e in fixture_sites()]
    cols = ["site", "found", "expected", "non_articles", "missed", "sampled", "discovery_s", "crawl_s", "cms", "exit"]
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[c]).ljust(w) for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        if r["error"]:
            print(f"{r['site']}: {r['error']}")
    total = sum(int(r["found"]) for r in rows), sum(int(r["expected"]) for r in rows)
    print(f"articles found {total[0]} of {total[1]}; non-articles archived {sum(int(r['non_articles']) for r in rows)}")


if __name__ == "__main__":
    main()
