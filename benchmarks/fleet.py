"""The crawl fleet: 1, 2 and 4 workers over 8 loopback sites, each with its own delay.

    python benchmarks/fleet.py                      # 8 sites x 50 articles, 0.2 s answers, delay 0.1 s, workers 1,2,4
    python benchmarks/fleet.py --articles 150 --latency 0 --workers 1,2   # CPU-bound: what 2 cores allow

Every site is a synthetic Z-BlogPHP site (``benchmarks/synthsite.py``) on its own loopback address
(127.0.0.2 ... 127.0.0.9), crawled by its own profile with DOWNLOAD_DELAY and concurrency 1, so
the fleet may start at most one request per site per delay. For each worker count the command
starts a redis-server of its own (free loopback port), a writer and N workers (``--concurrency``
each, default 2), enqueues the 8 runs, and reports:

* pages/s from the first request to the writer's exit, and the ratio to 1 worker;
* per site, the most requests that reached it in any one second (against the 1/delay allowed)
  and the shortest gap between two arrivals (the gate spaces request starts by Redis' clock; an
  arrival can lag its start by the worker's own scheduling, so single gaps can come out shorter);
* the writer's own ceiling: messages/s when it drains a pre-filled inbox of real pages, beside
  the same entries written by a local crawl's store path (ArchiveWriter.write_batch) in this
  command, as a ratio.

Needs redis-server (``apt-get install redis-server``); says so and exits 2 without it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthsite import SiteServer, SyntheticSite  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def profile_text(name: str, url: str) -> str:
    host = url.split("//", 1)[1].split(":", 1)[0]
    return f'''name = "{name}"
start_urls = ["{url}/"]
allowed_domains = ["{host}"]
article_url = '/index\\.php/post/\\d+\\.html$'
listing_url = '/index\\.php/category-(?P<section>\\d+)(?:_(?P<page>\\d+))?\\.html$'

[selectors]
title = ["h1.article-title", ".article h1"]
body = [".article .article-content", ".article-content"]
meta = [".article-meta"]
related = [".related"]
drop = [".zb-ad"]
'''


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "parknews.cli", *args]


def fleet_round(servers: list[SiteServer], profiles: list[Path], workers: int, concurrency: int, delay: float,
                work: Path) -> dict[str, float]:
    for server in servers:
        server.reset_counts()
    redis_proc, url = start_redis(work)
    db = work / "fleet.db"
    common = ["--redis", url]
    try:
        subprocess.run(cli("fleet", "crawl", *map(str, profiles), *common, "--full", "-s", f"DOWNLOAD_DELAY={delay}",
                           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"), check=True, capture_output=True, cwd=ROOT)
        logs = open(work / "processes.log", "ab")  # noqa: SIM115
        writer = subprocess.Popen(cli("fleet", "writer", "--db", str(db), "--until-done", *common), cwd=ROOT,
                                  stdout=logs, stderr=subprocess.STDOUT)
        procs = [subprocess.Popen(cli("fleet", "worker", "--id", f"w{i}", "--concurrency", str(concurrency),
                                      "--until-done", *common), cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT)
                 for i in range(workers)]
        writer.wait(1800)
        end = time.time()
        for p in procs:
            p.wait(120)
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
    # robots.txt (one per worker and site) is fetched outside any run: not a page of the crawl.
    per_site = [sorted(t for t, path in s.starts if path != "/robots.txt") for s in servers]
    starts = sorted(t for times in per_site for t in times)
    pages = len(starts)
    seconds = end - starts[0]
    gaps, most, most_second = [], 0, 0
    for times in per_site:
        gaps += [b - a for a, b in itertools.pairwise(times)]
        for window, best in ((delay, "most"), (1.0, "second")):
            j = 0
            for i, t in enumerate(times):  # requests that reached the site within one window
                while times[j] <= t - window:
                    j += 1
                if best == "most":
                    most = max(most, i - j + 1)
                else:
                    most_second = max(most_second, i - j + 1)
    with sqlite3.connect(db) as c:
        stored = c.execute("SELECT count(*) FROM pages").fetchone()[0]
        articles = c.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {"workers": workers, "pages": pages, "stored": stored, "articles": articles, "seconds": seconds,
            "pages_per_s": pages / seconds, "min_gap": min(gaps), "most_per_delay": most,
            "most_per_second": most_second}


def writer_ceiling(site: SyntheticSite, messages: int, work: Path) -> dict[str, float]:
    """Messages/s of the fleet writer draining a full inbox, beside ArchiveWriter.write_batch alone."""
    from datetime import datetime, timezone

    import redis

    from parknews.archive.fleet import FleetWriter, Keys, encode_message
    from parknews.archive.store import open_db
    from parknews.archive.writer import ArchiveWriter
    from parknews.extract import extract_article
    from parknews.items import ArticlePage, RawPage

    base = "http://127.0.0.2:1"
    entries = []
    for n in range(1, messages + 1):
        status, _kind, ctype, body = site.respond(f"/index.php/post/{(n - 1) % site.total + 1}.html", base)
        url = f"{base}/index.php/post/{n}.html"  # distinct URLs: every message a new page
        raw = RawPage(url=url, final_url=url, status=status, headers={"content-type": ctype}, body=body,
                      kind="article", fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), site="bench")
        a = extract_article(body, url, content_type=ctype)
        a.site = "bench"
        entries.append(("ok", ArticlePage(raw=raw, article=a), None))
    # The local store path, same entries, batches of 50 (a local crawl's PARKNEWS_BATCH_SIZE).
    local_db = open_db(work / "local.db")
    w = ArchiveWriter.start(local_db, "bench", {})
    t0 = time.perf_counter()
    for i in range(0, len(entries), 50):
        w.write_batch(entries[i:i + 50])
    local = time.perf_counter() - t0
    local_db.close()
    # The fleet writer: the same entries as messages in a full inbox.
    redis_proc, url = start_redis(work)
    try:
        client = redis.Redis.from_url(url)
        keys = Keys("bench")
        writer = FleetWriter(client, work / "fleet-writer.db", keys, log=lambda line: None)
        writer.open()
        rid = writer.start_run({"site": "bench", "profile_text": profile_text("bench", base), "start_urls": []})
        pipe = client.pipeline(transaction=False)
        for entry in entries:
            pipe.rpush(keys.inbox, encode_message(rid, [entry])[1])
        pipe.hincrby(keys.run(rid), "waiting", len(entries))
        pipe.execute()
        t0 = time.perf_counter()
        while client.llen(keys.inbox) or client.llen(keys.writing):
            writer.store_messages(0)
        fleet = time.perf_counter() - t0
        writer.close()
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
    return {"messages": messages, "fleet_per_s": messages / fleet, "local_per_s": messages / local,
            "ratio": local / fleet}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--articles", type=int, default=50, help="articles per site")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each site takes to answer")
    parser.add_argument("--delay", type=float, default=0.1, help="each site's DOWNLOAD_DELAY, seconds")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--concurrency", type=int, default=2, help="each worker's --concurrency")
    parser.add_argument("--writer-messages", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("benchmarks/fleet.py needs redis-server (apt-get install redis-server); not run", file=sys.stderr)
        return 2
    counts = [int(n) for n in args.workers.split(",")]
    servers = [SiteServer(SyntheticSite(args.articles, seed=2024 + i), host=f"127.0.0.{2 + i}").start()
               for i in range(args.sites)]
    for server in servers:
        server.latency = args.latency
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            profiles = []
            for i, server in enumerate(servers):
                path = folder / f"site{i}.toml"
                path.write_text(profile_text(f"site{i}", server.url), "utf-8")
                profiles.append(path)
            for n in counts:
                work = folder / f"w{n}"
                work.mkdir()
                print(f"fleet: {n} worker(s) ...", file=sys.stderr, flush=True)
                rows.append(fleet_round(servers, profiles, n, args.concurrency, args.delay, work))
            print("fleet: the writer's ceiling ...", file=sys.stderr, flush=True)
            ceiling = writer_ceiling(servers[0].site, args.writer_messages, folder)
    finally:
        for s in servers:
            s.stop()
    base = rows[0]["pages_per_s"]
    allowed = args.sites / args.delay
    print(f"{args.sites} sites x {args.articles} articles answering in {args.latency} s, DOWNLOAD_DELAY {args.delay} s "
          f"and concurrency 1 per site (at most {allowed:.0f} requests/s in all by the delays alone; with each "
          f"next request one delay after the last answer, {args.sites / (args.delay + args.latency):.0f}/s); "
          f"workers at --concurrency {args.concurrency}\n")
    print(f"| workers | pages | stored | seconds | pages/s | vs 1 worker | most requests at one site in 1 s "
          f"(allowed {1 / args.delay:.0f}) | shortest gap between arrivals at a site |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['workers']} | {r['pages']} | {r['stored']} | {r['seconds']:.1f} | {r['pages_per_s']:.1f} | "
              f"{r['pages_per_s'] / base:.2f}x | {r['most_per_second']} | {r['min_gap'] * 1000:.0f} ms |")
    print(f"\nwriter ceiling: {ceiling['fleet_per_s']:.0f} messages (pages)/s draining {ceiling['messages']} "
          f"waiting messages; the local store path on the same entries: {ceiling['local_per_s']:.0f} pages/s "
          f"(fleet writer = {ceiling['ratio']:.2f}x of it)")
    print(json.dumps({"rounds": rows, "writer": ceiling}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
