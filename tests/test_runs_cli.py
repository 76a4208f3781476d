"""`parknews runs` as a person reads it: titles that say what they count, how each run was
started (demo, crawl, crawl --full, recheck, scrapyd/scrapy), one run in full with its failed
URLs, and --json with nested values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FAST, ROOT, run_cli
from parknews.crawl.localsite import DEMO_SITES, LocalSite


def _ok(*args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return result


def test_every_way_of_starting_a_run_is_named(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    demo = _ok("demo", "--db", db, "--output", str(tmp_path / "demo.jsonl"))
    assert "the 2 failures are deliberate" in demo.stdout
    with LocalSite(DEMO_SITES / "rentsh") as site:
        start = ("--start-url", site.url + "/", *FAST)
        _ok("crawl", "rentsh", "--db", db, *start)
        _ok("crawl", "rentsh", "--db", db, "--full", *start)
        _ok("crawl", "rentsh", "--db", db, "--recheck", "0", *start)
        scrapy = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "site", "-a", "profile=rentsh", "-a", f"start_url={site.url}/",
             "-s", f"PARKNEWS_DB={db}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert scrapy.returncode == 0, scrapy.stderr
    table = _ok("runs", "--db", db).stdout.splitlines()
    header = table[0]
    for title in ("how started", "pages fetched", "new articles", "changed", "unchanged", "already archived",
                  "gone from site", "failed URLs", "failed listings", "warnings"):
        assert title in header
    for cryptic in (" upd ", " same ", " known ", " del "):
        assert cryptic not in f" {header} "
    start_col = header.index("how started")
    how = [line[start_col:].split("  ")[0].strip() for line in table[1:6]]
    assert how == ["scrapyd/scrapy", "recheck", "crawl --full", "crawl", "demo"]  # newest first
    assert table[-1].startswith("(parknews runs --run N")

    records = [json.loads(line) for line in _ok("runs", "--db", db, "--json").stdout.splitlines()]
    assert [r["how_started"] for r in records] == how
    demo_record = records[-1]
    assert isinstance(demo_record["args"], dict) and demo_record["args"]["start_urls"][0].startswith("http://127.0.0.1:")
    assert isinstance(demo_record["warnings"], list)
    assert isinstance(demo_record["coverage"], dict) and demo_record["coverage"]["counts"]["new"] == 15
    assert demo_record["coverage"]["counts"]["body"] == 14  # the demo's article page with no text
    assert records[1]["args"]["recheck"] == 0


def test_one_run_in_full_lists_its_failed_urls(archive: Path) -> None:
    text = _ok("runs", "--db", str(archive), "--run", "1").stdout
    assert "how started:       crawl" in text
    assert "failed URLs (2):" in text
    lines = text.splitlines()
    failed = lines[lines.index("failed URLs (2):") + 1:]
    # The demo's article page with no text (99000) is archived, not failed.
    assert [line.split()[0].rsplit("/", 1)[1] for line in failed] == ["99404.html", "99500.html"]
    assert "[article fetch] HTTP 404" in failed[0] and "[article fetch] HTTP 500" in failed[1]
    assert "warnings: none" in text
    detail = json.loads(_ok("runs", "--db", str(archive), "--run", "1", "--json").stdout)
    assert [f["stage"] for f in detail["failed"]] == ["fetch", "fetch"]
    assert detail["failed"][0]["status"] == 404
    assert isinstance(detail["args"], dict)
    missing = run_cli("runs", "--db", str(archive), "--run", "99")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == ["Error: no run 99 in this archive (parknews runs lists them)"]
