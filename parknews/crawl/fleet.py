"""The fleet's worker: a Scrapy process on scrapy-redis' scheduler and duplicate filter.

Built on scrapy-redis 0.9.1 (``scrapy_redis.scheduler.Scheduler``, ``scrapy_redis.queue.Base``,
``scrapy_redis.dupefilter.RFPDupeFilter``), with parknews' own spider and seeding. What was
verified on 0.9.1 and why it is used this way:

* ``RedisSpider`` is not used: it starts through ``start_requests()``, which Scrapy 2.16 removed.
  The fleet spider has no start requests at all; a run's first requests come from a *seed* the
  writer puts in the run's queue, which the scheduler expands with the site walk's own
  ``seed_requests()`` (the same code as a local crawl's start).
* The stock queues ``pop`` a request out of Redis before it is fetched, so a killed worker
  loses what it had taken. :class:`RunQueues` moves each request into the worker's
  ``taken:<worker>`` hash instead (one Lua script), and only the message that answers it (or
  its retry / redirect going back to the queue) releases it; the writer requeues the hash of a
  worker whose heartbeat stopped.
* The stock filter keeps one set per spider for ever (``SCHEDULER_PERSIST``) or flushes it when
  any worker closes. :class:`RunDupeFilter` keeps one set per run, which the writer deletes when
  the run finishes: a second run of a site never "finds nothing", and incrementality comes from
  the archive (the run's known URLs), as in a local crawl.
* An idle worker neither spins nor exits: ``spider_idle`` raises ``DontCloseSpider`` and Scrapy
  polls the scheduler on its heartbeat; a one-second check wakes the engine early when a queue
  has work again.

Extraction runs here (the project's Extract and Validate pipelines); the outbox pipeline sends
``(status, item, reason)`` entries, the same a local store pipeline writes, to the writer.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
import tomllib
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task
from w3lib.url import canonicalize_url

from parknews.archive.fleet import (
    ANSWER,
    GATE,
    GATE_DONE,
    HEARTBEAT_SECONDS,
    POP,
    RELEASE,
    WORKER_TTL_SECONDS,
    Keys,
    decode_member,
    encode_member,
    encode_message,
    new_id,
)
from parknews.crawl.spiders.site import SiteSpider
from parknews.items import ArticlePage, FetchFailure, RawPage
from parknews.sites.profiles import SiteProfile, profile_from_dict

logger = logging.getLogger(__name__)


def _keys(settings: Any) -> Keys:
    return Keys(settings.get("PARKNEWS_FLEET_PREFIX", "parknews"))


# --- the site walk of one run -----------------------------------------------------------------


class RedisSet:
    """A set in Redis with the two operations a listing walk uses (``in`` and ``|=``)."""

    def __init__(self, client: Any, key: str) -> None:
        self.client, self.key = client, key

    def __contains__(self, member: str) -> bool:
        return bool(self.client.sismember(self.key, member))

    def __ior__(self, members: set[str]) -> RedisSet:
        if members:
            self.client.sadd(self.key, *members)
        return self


class FleetSections(dict):  # type: ignore[type-arg]
    """``seen_in_section`` shared by the fleet: the articles a run's earlier listing pages of a
    section showed, whichever worker fetched them."""

    def __init__(self, client: Any, keys: Keys, rid: int) -> None:
        super().__init__()
        self.client, self.keys, self.rid = client, keys, rid

    def setdefault(self, section: str, default: Any = None) -> RedisSet:  # type: ignore[override]
        return RedisSet(self.client, self.keys.seen(self.rid, section or "-"))


class FleetWalk(SiteSpider):
    """A run's site walk: the local spider's rules, with what it knows read from Redis."""

    def __init__(self, fleet: FleetSpider, rid: int, info: dict[str, str]) -> None:
        profile = profile_from_dict(tomllib.loads(info["profile_text"]), path=Path(info["profile_origin"]))
        start_urls = json.loads(info.get("start_urls") or "[]")
        super().__init__(profile=profile, start_url=start_urls or None, full=info.get("full") == "1",
                         recheck=info.get("recheck") or None)
        self.crawler = fleet.crawler
        self.fleet, self.rid, self.info = fleet, rid, info
        self.db_path = Path(os.devnull)
        self.seen_in_section = FleetSections(fleet.redis, fleet.keys, rid)
        self._load_known()  # whichever worker took the seed, every worker's walk knows the archive
        overrides = json.loads(info.get("settings") or "{}")
        s = self.profile.settings
        settings = fleet.crawler.settings
        self.delay = float(overrides.get("DOWNLOAD_DELAY", s.download_delay if s.download_delay is not None
                                         else settings.getfloat("PARKNEWS_FLEET_DEFAULT_DELAY", 1.0)))
        self.concurrency = int(overrides.get("CONCURRENT_REQUESTS_PER_DOMAIN", s.concurrency if s.concurrency
                                             else settings.getint("PARKNEWS_FLEET_DEFAULT_CONCURRENCY", 2)))

    def dress(self, request: Request) -> Request:
        """The run's own settings on a request: its run id, robots.txt and User-Agent as the
        profile says (a local crawl sets these per spider; one fleet spider serves every site)."""
        request.meta["run"] = self.rid
        s = self.profile.settings
        if s.obey_robots is False:
            request.meta["dont_obey_robotstxt"] = True
        if s.user_agent:
            request.headers.setdefault("User-Agent", s.user_agent)
        return request

    def _load_known(self) -> None:
        """Read once per walk (the seeding worker's seed_requests() asks again: no second read)."""
        if getattr(self, "_known_loaded", False):
            return
        self._known_loaded = True
        keys, client = self.fleet.keys, self.fleet.redis
        self.known = {canonicalize_url(m.decode()) for m in client.smembers(keys.known(self.rid))}
        self.pending = json.loads(self.info.get("pending") or "[]")

    def _recheck_targets(self) -> list[dict[str, Any]]:
        return json.loads(self.info.get("recheck_targets") or "[]")

    def _skipped(self, key: str) -> None:
        self.fleet.redis.sadd(self.fleet.keys.skipped(self.rid), key)


# --- the spider -------------------------------------------------------------------------------


class FleetSpider(scrapy.Spider):
    """One spider for every site of every run: each callback hands the response to its run's
    walk, and the walk's requests go out before the page's item, so a run is never seen idle
    between a page's answer and the requests it led to."""

    name = "fleet"

    def __init__(self, worker_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self.walks: dict[int, FleetWalk] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FleetSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        from scrapy_redis.connection import get_redis_from_settings

        spider.redis = get_redis_from_settings(crawler.settings)
        spider.keys = _keys(crawler.settings)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    def walk(self, rid: int) -> FleetWalk:
        walk = self.walks.get(rid)
        if walk is None:
            info = {k.decode(): v.decode() for k, v in self.redis.hgetall(self.keys.run(rid)).items()}
            if not info:
                raise KeyError(f"run {rid} is not in Redis")
            walk = self.walks[rid] = FleetWalk(self, rid, info)
        return walk

    def profile_for(self, item: Any) -> SiteProfile | None:
        """The profile an item's page belongs to (the Extract pipeline's site rules)."""
        fleet = getattr(item, "_fleet", None)
        return self.walk(fleet[0]).profile if fleet else None

    def idle(self, spider: Any = None) -> None:
        raise DontCloseSpider  # other workers may still produce requests; the scheduler is polled

    def on_spider_error(self, failure: Any, response: Response, spider: Any = None) -> None:
        """A callback that raised answers nothing: its request is released, the run goes on."""
        self.release(response.meta)

    def release(self, meta: dict[str, Any]) -> None:
        taken, rid = meta.get("fleet_id"), meta.get("run")
        if taken and rid is not None:
            self.fleet_scheduler.queue.release(taken, rid)

    # The callbacks, by the names the walk's requests carry.
    def parse_listing(self, response: Response) -> Iterator[Any]:
        yield from self._adopt(response.meta, self.walk(response.meta["run"]).parse_listing(response))

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield from self._adopt(response.meta, self.walk(response.meta["run"]).parse_article(response))

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self._adopt(response.meta, self.walk(response.meta["run"]).parse_feed(response))

    def on_error(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        yield from self._adopt(request.meta, self.walk(request.meta["run"]).on_error(failure))

    def _adopt(self, meta: dict[str, Any], output: Iterator[Any]) -> Iterator[Any]:
        rid, taken = meta["run"], meta.get("fleet_id")
        requests, items = [], []
        for thing in output:
            (requests if isinstance(thing, Request) else items).append(thing)
        walk = self.walk(rid)
        for request in requests:
            request.meta.pop("fleet_id", None)
            yield walk.dress(request)
        for item in items:
            item._fleet = (rid, taken)  # which run, and which taken request it answers
            yield item
        if not items:
            self.release(meta)


# --- scheduler, queues, duplicate filter ---------------------------------------------------------


class RunQueues(Base):
    """Every active run's queue (a sorted set per run, by priority then age), taken in turn;
    what a worker takes waits in its ``taken`` hash until answered."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys: Keys = spider.keys
        self.worker = spider.worker_id
        self._pop = server.register_script(POP)
        self._release = server.register_script(RELEASE)
        self._turn = 0
        self._runs: list[int] = []
        self._runs_at = 0.0
        # Alive before listed: the writer must never take a starting worker for a dead one.
        server.set(self.keys.worker(self.worker), json.dumps({
            "worker": self.worker, "host": socket.gethostname(), "pid": os.getpid(), "since": int(time.time()),
            "fetching": [], "in_flight": 0, "answers": 0}), ex=WORKER_TTL_SECONDS)
        server.sadd(self.keys.workers, self.worker)

    def active_runs(self) -> list[int]:
        if time.monotonic() - self._runs_at > 1.0:
            self._runs = sorted(int(r) for r in self.server.smembers(self.keys.active))
            self._runs_at = time.monotonic()
        return self._runs

    def __len__(self) -> int:
        pipe = self.server.pipeline(transaction=False)
        for rid in self.active_runs():
            pipe.zcard(self.keys.queue(rid))
        return sum(pipe.execute())

    def _encode_request(self, request: Request) -> bytes:
        # By name: a walk's bound method and the fleet spider's method of the same name are one callback.
        d = request.replace(callback=None, errback=None).to_dict()
        d["callback"] = getattr(request.callback, "__name__", None)
        d["errback"] = getattr(request.errback, "__name__", None)
        entry = new_id()
        d["meta"] = {**d["meta"], "fleet_id": entry}
        return encode_member(entry, d)

    def push(self, request: Request) -> None:
        rid = request.meta["run"]
        held = request.meta.get("fleet_id")
        self.server.zadd(self.keys.queue(rid), {self._encode_request(request): -request.priority})
        if held:
            self.release(held, rid)  # a retry or redirect of a taken request takes its place

    def release(self, taken: str, rid: int) -> None:
        self._release(keys=[self.keys.taken(self.worker), self.keys.run(rid)], args=[taken])

    def pop(self, timeout: int = 0) -> Request | None:
        runs = self.active_runs()
        for i in range(len(runs)):
            rid = runs[(self._turn + i) % len(runs)]
            member = self._pop(keys=[self.keys.queue(rid), self.keys.taken(self.worker), self.keys.run(rid)],
                               args=[str(rid)])
            if member is None:
                continue
            self._turn = (self._turn + i + 1) % max(1, len(runs))
            entry, payload = decode_member(member)
            if "seed" in payload:
                self._seed(rid, entry)
                continue
            return request_from_dict(payload, spider=self.spider)
        return None

    def _seed(self, rid: int, entry: str) -> None:
        """A run's first requests, from its walk, queued before the seed is released."""
        walk = self.spider.walk(rid)
        for request in walk.seed_requests():
            self.spider.fleet_scheduler.enqueue_request(walk.dress(request))
        self.release(entry, rid)

    def requeue_own(self) -> int:
        """A worker that stops cleanly puts back what it had taken and not answered."""
        from parknews.archive.fleet import REQUEUE

        return int(self.server.register_script(REQUEUE)(keys=[self.keys.taken(self.worker)], args=[self.keys.prefix]))

    def clear(self) -> None:
        raise RuntimeError("a fleet worker never clears the fleet's queues")  # scheduler flush guard


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis' fingerprint filter with one set per run (``dupe:<run>``)."""

    @classmethod
    def from_spider(cls, spider: Any) -> RunDupeFilter:
        f = cls(spider.redis, key=f"{spider.keys.prefix}:dupe", debug=False)
        f.keys = spider.keys
        return f

    def request_seen(self, request: Request) -> bool:
        fp = self.request_fingerprint(request)
        return self.server.sadd(self.keys.dupe(request.meta["run"]), fp) == 0

    def clear(self) -> None:
        pass  # per-run sets end with their run (the writer deletes them)


class FleetScheduler(Scheduler):
    """scrapy-redis' scheduler; a refused duplicate that was a retry or redirect of a taken
    request releases it, and a closing worker hands back what it had taken."""

    def enqueue_request(self, request: Request) -> bool:
        if "run" not in request.meta:
            logger.warning("fleet: dropping a request outside any run: %s", request.url)
            return False
        if not request.dont_filter and self.df.request_seen(request):
            held = request.meta.get("fleet_id")
            if held:
                self.queue.release(held, request.meta["run"])
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(0)  # never blocks the reactor: an idle worker is polled
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def open(self, spider: Any) -> None:
        # scrapy-redis' open without its flush-on-start (other workers share these queues).
        from scrapy.utils.misc import load_object

        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key % {"spider": spider.name},
                                                 serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        spider.fleet_scheduler = self

    def close(self, reason: str) -> None:
        back = self.queue.requeue_own()
        if back:
            logger.info("fleet: %d taken request(s) handed back on close", back)

    def flush(self) -> None:
        pass


# --- politeness, fleet-wide ---------------------------------------------------------------------


class FleetGate:
    """A site's delay and concurrency hold for the whole fleet: before a request goes out it takes
    a slot in Redis (``gate:<host>``: the next allowed start, by Redis' clock, and the requests in
    flight, each with a lease that lapses if its worker dies); the slot is returned on answer. For
    a site with concurrency 1 (the profiles' usual), the next start also waits one delay after
    that answer, so the site never sees two requests closer than its delay, however late a busy
    worker actually sent the previous one."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.lease_ms = int(crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30) * 1000 + 10000)
        self._take: Any = None
        self._give: Any = None

    def _scripts(self, fleet: FleetSpider) -> None:
        if self._take is None:
            self._take = fleet.redis.register_script(GATE)
            self._give = fleet.redis.register_script(GATE_DONE)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetGate:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        from scrapy.utils.defer import deferred_to_future
        from twisted.internet import reactor

        fleet = self.crawler.spider
        if not hasattr(fleet, "redis"):
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        rid = request.meta.get("run")
        walk = fleet.walk(rid) if rid is not None else None
        delay = walk.delay if walk else self.crawler.settings.getfloat("PARKNEWS_FLEET_DEFAULT_DELAY", 1.0)
        concurrency = walk.concurrency if walk else 1
        token = new_id()
        self._scripts(fleet)
        while True:
            wait = int(self._take(keys=[fleet.keys.gate(host), fleet.keys.gate_busy(host)],
                            args=[int(delay * 1000), concurrency, token, self.lease_ms]))
            if wait <= 0:
                break
            await deferred_to_future(task.deferLater(reactor, wait / 1000, lambda: None))
        request.meta["fleet_gate"] = (host, token, int(delay * 1000), concurrency)
        return None

    def _free(self, request: Request) -> None:
        held = request.meta.pop("fleet_gate", None)
        if held:
            fleet = self.crawler.spider
            self._scripts(fleet)
            host, token, delay_ms, concurrency = held
            self._give(keys=[fleet.keys.gate(host), fleet.keys.gate_busy(host)], args=[token, delay_ms, concurrency])

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self._free(request)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        self._free(request)
        return None


# --- the outbox -----------------------------------------------------------------------------------


class FleetOutboxPipeline:
    """The last pipeline of a worker: each page's entry goes to the writer's inbox, and the request
    it answers is released, in one Lua call."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetOutboxPipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        fleet = self.crawler.spider
        self.answer = fleet.redis.register_script(ANSWER)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        self._send("ok", item, None)
        return item

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any = None) -> None:
        self._send("dropped", item, str(exception))

    def _send(self, status: str, item: Any, reason: str | None) -> None:
        raw = item.raw if isinstance(item, ArticlePage) else item
        if not isinstance(raw, (RawPage, FetchFailure)):
            return
        rid, taken = getattr(raw, "_fleet", (None, None))
        if rid is None:
            return
        fleet = self.crawler.spider
        _message_id, message = encode_message(rid, [(status, item, reason)])
        self.answer(keys=[fleet.keys.inbox, fleet.keys.taken(fleet.worker_id), fleet.keys.run(rid)],
                    args=[message, taken or ""])
        self.crawler.stats.inc_value("parknews/fleet_answers")


# --- the worker process ---------------------------------------------------------------------------


def worker_settings(redis_url: str, concurrency: int, prefix: str = "parknews") -> dict[str, Any]:
    """What a worker changes in the project's settings."""
    from parknews.crawl import settings as project

    return {
        "DOWNLOADER_MIDDLEWARES": {**project.DOWNLOADER_MIDDLEWARES, "parknews.crawl.fleet.FleetGate": 950},
        "REDIS_URL": redis_url,
        "PARKNEWS_FLEET_PREFIX": prefix,
        "SCHEDULER": "parknews.crawl.fleet.FleetScheduler",
        "SCHEDULER_QUEUE_CLASS": "parknews.crawl.fleet.RunQueues",
        "SCHEDULER_DUPEFILTER_CLASS": "parknews.crawl.fleet.RunDupeFilter",
        "DUPEFILTER_CLASS": "parknews.crawl.fleet.RunDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_SERIALIZER": "pickle",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,  # the fleet gate holds each site's own limit
        "DOWNLOAD_DELAY": 0,  # the same: delays are the gate's, fleet-wide
        "AUTOTHROTTLE_ENABLED": False,
        "ITEM_PIPELINES": {
            "parknews.crawl.pipelines.ExtractPipeline": 100,
            "parknews.crawl.pipelines.ValidatePipeline": 200,
            "parknews.crawl.fleet.FleetOutboxPipeline": 300,
        },
    }


class Heartbeat:
    """Every couple of seconds: the worker's heartbeat (what it fetches), and a nudge to the
    engine when a queue has work again while the worker sat idle."""

    def __init__(self, crawler: Any, until_done: bool) -> None:
        self.crawler = crawler
        self.until_done = until_done
        self.started = time.time()
        self.loop = task.LoopingCall(self.beat)
        self.waker = task.LoopingCall(self.wake)
        self.quiet_since: float | None = None
        self.had_work = False
        from parknews.archive.store import now_iso

        self.started_iso = now_iso()

    def start(self) -> None:
        self.loop.start(min(1.0, HEARTBEAT_SECONDS), now=True)
        self.waker.start(0.1, now=False)

    def stop(self) -> None:
        for loop in (self.loop, self.waker):
            if loop.running:
                loop.stop()

    def wake(self) -> None:
        """An idle engine polls its scheduler only every few seconds; when a queue has work again
        (another worker's page led to new requests), it is woken within a tenth of a second."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None) if engine else None  # Scrapy 2.19's engine slot (private; guarded)
        if slot is None or getattr(slot, "nextcall", None) is None:
            return
        try:
            if not engine.downloader.active and len(slot.scheduler) > 0:
                slot.nextcall.schedule()
        except Exception as exc:  # a Redis hiccup: the heartbeat reports, the next tick retries
            logger.debug("fleet wake: %s", exc)

    def beat(self) -> None:
        from parknews.archive.fleet import fleet_status

        engine, spider = self.crawler.engine, self.crawler.spider
        if engine is None or spider is None or not hasattr(spider, "redis"):
            return
        try:
            active = [r.url for r in engine.downloader.active] if engine.downloader else []
            spider.redis.set(spider.keys.worker(spider.worker_id), json.dumps({
                "worker": spider.worker_id, "host": socket.gethostname(), "pid": os.getpid(),
                "since": int(self.started), "fetching": active[:20], "in_flight": len(active),
                "answers": self.crawler.stats.get_value("parknews/fleet_answers", 0)}), ex=WORKER_TTL_SECONDS)
            spider.redis.sadd(spider.keys.workers, spider.worker_id)
            if self.until_done:
                # Done once the fleet had work since this worker started and has none left.
                status = fleet_status(spider.redis, spider.keys, 5)
                done = status["done"] and not active
                # (or work came and went between two beats: a run finished since this worker started)
                self.had_work = self.had_work or not done or any(
                    (r["finished_at"] or "") >= self.started_iso for r in status["runs"])
                self.quiet_since = (self.quiet_since or time.monotonic()) if done and self.had_work else None
                if self.quiet_since and time.monotonic() - self.quiet_since > 2 * HEARTBEAT_SECONDS:
                    self.stop()
                    from scrapy.utils.defer import deferred_from_coro

                    deferred_from_coro(self.crawler.engine.close_spider_async(reason="fleet done"))
        except Exception as exc:  # a Redis hiccup must not kill the worker; the next beat retries
            logger.warning("fleet heartbeat: %s", exc)


def run_worker(redis_url: str, *, concurrency: int = 8, worker_id: str | None = None, until_done: bool = False,
               overrides: dict[str, Any] | None = None, prefix: str = "parknews") -> dict[str, Any]:
    """Run one worker until SIGTERM/SIGINT (or until the fleet is done); its crawl stats."""
    from parknews.crawl.session import Session

    settings = {**worker_settings(redis_url, concurrency, prefix), **(overrides or {})}
    session = Session(os.devnull, settings)
    result: dict[str, Any] = {}

    def plan(s: Session):  # type: ignore[no-untyped-def]
        crawler, done = s.crawl(FleetSpider, worker_id=worker_id)
        beat = Heartbeat(crawler, until_done)
        from twisted.internet import reactor

        reactor.callLater(0.5, beat.start)  # once the engine is open
        yield done
        beat.stop()
        spider = crawler.spider
        if spider is not None and hasattr(spider, "redis"):
            spider.redis.delete(spider.keys.worker(spider.worker_id))
        result.update(crawler.stats.get_stats() if crawler.stats else {})

    session.run(plan)
    return result
