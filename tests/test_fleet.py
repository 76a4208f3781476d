"""The crawl fleet (issue 14), against a real redis-server and real sites on loopback addresses.

Every test starts its processes the way an operator would (``parknews fleet writer``,
``parknews fleet worker``, ``parknews fleet crawl``), each in its own interpreter, with sites
served on 127.0.0.2, 127.0.0.3 and 127.0.0.4. The yardstick is a single-process ``parknews
crawl`` of the same sites: the fleet's archive must hold the same articles, pages, failures,
frontier and run counts, also when a worker and the writer are killed with SIGKILL mid-run.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import FAST, FIXTURES, ROOT, run_cli
from parknews.crawl.localsite import DEMO_SITES, LocalSite

REDIS = shutil.which("redis-server")  # .ci/run installs it: apt-get install -y redis-server

_prefixes = itertools.count(1)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of our own on a free loopback port (no persistence: a scratch broker)."""
    assert REDIS, "these tests need redis-server (apt-get install -y redis-server)"
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@dataclass
class Sites:
    rentsh: LocalSite
    zblog: LocalSite
    dedecms: LocalSite
    profiles: dict[str, Path]  # zblog and dedecms profiles, inferred once by `parknews profile init`


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    folder = tmp_path_factory.mktemp("profiles")
    with LocalSite(DEMO_SITES / "rentsh", host="127.0.0.2") as rentsh, \
            LocalSite(FIXTURES / "cmssites" / "zblog", host="127.0.0.3") as zblog, \
            LocalSite(FIXTURES / "cmssites" / "dedecms", host="127.0.0.4") as dedecms:
        profiles = {}
        for name, site in (("zblog", zblog), ("dedecms", dedecms)):
            path = folder / f"{name}.toml"
            done = run_cli("profile", "init", site.url + "/", "-o", str(path), *FAST)
            assert done.returncode == 0, done.stderr
            text = path.read_text("utf-8")  # named after its CMS here (discovery names it by host and port)
            path.write_text(re.sub(r"(?m)^name = .*$", f'name = "{name}"', text, count=1), "utf-8")
            profiles[name] = path
        yield Sites(rentsh, zblog, dedecms, profiles)


def _fleet(*args: str) -> list[str]:
    return [sys.executable, "-m", "parknews.cli", "fleet", *args]


class Fleet:
    """A writer and workers (subprocesses) on one Redis key prefix."""

    def __init__(self, redis_url: str, db: Path, logs: Path) -> None:
        self.redis_url, self.db, self.logs = redis_url, db, logs
        self.prefix = f"t{os.getpid()}-{next(_prefixes)}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def common(self) -> list[str]:
        return ["--redis", self.redis_url, "--prefix", self.prefix]

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(_fleet(*args, *self.common()), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def writer(self, name: str = "writer") -> subprocess.Popen[bytes]:
        return self.start(name, "writer", "--db", str(self.db), "--until-done")

    def worker(self, name: str, concurrency: int = 4) -> subprocess.Popen[bytes]:
        return self.start(name, "worker", "--id", name, "--concurrency", str(concurrency), "--until-done")

    def crawl(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = run_cli("fleet", "crawl", *args, *self.common())
        assert done.returncode == 0, done.stderr
        return done

    def status(self) -> dict:
        done = run_cli("fleet", "status", "--json", *self.common())
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def wait(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        for name, proc in self.procs.items():
            try:
                proc.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stop()
                raise AssertionError(f"{name} did not finish; logs:\n{self.log_text()}") from None
            assert proc.returncode == 0 or proc.returncode == -signal.SIGKILL, \
                f"{name} exited {proc.returncode}:\n{self.log_text()}"

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs.glob("*.log"))


@pytest.fixture()
def fleet(redis_url: str, tmp_path: Path) -> Iterator[Fleet]:
    logs = tmp_path / "logs"
    logs.mkdir()
    f = Fleet(redis_url, tmp_path / "fleet.db", logs)
    yield f
    f.stop()


FLEET_FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")


def _crawl_fleet(fleet: Fleet, sites: Sites, *extra: str) -> None:
    fleet.crawl("rentsh", "--start-url", sites.rentsh.url + "/", *extra)
    fleet.crawl(str(sites.profiles["zblog"]), str(sites.profiles["dedecms"]), *extra)


def _crawl_local(db: Path, sites: Sites, *extra: str) -> None:
    for args in (("rentsh", "--start-url", sites.rentsh.url + "/"),
                 (str(sites.profiles["zblog"]), str(sites.profiles["dedecms"]))):
        done = run_cli("crawl", *args, "--db", str(db), *extra)
        assert done.returncode in (0, 1), done.stderr  # 1: the demo's deliberate failures
        assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def single_process(sites: Sites, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The yardstick: the same sites crawled by `parknews crawl` in one process."""
    db = tmp_path_factory.mktemp("local") / "local.db"
    _crawl_local(db, sites, *FAST)
    return db


def archive_view(db: Path) -> dict[str, list[tuple]]:
    """What an archive holds, without the stamps that differ between any two crawls."""
    with sqlite3.connect(db) as c:
        return {
            "articles": c.execute(
                "SELECT url, site, title, body, captions, byline, published_at, source_outlet, images, body_links, "
                "content_hash, revision_count, deleted_at FROM articles ORDER BY url").fetchall(),
            "pages": c.execute("SELECT url, final_url, site, kind, status, body_size, encoding FROM pages "
                               "ORDER BY url").fetchall(),
            "failures": c.execute("SELECT url, site, stage, reason, status, kind FROM failures "
                                  "ORDER BY url, stage").fetchall(),
            "frontier": c.execute("SELECT site, key, kind, attempts FROM frontier ORDER BY site, key").fetchall(),
            "runs": c.execute(
                "SELECT profile, pages_fetched, articles_new, articles_updated, articles_unchanged, articles_failed, "
                "listing_pages, listing_failed, failures, bytes, finish_reason FROM runs ORDER BY profile, id").fetchall(),
        }


def test_two_workers_and_a_writer_archive_what_one_process_does(fleet: Fleet, sites: Sites,
                                                                single_process: Path) -> None:
    _crawl_fleet(fleet, sites, *FLEET_FAST)  # enqueued before any writer runs: they wait in Redis
    assert fleet.status()["run_requests_waiting"] == 3  # one run request per site
    fleet.writer()
    fleet.worker("w1")
    fleet.worker("w2")
    fleet.wait()
    got, want = archive_view(fleet.db), archive_view(single_process)
    assert len(want["articles"]) >= 14 + 12 + 12
    for table in want:
        assert got[table] == want[table], table
    status = fleet.status()
    assert status["done"] is True and status["pages_waiting_for_writer"] == 0
    assert sorted(r["site"] for r in status["runs"]) == ["dedecms", "rentsh", "zblog"]
    assert all(r["state"] == "finished" and r["finish_reason"] == "finished" for r in status["runs"])
    # Both workers fetched: the work was shared, not done by whichever started first.
    logs = {name: (fleet.logs / f"{name}.log").read_text() for name in ("w1", "w2")}
    answered = {name: int(text.rsplit("worker stopped", 1)[1].split(":")[1].split()[0]) for name, text in logs.items()}
    assert all(n > 0 for n in answered.values()), answered
    assert sum(answered.values()) == sum(r[1] for r in got["runs"])
    assert "Traceback" not in fleet.log_text()


def test_a_second_fleet_run_fetches_no_archived_article(fleet: Fleet, sites: Sites) -> None:
    _crawl_fleet(fleet, sites, *FLEET_FAST)
    fleet.writer()
    fleet.worker("w1")
    fleet.worker("w2")
    fleet.wait()
    before = {s: dict(site.requests) for s, site in (("rentsh", sites.rentsh), ("zblog", sites.zblog))}
    fleet.procs.clear()
    _crawl_fleet(fleet, sites, *FLEET_FAST)
    fleet.writer("writer2")
    fleet.worker("w3")
    fleet.wait()
    with sqlite3.connect(fleet.db) as c:
        runs = c.execute("SELECT profile, articles_new, articles_skipped, pages_fetched FROM runs ORDER BY id").fetchall()
        archived = {u for (u,) in c.execute("SELECT url FROM articles")}
    second = runs[3:]
    assert sorted(r[0] for r in second) == ["dedecms", "rentsh", "zblog"]
    assert all(r[1] == 0 and r[2] > 0 for r in second), second  # nothing new, archived articles skipped
    for name, site in (("rentsh", sites.rentsh), ("zblog", sites.zblog)):
        again = {p for p, n in site.requests.items() if n > before[name].get(p, 0)}
        articles = {p for p in again if site.url + p in archived}
        assert not articles, f"{name}: archived articles fetched again: {sorted(articles)[:5]}"
        # Only what a second run needs: listing pages down to the first with nothing new, and
        # the page that answered 500 last time (a transient fault waits in the frontier).
        assert again and len(again) <= 8, sorted(again)


def test_kill_9_of_a_worker_and_of_the_writer_mid_run_loses_and_duplicates_nothing(
        fleet: Fleet, sites: Sites, single_process: Path) -> None:
    # A per-site delay long enough for the kills to land mid-run.
    slow = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    _crawl_fleet(fleet, sites, *slow)
    fleet.writer()
    victim = fleet.worker("victim", concurrency=8)
    fleet.worker("w2", concurrency=2)

    import redis

    from parknews.archive.fleet import Keys, fleet_status

    client = redis.Redis.from_url(fleet.redis_url)

    def stored() -> int:
        return sum(r["stored"] for r in fleet_status(client, Keys(fleet.prefix))["runs"])

    deadline = time.monotonic() + 60
    while stored() < 15 and time.monotonic() < deadline:
        time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    while stored() < 40 and time.monotonic() < deadline:
        time.sleep(0.2)
    status = fleet_status(client, Keys(fleet.prefix))
    assert not status["done"], "the kills must land mid-run"
    fleet.procs["writer"].send_signal(signal.SIGKILL)
    fleet.procs["writer"].wait(10)
    time.sleep(1.0)  # messages pile up in the inbox while no writer runs
    fleet.writer("writer2")
    fleet.worker("w3", concurrency=4)
    fleet.wait(240)
    got, want = archive_view(fleet.db), archive_view(single_process)
    for table in want:
        assert got[table] == want[table], table
    final = fleet.status()
    assert final["done"] and sum(r["requeued"] for r in final["runs"]) >= 1, final["runs"]
    with sqlite3.connect(fleet.db) as c:
        applied = c.execute("SELECT count(*), count(DISTINCT id) FROM fleet_messages").fetchone()
    assert applied[0] == applied[1] == sum(r[1] for r in got["runs"])


def test_a_sites_delay_holds_for_the_whole_fleet(fleet: Fleet, sites: Sites) -> None:
    """Two workers, each free to run 8 requests at once: the site still sees one request start
    per delay, and never two at once (its concurrency of 1), fleet-wide."""
    delay = 0.25
    fleet.writer()
    fleet.worker("w1", concurrency=8)
    fleet.worker("w2", concurrency=8)
    sites.zblog.request_log.clear()
    fleet.crawl(str(sites.profiles["zblog"]), "--full", "-s", f"DOWNLOAD_DELAY={delay}",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    fleet.wait()
    starts = sorted(t for t, path in sites.zblog.request_log if path != "/robots.txt")
    assert len(starts) >= 20
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= delay * 0.9, sorted(gaps)[:5]
    runs = fleet.status()["runs"]
    assert runs and runs[0]["state"] == "finished"


def test_fleet_crawl_of_a_bare_home_url_discovers_the_site_and_keeps_its_profile(fleet: Fleet, sites: Sites) -> None:
    import tomllib

    expected = tomllib.loads((FIXTURES / "cmssites" / "dedecms" / "expected.toml").read_text("utf-8"))
    fleet.writer()
    fleet.worker("w1")
    done = fleet.crawl(sites.dedecms.url + "/", *FLEET_FAST, "--wait")  # returns when the run has finished
    assert re.search(r"run \d+ \(127\.0\.0\.4-\d+\): finished; \d+ pages stored", done.stdout), done.stdout
    fleet.wait()
    with sqlite3.connect(fleet.db) as c:
        urls = {u for (u,) in c.execute("SELECT url FROM articles")}
        kept = c.execute("SELECT url, name FROM site_profiles").fetchall()
    assert {u.removeprefix(sites.dedecms.url) for u in urls} == set(expected["articles"])
    assert kept == [(sites.dedecms.url + "/", kept[0][1])] and kept[0][1]


def test_status_says_what_is_happening_while_it_happens(fleet: Fleet, sites: Sites) -> None:
    fleet.writer()
    fleet.worker("w1", concurrency=2)
    fleet.crawl("rentsh", "--start-url", sites.rentsh.url + "/", "-s", "DOWNLOAD_DELAY=0.15")
    seen = []
    while fleet.procs["w1"].poll() is None and len(seen) < 200:
        seen.append(fleet.status())
        time.sleep(0.1)
    fleet.wait()
    busy = [s for s in seen if not s["done"]]
    assert busy, "status was read while the run was in progress"
    assert any(s["workers"] and s["workers"][0]["worker"] == "w1" for s in busy)
    assert any(s["runs"] and s["runs"][0]["state"] == "running" and s["runs"][0]["site"] == "rentsh" for s in busy)
    assert any(s["runs"][0]["queued"] > 0 or s["runs"][0]["taken"] > 0 for s in busy if s["runs"])
    text = run_cli("fleet", "status", *fleet.common()).stdout
    assert "rentsh" in text and "finished" in text and text.strip().endswith("done")


def test_fleet_commands_fail_with_one_clear_line(redis_url: str, tmp_path: Path) -> None:
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    for args in (("status", "--redis", dead), ("crawl", "rentsh", "--redis", dead),
                 ("writer", "--redis", dead, "--db", str(tmp_path / "a.db"))):
        done = run_cli("fleet", *args)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert "cannot reach Redis at" in done.stderr.strip().splitlines()[-1]
    done = run_cli("fleet", "status")
    assert done.returncode == 2 and "--redis" in done.stderr
    done = run_cli("fleet", "crawl", "no-such-site", "--redis", redis_url)
    assert done.returncode == 1 and "no profile named 'no-such-site'" in done.stderr
    done = run_cli("fleet", "crawl", "rentsh", "--redis", redis_url, "-s", "ROBOTSTXT_OBEY=False")
    assert done.returncode == 2 and "cannot be set per run" in done.stderr


def test_the_core_install_runs_without_redis(tmp_path: Path) -> None:
    """Without the fleet extra (no redis, no scrapy_redis), everything else works and the fleet
    commands say what to install."""
    code = ("import sys; sys.modules['redis'] = None; sys.modules['scrapy_redis'] = None; "
            "from parknews.cli import main; main()")
    env = {**os.environ, "PARKNEWS_DB": str(tmp_path / "a.db")}
    ok = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert ok.returncode == 0 and "fleet" in ok.stdout
    no = subprocess.run([sys.executable, "-c", code, "fleet", "status", "--redis", "redis://127.0.0.1:1/0"],
                        capture_output=True, text=True, env=env, cwd=ROOT)
    assert no.returncode == 1 and "pip install 'parknews[fleet]'" in no.stderr and "Traceback" not in no.stderr


def test_a_site_enqueued_twice_runs_once_and_the_second_request_says_why(fleet: Fleet, sites: Sites) -> None:
    fleet.crawl("rentsh", "--start-url", sites.rentsh.url + "/", *FLEET_FAST)
    fleet.crawl("rentsh", "--start-url", sites.rentsh.url + "/", *FLEET_FAST)
    fleet.writer()
    fleet.worker("w1")
    fleet.wait()
    status = fleet.status()
    assert [r["site"] for r in status["runs"]] == ["rentsh"]
    assert [(r["site"], r["reason"]) for r in status["refused"]] == [
        ("rentsh", "a fleet run of this site is in progress")]
    assert "not started: rentsh" in run_cli("fleet", "status", *fleet.common()).stdout


def test_one_writer_per_fleet(fleet: Fleet, tmp_path: Path) -> None:
    first = fleet.start("writer", "writer", "--db", str(fleet.db))
    import redis

    client = redis.Redis.from_url(fleet.redis_url)
    deadline = time.monotonic() + 30
    while not client.exists(f"{fleet.prefix}:writer") and time.monotonic() < deadline:
        time.sleep(0.1)
    other = run_cli("fleet", "writer", "--db", str(tmp_path / "other.db"), *fleet.common())
    assert other.returncode == 1 and "Traceback" not in other.stderr
    assert "another fleet writer" in other.stderr and "one writer per fleet" in other.stderr
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0  # a clean stop on SIGTERM


def test_a_run_whose_state_redis_lost_ends_as_redis_lost_not_finished(fleet: Fleet, sites: Sites) -> None:
    import redis

    from parknews.archive.fleet import Keys

    fleet.crawl("rentsh", "--start-url", sites.rentsh.url + "/", *FLEET_FAST)
    writer = fleet.start("writer", "writer", "--db", str(fleet.db))  # no worker: the run waits
    client = redis.Redis.from_url(fleet.redis_url)
    keys = Keys(fleet.prefix)
    deadline = time.monotonic() + 30
    while not client.smembers(keys.active) and time.monotonic() < deadline:
        time.sleep(0.1)
    (rid,) = [int(r) for r in client.smembers(keys.active)]
    client.delete(keys.run(rid), keys.queue(rid))  # what a Redis restart without persistence leaves
    while time.monotonic() < deadline:
        with sqlite3.connect(fleet.db) as c:
            row = c.execute("SELECT finish_reason, exit_status FROM runs WHERE id = ?", [rid]).fetchone()
        if row and row[0]:
            break
        time.sleep(0.2)
    writer.send_signal(signal.SIGTERM)
    writer.wait(30)
    assert row == ("redis_lost", 1)


def test_a_fleet_recheck_run_equals_a_local_recheck_run(fleet: Fleet, sites: Sites, tmp_path: Path) -> None:
    """--recheck DAYS through the fleet: the archived articles fetched again with their
    validators, counted unchanged, exactly as `parknews crawl --recheck` counts them."""
    local = tmp_path / "local-recheck.db"
    site = ("rentsh", "--start-url", sites.rentsh.url + "/")
    for extra in ((), ("--recheck", "100000")):
        done = run_cli("crawl", *site, "--db", str(local), *FAST, *extra)
        assert "Traceback" not in done.stderr
    fleet.crawl(*site, *FLEET_FAST)
    fleet.writer()
    fleet.worker("w1")
    fleet.wait()
    fleet.procs.clear()
    fleet.crawl(*site, *FLEET_FAST, "--recheck", "100000")
    fleet.writer("writer2")
    fleet.worker("w2")
    fleet.wait()
    got, want = archive_view(fleet.db), archive_view(local)
    for table in want:
        assert got[table] == want[table], table
    with sqlite3.connect(fleet.db) as c:
        recheck = c.execute("SELECT articles_unchanged, articles_new, pages_fetched FROM runs ORDER BY id DESC").fetchone()
    assert recheck[0] >= 14 and recheck[1] == 0, recheck


def test_redis_keeps_only_the_latest_finished_runs(redis_url: str, tmp_path: Path) -> None:
    """In-flight state lives in Redis, history in the archive: a writer keeps the newest
    finished runs' hashes (1000 by default; 2 here) and deletes older ones."""
    import redis

    from parknews.archive.fleet import FleetWriter, Keys
    from parknews.sites.profiles import SITES_DIR

    client = redis.Redis.from_url(redis_url)
    keys = Keys(f"keep{os.getpid()}")
    writer = FleetWriter(client, tmp_path / "a.db", keys, log=lambda line: None, keep_finished=2)
    writer.open()
    try:
        text = (SITES_DIR / "rentsh.toml").read_text("utf-8")
        rids = []
        for _ in range(4):
            rid = writer.start_run({"site": "rentsh", "profile_text": text, "start_urls": []})
            client.delete(keys.queue(rid))  # its seed taken away: nothing left to do
            writer.step()
            rids.append(rid)
    finally:
        writer.close()
    assert [int(r) for r in client.zrange(keys.finished, 0, -1)] == rids[2:]
    assert [bool(client.exists(keys.run(r))) for r in rids] == [False, False, True, True]
    with sqlite3.connect(tmp_path / "a.db") as c:
        assert [r for (r,) in c.execute("SELECT finish_reason FROM runs ORDER BY id")] == ["finished"] * 4
