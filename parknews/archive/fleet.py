"""The fleet's shared state in Redis, and its one archive writer.

A fleet is any number of ``parknews fleet worker`` processes (Scrapy, on any hosts) and one
``parknews fleet writer`` (this module; no Scrapy), meeting in one Redis database:

* ``parknews fleet crawl`` puts a *run request* on ``runs:requested``.
* The writer opens a ``runs`` row for it in the archive, publishes what the archive knows of the
  site (archived article URLs, the frontier left by earlier runs, the pages a ``--recheck`` asks
  for with their validators) under ``run:<id>``, and puts a *seed* into the run's queue.
* Workers take requests from the runs' queues (``q:<id>``, one per run, taken in turn so that no
  site starves the others), fetch, extract, and put what they got on ``inbox``: one message per
  page or failure, pickled ``(status, item, reason)`` entries, exactly what a local crawl's store
  pipeline writes.
* The writer moves messages from ``inbox`` to ``inbox:writing``, stores them through the same
  :class:`~parknews.archive.writer.ArchiveWriter` a local crawl uses, records their ids in
  ``fleet_messages`` in the same transaction, and only then removes them: killed at any point, it
  loses nothing and stores nothing twice.

Every request is in exactly one place at any instant: a run's queue, a worker's ``taken:<worker>``
hash (with the worker's heartbeat), or (as the message it became) the inbox. A worker that dies
stops its heartbeat; the writer puts what it had taken back into the queues. A run is finished
when its queue is empty, no worker holds one of its requests and no message of it waits:
the three counters are changed together by small Lua scripts, so that test is exact.

What is per run and what persists: the duplicate filter (``dupe:<id>``), the section sets and
the queue are per run and deleted when it finishes, so a second run never "finds nothing"
(the trap of a persisted scrapy-redis filter); what persists across runs is the archive,
which is what makes runs incremental.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import socket
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parknews.archive.store import (
    archive_fault,
    frontier_pending,
    frontier_prune,
    known_article_urls,
    now_iso,
    open_db,
    recheck_targets,
    save_site_profile,
)
from parknews.archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)

PREFIX = "parknews"
HEARTBEAT_SECONDS = 2.0
#: A worker whose heartbeat is older than this is dead: its taken requests go back.
WORKER_TTL_SECONDS = 10


class FleetError(Exception):
    """A fleet command cannot go on (Redis unreachable, bad run request); one clear line."""


def redis_client(url: str) -> Any:
    """A Redis client for ``url`` that answers (``FleetError`` otherwise)."""
    try:
        import redis
    except ImportError as exc:  # the core install does not need Redis
        raise FleetError("the fleet needs Redis' client: pip install 'parknews[fleet]'") from exc
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=15)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise FleetError(f"cannot reach Redis at {url}: {exc}") from exc
    return client


class Keys:
    """The fleet's key names (all under one prefix, so several fleets can share a Redis)."""

    def __init__(self, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.requested = f"{prefix}:runs:requested"  # list of JSON run requests
        self.active = f"{prefix}:runs:active"  # set of run ids
        self.finished = f"{prefix}:runs:finished"  # zset run id -> finish time
        self.inbox = f"{prefix}:inbox"  # list of pickled messages for the writer
        self.writing = f"{prefix}:inbox:writing"  # the writer's messages in hand
        self.workers = f"{prefix}:workers"  # set of worker ids ever registered
        self.writer = f"{prefix}:writer"  # the writer's heartbeat
        self.refused = f"{prefix}:runs:refused"  # list of JSON: run requests the writer did not start

    def run(self, rid: int | str) -> str:
        return f"{self.prefix}:run:{rid}"

    def queue(self, rid: int | str) -> str:
        return f"{self.prefix}:q:{rid}"

    def dupe(self, rid: int | str) -> str:
        return f"{self.prefix}:dupe:{rid}"

    def known(self, rid: int | str) -> str:
        return f"{self.prefix}:known:{rid}"

    def skipped(self, rid: int | str) -> str:
        return f"{self.prefix}:skipped:{rid}"

    def seen(self, rid: int | str, section: str) -> str:
        return f"{self.prefix}:seen:{rid}:{section}"

    def taken(self, worker: str) -> str:
        return f"{self.prefix}:taken:{worker}"

    def worker(self, worker: str) -> str:
        return f"{self.prefix}:worker:{worker}"

    def gate(self, host: str) -> str:
        return f"{self.prefix}:gate:{host}"

    def gate_busy(self, host: str) -> str:
        return f"{self.prefix}:gate:{host}:busy"


def new_id() -> str:
    """Sortable by creation time (FIFO within a priority), unique across hosts."""
    return f"{time.time_ns():016x}{os.urandom(5).hex()}"


# A queue member is b"<id>\0<payload>"; a taken entry is b"<run>\0<score>\0<member>".
SEP = b"\x00"

# Take the first member of a run's queue into this worker's taken hash.
POP = """
local m = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
if #m == 0 then return false end
redis.call('zrem', KEYS[1], m[1])
local cut = string.find(m[1], '\\0', 1, true)
redis.call('hset', KEYS[2], string.sub(m[1], 1, cut - 1), ARGV[1] .. '\\0' .. m[2] .. '\\0' .. m[1])
redis.call('hincrby', KEYS[3], 'taken', 1)
return m[1]
"""

# Release a taken request (KEYS: taken hash, run hash; ARGV: id). 1 when it was held.
RELEASE = """
if redis.call('hdel', KEYS[1], ARGV[1]) == 1 then
  redis.call('hincrby', KEYS[2], 'taken', -1)
  return 1
end
return 0
"""

# A worker's answer: the message for the writer, and the request it answers released.
# KEYS: inbox, taken hash, run hash; ARGV: message, taken id ('' for none).
ANSWER = """
redis.call('rpush', KEYS[1], ARGV[1])
redis.call('hincrby', KEYS[3], 'waiting', 1)
redis.call('hincrby', KEYS[3], 'answered', 1)
if ARGV[2] ~= '' and redis.call('hdel', KEYS[2], ARGV[2]) == 1 then
  redis.call('hincrby', KEYS[3], 'taken', -1)
end
return 1
"""

# A dead worker's taken requests back into their runs' queues. KEYS: taken hash; ARGV: prefix.
REQUEUE = """
local all = redis.call('hgetall', KEYS[1])
local n = 0
for i = 2, #all, 2 do
  local v = all[i]
  local a = string.find(v, '\\0', 1, true)
  local b = string.find(v, '\\0', a + 1, true)
  local rid = string.sub(v, 1, a - 1)
  redis.call('zadd', ARGV[1] .. ':q:' .. rid, tonumber(string.sub(v, a + 1, b - 1)), string.sub(v, b + 1))
  redis.call('hincrby', ARGV[1] .. ':run:' .. rid, 'taken', -1)
  redis.call('hincrby', ARGV[1] .. ':run:' .. rid, 'requeued', 1)
  n = n + 1
end
redis.call('del', KEYS[1])
return n
"""

# The writer is done with messages: each one leaves its hands and stops waiting, together, so a
# writer killed in between never counts a message twice. KEYS: writing list, run hash;
# ARGV: how many were newly stored, then the messages.
DONE = """
local n = 0
for i = 2, #ARGV do
  if redis.call('lrem', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('hincrby', KEYS[2], 'waiting', -1)
    n = n + 1
  end
end
redis.call('hincrby', KEYS[2], 'stored', tonumber(ARGV[1]))
return n
"""

# 1 when the run has nothing queued, taken or waiting for the writer; 2 when Redis no longer
# knows the run at all (restarted without persistence, or evicted). KEYS: queue, run hash.
IDLE = """
if redis.call('exists', KEYS[2]) == 0 then return 2 end
if redis.call('zcard', KEYS[1]) > 0 then return 0 end
local h = redis.call('hmget', KEYS[2], 'taken', 'waiting')
if tonumber(h[1] or '0') > 0 or tonumber(h[2] or '0') > 0 then return 0 end
return 1
"""

# Fleet-wide politeness for one host: at most ARGV[2] requests in flight, starts at least
# ARGV[1] ms apart, by Redis' own clock. Returns 0 (go) or the milliseconds to wait.
# KEYS: next-start key, in-flight zset; ARGV: delay ms, concurrency, token, lease ms.
GATE = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[2], '-inf', now)
if redis.call('zcard', KEYS[2]) >= tonumber(ARGV[2]) then return 25 end
local nxt = tonumber(redis.call('get', KEYS[1]) or '0')
if now < nxt then return nxt - now end
redis.call('set', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
redis.call('zadd', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
return 0
"""


# A request of a host with concurrency 1 is answered: the next may start one delay from now, so
# that the site sees the delay between requests even when a worker sent the last one late.
# KEYS: next-start key, in-flight zset; ARGV: token, delay ms, concurrency.
GATE_DONE = """
redis.call('zrem', KEYS[2], ARGV[1])
if tonumber(ARGV[3]) == 1 then
  local t = redis.call('time')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local nxt = tonumber(redis.call('get', KEYS[1]) or '0')
  if now + tonumber(ARGV[2]) > nxt then
    redis.call('set', KEYS[1], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) + 60000)
  end
end
return 1
"""


def encode_member(entry_id: str, payload: dict[str, Any]) -> bytes:
    return entry_id.encode() + SEP + pickle.dumps(payload, protocol=5)


def decode_member(member: bytes) -> tuple[str, dict[str, Any]]:
    entry_id, _, payload = member.partition(SEP)
    return entry_id.decode(), pickle.loads(payload)


def encode_message(run: int | str, entries: list[tuple[str, Any, str | None]]) -> tuple[str, bytes]:
    message_id = new_id()
    return message_id, pickle.dumps({"id": message_id, "run": int(run), "entries": entries}, protocol=5)


# --- enqueueing runs (parknews fleet crawl) --------------------------------------------


def request_run(client: Any, keys: Keys, request: dict[str, Any]) -> None:
    """Queue a run request for the writer: site, profile (TOML text and where it came from),
    start URLs, full, recheck days, politeness overrides."""
    client.rpush(keys.requested, json.dumps({**request, "requested_at": now_iso(),
                                             "by": f"{socket.gethostname()}:{os.getpid()}"}, ensure_ascii=False))


# --- status ---------------------------------------------------------------------------------


def fleet_status(client: Any, keys: Keys, finished_limit: int = 20) -> dict[str, Any]:
    """What the fleet is doing, as one JSON-ready object (``parknews fleet status``)."""
    active = sorted(int(r) for r in client.smembers(keys.active))
    finished = [int(r) for r in client.zrevrange(keys.finished, 0, finished_limit - 1)] if finished_limit > 0 else []
    runs = []
    for rid in active + finished:
        h = {k.decode(): v.decode() for k, v in client.hgetall(keys.run(rid)).items()}
        runs.append({
            "run": rid, "site": h.get("site"), "state": h.get("state"), "started_at": h.get("started_at"),
            "finished_at": h.get("finished_at"), "finish_reason": h.get("finish_reason"),
            "queued": client.zcard(keys.queue(rid)) if rid in active else 0,
            "taken": int(h.get("taken", 0)), "waiting_for_writer": int(h.get("waiting", 0)),
            "answered": int(h.get("answered", 0)), "stored": int(h.get("stored", 0)),
            "requeued": int(h.get("requeued", 0)),
            "problems": json.loads(h.get("problems") or "[]"), "notes": json.loads(h.get("notes") or "[]"),
            "token": h.get("token"),
        })
    workers = []
    for wid in sorted(w.decode() for w in client.smembers(keys.workers)):
        beat = client.get(keys.worker(wid))
        if beat is None:
            continue
        info = json.loads(beat)
        info["taken"] = client.hlen(keys.taken(wid))
        workers.append(info)
    refused = [json.loads(r) for r in client.lrange(keys.refused, -finished_limit, -1)] if finished_limit > 0 else []
    writer = client.get(keys.writer)
    inbox, writing, requested = client.llen(keys.inbox), client.llen(keys.writing), client.llen(keys.requested)
    return {
        "runs": runs,
        "refused": refused,
        "workers": workers,
        "writer": json.loads(writer) if writer else None,
        "run_requests_waiting": requested,
        "pages_waiting_for_writer": inbox + writing,
        "done": not active and requested == 0 and inbox + writing == 0,
    }


# --- the writer -----------------------------------------------------------------------------


@dataclass
class ActiveRun:
    rid: int
    site: str
    writer: ArchiveWriter
    lock: Any = None
    info: dict[str, Any] = field(default_factory=dict)


class FleetWriter:
    """``parknews fleet writer``: the only process that writes the archive."""

    def __init__(self, client: Any, db_path: Path, keys: Keys | None = None, *, batch: int = 200,
                 log: Callable[[str], None] | None = None, keep_finished: int = 1000) -> None:
        self.client = client
        self.keys = keys or Keys()
        self.db_path = db_path
        self.batch = batch
        self.log = log or (lambda line: logger.info("%s", line))
        self.stopping = False
        self.runs: dict[int, ActiveRun] = {}
        self.stored_messages = 0
        self.started = time.time()
        self.keep_finished = keep_finished  # finished runs `fleet status` can show; the archive keeps all

    # The scripts, registered once per client.
    def _scripts(self) -> None:
        self.release = self.client.register_script(RELEASE)
        self.requeue = self.client.register_script(REQUEUE)
        self.idle = self.client.register_script(IDLE)
        self.done = self.client.register_script(DONE)

    def open(self) -> None:
        from parknews.archive.runs import LockedError, RunLock

        self.db = open_db(self.db_path)
        self.writer_lock = RunLock(self.db_path, "fleet-writer")
        try:
            self.writer_lock.acquire()
        except LockedError as exc:
            raise FleetError(f"another fleet writer is writing {self.db_path} ({exc})") from exc
        beat = self.client.get(self.keys.writer)
        if beat is not None:
            other = json.loads(beat)
            if other.get("db") != str(self.db_path) or other.get("host") != socket.gethostname():
                # The same archive on this host is guarded by its file lock (a killed writer's
                # lock dies with it); any other writer on this prefix would take its runs.
                raise FleetError(f"another fleet writer (pid {other.get('pid')} on {other.get('host')}, archive "
                                 f"{other.get('db')}) serves prefix {self.keys.prefix!r}; one writer per fleet")
        self._scripts()
        # Runs a writer before this one started and did not finish: continue them.
        for rid in sorted(int(r) for r in self.client.smembers(self.keys.active)):
            row = self.db["runs"].get(rid) if self._has_run(rid) else None
            if row is None:
                self.log(f"run {rid} is active in Redis but not in {self.db_path}; dropping it")
                self.client.srem(self.keys.active, rid)
                continue
            site = row["profile"]
            self.runs[rid] = ActiveRun(rid, site, ArchiveWriter.resume(self.db, rid), self._lock(site))
            self.log(f"run {rid} ({site}): continued")

    def _has_run(self, rid: int) -> bool:
        return self.db.execute("SELECT 1 FROM runs WHERE id = ?", [rid]).fetchone() is not None

    def _lock(self, site: str) -> Any:
        from parknews.archive.runs import LockedError, RunLock

        lock = RunLock(self.db_path, site)
        try:
            lock.acquire()
        except LockedError:
            return None
        return lock

    def close(self) -> None:
        for run in self.runs.values():
            if run.lock is not None:
                run.lock.release()
        self.client.delete(self.keys.writer)
        self.writer_lock.release()
        self.db.close()

    # --- the loop -------------------------------------------------------------------

    def serve(self, *, until_done: bool = False) -> None:
        """Run until SIGTERM/SIGINT (or, with ``until_done``, until the fleet has nothing left)."""
        def stop(signum: int, frame: Any) -> None:
            self.stopping = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop)
        self.open()
        try:
            had_work = False
            while not self.stopping:
                self.step(block=1.0)
                if until_done:
                    # Done once the fleet had work since this writer started and has none left.
                    done = fleet_status(self.client, self.keys, 0)["done"]
                    had_work = had_work or not done or self.stored_messages > 0
                    if done and had_work:
                        break
        finally:
            self.close()

    def step(self, block: float = 0.0) -> int:
        """One round: heartbeat, dead workers' requests back, new runs, a batch of messages,
        finished runs. Returns the number of messages stored."""
        self.client.set(self.keys.writer, json.dumps({
            "host": socket.gethostname(), "pid": os.getpid(), "db": str(self.db_path),
            "messages_stored": self.stored_messages, "since": int(self.started)}), ex=WORKER_TTL_SECONDS)
        self.reap()
        while True:
            raw = self.client.lpop(self.keys.requested)
            if raw is None:
                break
            self.start_run(json.loads(raw))
        stored = self.store_messages(block)
        for rid in list(self.runs):
            state = self.idle(keys=[self.keys.queue(rid), self.keys.run(rid)])
            if state == 1:
                self.finish_run(rid)
            elif state == 2:
                # Its queue and counters are gone: the run cannot be told finished. What it
                # stored is in the archive; its frontier entries wait for the next run.
                self.log(f"run {rid} ({self.runs[rid].site}): Redis no longer holds this run's state "
                         "(restarted without persistence, or evicted); ending it as redis_lost")
                self.finish_run(rid, reason="redis_lost")
        return stored

    def reap(self) -> int:
        """Requests taken by workers whose heartbeat stopped go back to their queues."""
        n = 0
        for wid in [w.decode() for w in self.client.smembers(self.keys.workers)]:
            if self.client.exists(self.keys.worker(wid)):
                continue
            back = int(self.requeue(keys=[self.keys.taken(wid)], args=[self.keys.prefix]))
            self.client.srem(self.keys.workers, wid)
            if back:
                self.log(f"worker {wid} stopped answering: {back} request(s) it had taken are queued again")
            n += back
        return n

    # --- runs -----------------------------------------------------------------------

    def _refuse(self, request: dict[str, Any], reason: str) -> None:
        """A run request not started: said in the log, and kept for `fleet status` and `--wait`."""
        self.log(f"{request.get('site')}: {reason}; run not started")
        self.client.rpush(self.keys.refused, json.dumps({"site": request.get("site"), "token": request.get("token"),
                                                         "reason": reason, "at": now_iso()}, ensure_ascii=False))
        self.client.ltrim(self.keys.refused, -1000, -1)

    def start_run(self, request: dict[str, Any]) -> int | None:
        site = request["site"]
        if any(run.site == site for run in self.runs.values()):
            self._refuse(request, "a fleet run of this site is in progress")
            return None
        lock = self._lock(site)
        if lock is None:
            self._refuse(request, f"another run of this site on {self.db_path} is in progress (its lock is held)")
            return None
        if request.get("discovered"):
            d = request["discovered"]
            save_site_profile(self.db, d["url"], site, request["profile_text"], d.get("report", {}))
        args = {"start_urls": request.get("start_urls") or [], "db": str(self.db_path), "fleet": True,
                "full": bool(request.get("full")), "recheck": request.get("recheck"), "by": request.get("by")}
        writer = ArchiveWriter.start(self.db, site, args)
        rid = writer.run_id
        with self.db.atomic():  # `parknews runs` says how it started
            self.db["runs"].update(rid, {"mode": "fleet --full" if request.get("full") else "fleet"}, alter=True)
        conn = self.db.conn
        with self.db.atomic():
            frontier_prune(self.db, site)
        known = known_article_urls(conn, site)
        pending = frontier_pending(conn, site)
        recheck = recheck_targets(conn, site, request["recheck"]) if request.get("recheck") is not None else []
        k = self.keys
        info = {
            "site": site, "state": "running", "started_at": now_iso(), "profile_text": request["profile_text"],
            "profile_origin": request.get("profile_origin", f"<fleet profile {site}>"),
            "start_urls": json.dumps(request.get("start_urls") or []), "full": int(bool(request.get("full"))),
            "recheck": "" if request.get("recheck") is None else str(request["recheck"]),
            "settings": json.dumps(request.get("settings") or {}), "pending": json.dumps(pending),
            "recheck_targets": json.dumps(recheck), "taken": 0, "waiting": 0, "answered": 0, "stored": 0,
            "requeued": 0, "token": request.get("token") or "",
        }
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(k.run(rid), k.queue(rid), k.dupe(rid), k.known(rid), k.skipped(rid))
        pipe.hset(k.run(rid), mapping=info)
        for start in range(0, len(known), 5000):
            pipe.sadd(k.known(rid), *known[start:start + 5000])
        pipe.zadd(k.queue(rid), {encode_member(new_id(), {"seed": rid}): -1000})
        pipe.sadd(k.active, rid)
        pipe.execute()
        self.runs[rid] = ActiveRun(rid, site, writer, lock, info)
        self.log(f"run {rid} ({site}): started; {len(known)} articles archived, {len(pending)} waiting in the frontier")
        return rid

    def finish_run(self, rid: int, reason: str = "finished") -> None:
        run = self.runs.pop(rid)
        k = self.keys
        skipped = self.client.scard(k.skipped(rid))
        try:
            run.writer.finish(reason, skipped=skipped)
        except (sqlite3.Error, OSError) as exc:
            self.log(f"run {rid} ({run.site}): could not record its end: {archive_fault(exc, self.db_path)}")
            self.runs[rid] = run
            return
        problems, notes = self._verdict(run)
        sections = list(self.client.scan_iter(match=f"{k.prefix}:seen:{rid}:*", count=500))
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(k.run(rid), mapping={"state": "finished", "finished_at": now_iso(), "finish_reason": reason,
                                       "problems": json.dumps(problems, ensure_ascii=False),
                                       "notes": json.dumps(notes, ensure_ascii=False)})
        pipe.hdel(k.run(rid), "pending", "recheck_targets")
        pipe.srem(k.active, rid)
        pipe.zadd(k.finished, {str(rid): time.time()})
        pipe.delete(k.queue(rid), k.dupe(rid), k.known(rid), k.skipped(rid), *sections)
        pipe.execute()
        # Redis holds in-flight state; the runs table holds history. Older finished runs go.
        old = [r.decode() for r in self.client.zrange(k.finished, 0, -self.keep_finished - 1)]
        if old:
            pipe = self.client.pipeline(transaction=True)
            pipe.delete(*[k.run(r) for r in old])
            pipe.zrem(k.finished, *old)
            pipe.execute()
        if run.lock is not None:
            run.lock.release()
        counts = run.writer.counts
        self.log(f"run {rid} ({run.site}): {reason}; {counts['pages_fetched']} pages fetched, "
                 f"{counts['articles_new']} new, {counts['articles_updated']} updated articles, "
                 f"{counts['failures']} failures")

    def _verdict(self, run: ActiveRun) -> tuple[list[str], list[str]]:
        """The same verdict a local ``parknews crawl`` gives its run (unfinished run, failed listing
        pages, coverage below the profile's thresholds), kept in the run row."""
        import tomllib

        from parknews.archive.runs import run_verdict
        from parknews.sites.profiles import ProfileError, profile_from_dict

        info = run.info or {k.decode(): v.decode() for k, v in self.client.hgetall(self.keys.run(run.rid)).items()}
        try:
            profile = profile_from_dict(tomllib.loads(info["profile_text"]), path=Path(info["profile_origin"]))
            row = dict(self.db["runs"].get(run.rid))
            problems, notes = run_verdict(self.db, row, profile)
            with self.db.atomic():
                self.db["runs"].update(run.rid, {"warnings": json.dumps(problems + notes, ensure_ascii=False),
                                                 "exit_status": 1 if problems else 0})
        except (KeyError, ProfileError, tomllib.TOMLDecodeError, sqlite3.Error) as exc:
            return [f"could not judge the run: {exc}"], []
        return problems, notes

    # --- messages -------------------------------------------------------------------

    def store_messages(self, block: float) -> int:
        """Store a batch: first what an earlier writer left in hand, then from the inbox."""
        k = self.keys
        raws = self.client.lrange(k.writing, 0, -1)
        if not raws:
            first = self.client.blmove(k.inbox, k.writing, block, "LEFT", "RIGHT") if block else \
                self.client.lmove(k.inbox, k.writing, "LEFT", "RIGHT")
            if first is None:
                return 0
            raws = [first]
            while len(raws) < self.batch:
                more = self.client.lmove(k.inbox, k.writing, "LEFT", "RIGHT")
                if more is None:
                    break
                raws.append(more)
        by_run: dict[int, list[tuple[bytes, dict[str, Any]]]] = {}
        for r in raws:
            m = pickle.loads(r)
            by_run.setdefault(m["run"], []).append((r, m))
        stored = 0
        for rid, group in by_run.items():
            run = self.runs.get(rid)
            if run is None:
                # Never expected (a run ends only when nothing of it waits); kept, never dropped.
                self.log(f"{len(group)} message(s) of run {rid}, which is not in progress, set aside in {k.prefix}:inbox:orphans")
                pipe = self.client.pipeline(transaction=True)
                for r, _m in group:
                    pipe.rpush(f"{k.prefix}:inbox:orphans", r)
                    pipe.lrem(k.writing, 1, r)
                pipe.execute()
                continue
            ids = [m["id"] for _r, m in group]
            already = {row[0] for row in self.db.execute(
                f"SELECT id FROM fleet_messages WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()}
            fresh = [m for _r, m in group if m["id"] not in already]
            entries = [e for m in fresh for e in m["entries"]]

            def mark(db: Any, fresh: list[dict[str, Any]] = fresh, rid: int = rid) -> None:
                db["fleet_messages"].insert_all(
                    [{"id": m["id"], "run_id": rid, "stored_at": now_iso()} for m in fresh])

            if fresh:
                try:
                    run.writer.write_batch(entries, extra=mark)
                except (sqlite3.Error, OSError) as exc:
                    # Nothing of this batch is in the archive and every message is still in hand.
                    raise FleetError(f"the archive cannot be written: {archive_fault(exc, self.db_path)}") from exc
            self.done(keys=[k.writing, k.run(rid)], args=[len(fresh), *[r for r, _m in group]])
            stored += len(fresh)
        self.stored_messages += stored
        return stored
