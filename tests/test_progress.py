"""Progress: a live line on a terminal; under cron (no TTY) only the summary and warnings."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import ROOT
from parknews.crawl.localsite import DEMO_SITES, LocalSite

FAST = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=False"]


def _crawl(db: str, url: str, *, tty: bool) -> tuple[int, str]:
    args = [sys.executable, "-m", "parknews.cli", "crawl", "rentsh", "--db", db, "--start-url", url + "/", *FAST]
    if not tty:
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
        return result.returncode, result.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_a_live_progress_line(tmp_path) -> None:
    with LocalSite(DEMO_SITES / "rentsh") as site:
        code, err = _crawl(str(tmp_path / "a.db"), site.url, tty=True)
    assert code == 0
    lines = [chunk for chunk in err.split("\r") if "pages (" in chunk]
    assert lines, err
    last = lines[-1]
    assert "new 15" in last and "errors 2" in last and "/min" in last


def test_cron_gets_only_the_summary_failures_and_warnings(tmp_path) -> None:
    with LocalSite(DEMO_SITES / "rentsh") as site:
        code, err = _crawl(str(tmp_path / "b.db"), site.url, tty=False)
    assert code == 0
    assert "pages (" not in err
    # The two failing pages (404, 500) are named, one line each; nothing else is said.
    failed = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 2
    others = [line for line in err.splitlines() if line.strip() and not line.startswith("failed: ")]
    assert all("Gave up retrying" in line for line in others), others
