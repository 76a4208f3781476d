"""kill -9 a crawl, run it again once, and compare the archive with an uninterrupted crawl's.

    python benchmarks/crash.py                      # 20 random kills, 300 articles (~4 min on 2 cores)
    python benchmarks/crash.py --kills 50 --articles 300 --seed 7

The site is the synthetic Z-BlogPHP park-news site (``benchmarks/synthsite.py``): 2 sections of
20-post pages, served on 127.0.0.1. Each trial crawls it into a fresh archive with
``parknews crawl rentsh --start-url ...``, sends SIGKILL at a random moment (0.5 s to the
length of an uninterrupted crawl; a second run after a random number of its new posts), then runs ONE plain ``parknews crawl`` and compares the set
of archived article URLs, the frontier left behind and ``PRAGMA integrity_check`` with the
uninterrupted crawl's. Half the trials kill a *second* run, made after new posts were
published on a complete archive (the case where a stop-at-a-known-page rule can hide what
the killed run never reached); a few kill the same archive three times in a row.

``tests/test_frontier.py`` runs the same harness at fixed kill points; this script is the
slow, randomized version. Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthsite import SiteServer, SyntheticSite  # noqa: E402

#: Settings of every crawl here: our own server, no politeness delay worth waiting for.
CRAWL_SETTINGS = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
                  "-s", "PARKNEWS_BATCH_SIZE=5")


def crawl_command(db: Path, url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "parknews.cli", "crawl", "rentsh", "--db", str(db), "--start-url", url + "/",
            *CRAWL_SETTINGS, *extra]


def crawl(db: Path, url: str, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """One whole crawl, as a user runs it."""
    return subprocess.run(crawl_command(db, url, *extra), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # not created yet
    finally:
        conn.close()


def articles(db: Path) -> set[str]:
    """Archived article paths (the port differs between servers, the path does not)."""
    return {url.split("/", 3)[3] for (url,) in query(db, "SELECT url FROM articles")}


def killed_crawl(db: Path, url: str, *, after_articles: int | None = None, after_seconds: float | None = None,
                 timeout: float = 120) -> int:
    """Start a crawl, SIGKILL it once the archive holds ``after_articles`` articles more than at
    the start (or after ``after_seconds``); returns how many articles it had archived by then.

    0 articles means: killed as soon as its run row exists (schema made, nothing crawled).
    A crawl that finishes before the moment comes is not killed (the count says so).
    """
    before = len(articles(db)) if db.exists() else 0
    runs_before = len(query(db, "SELECT id FROM runs")) if db.exists() else 0
    process = subprocess.Popen(crawl_command(db, url), cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while process.poll() is None and time.monotonic() - started < timeout:
            if after_seconds is not None:
                due = time.monotonic() - started >= after_seconds
            elif after_articles:
                due = len(articles(db)) - before >= after_articles
            else:
                due = len(query(db, "SELECT id FROM runs")) > runs_before
            if due:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return len(articles(db)) - before


def sound(db: Path) -> bool:
    """PRAGMA integrity_check passes and every article has its raw page."""
    if query(db, "PRAGMA integrity_check") != [("ok",)]:
        return False
    orphans = query(db, "SELECT a.url FROM articles a LEFT JOIN pages p ON p.final_url = a.url OR p.url = a.url "
                        "WHERE p.url IS NULL")
    return not orphans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20, help="trials (default 20)")
    parser.add_argument("--articles", type=int, default=300, help="posts on the site (default 300)")
    parser.add_argument("--new", type=int, default=60, help="posts published before a second-run trial (default 60)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="parknews-crash-"))

    site = SyntheticSite(args.articles)
    with SiteServer(site) as server:
        reference = work / "reference.db"
        started = time.monotonic()
        result = crawl(reference, server.url)
        full_time = time.monotonic() - started
        expected = articles(reference)
        print(f"uninterrupted crawl: {len(expected)} articles in {full_time:.1f} s (exit {result.returncode})")
    survived = 0
    rows = []
    for trial in range(args.kills):
        second_run = trial % 2 == 1
        repeats = 3 if trial % 5 == 4 else 1
        site = SyntheticSite(args.articles)
        with SiteServer(site) as server:
            db = work / f"trial-{trial}.db"
            if second_run:
                crawl(db, server.url)
                site.add_articles(args.new)
            if second_run:  # an incremental run is short: kill it after a random share of the new posts
                moments = [f"{rnd.randrange(args.new)} new" for _ in range(repeats)]
                archived_at_kill = [killed_crawl(db, server.url, after_articles=int(m.split()[0])) for m in moments]
            else:
                moments = [f"{rnd.uniform(0.5, max(1.0, full_time)):.2f} s" for _ in range(repeats)]
                archived_at_kill = [killed_crawl(db, server.url, after_seconds=float(m.split()[0])) for m in moments]
            kill_sound = sound(db)
            after = crawl(db, server.url)
            want = {f"index.php/post/{n}.html" for n in range(1, site.total + 1)}
            got = articles(db)
            missing = want - got
            ok = not missing and after.returncode == 0 and kill_sound and sound(db)
            survived += ok
            frontier = query(db, "SELECT count(*) FROM frontier")[0][0]
            rows.append((trial, "second run" if second_run else "first run", moments, archived_at_kill,
                         len(missing), frontier, after.returncode, ok))
            print(f"trial {trial:2}: {'second' if second_run else 'first '} run, killed at {moments} "
                  f"(+{archived_at_kill} articles), after one re-run: {len(got)}/{len(want)} articles, "
                  f"{len(missing)} missing, frontier {frontier}, exit {after.returncode}, "
                  f"{'sound' if kill_sound else 'NOT SOUND'} -> {'ok' if ok else 'LOST'}")
    print(f"\n{survived} of {args.kills} kills survived with nothing missing after one plain re-run")
    return 0 if survived == args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
