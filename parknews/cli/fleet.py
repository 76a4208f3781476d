"""``parknews fleet …``: many workers, one frontier in Redis, one archive writer."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from parknews.cli.common import DB_HELP, db_path

REDIS_HELP = "Redis URL shared by the fleet, e.g. redis://10.0.0.5:6379/0 (default: $PARKNEWS_REDIS)."
#: Settings a fleet run can override per site: the fleet gate applies them fleet-wide.
RUN_SETTINGS = ("DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN")


def _client(url: str | None) -> Any:
    from parknews.archive.fleet import FleetError, redis_client

    if not url:
        raise click.UsageError("give --redis URL (or set PARKNEWS_REDIS)")
    try:
        return redis_client(url)
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None


def _redis_option(f: Any) -> Any:
    return click.option("--redis", "redis_url", envvar="PARKNEWS_REDIS", metavar="URL", help=REDIS_HELP)(f)


def _prefix_option(f: Any) -> Any:
    return click.option("--prefix", default="parknews", show_default=True,
                        help="Key prefix: fleets sharing one Redis keep apart by prefix.")(f)


@click.group()
def fleet() -> None:
    """Crawl with many workers on Redis (scrapy-redis) into one archive.

    \b
    One writer per archive, any number of workers on any hosts:
      parknews fleet writer --redis redis://queue:6379/0 --db /var/lib/parknews/parknews.db
      parknews fleet worker --redis redis://queue:6379/0 --concurrency 16     # on each host
      parknews fleet crawl rentsh https://www.example-park.cn/ --redis redis://queue:6379/0
      parknews fleet status --redis redis://queue:6379/0
    """


@fleet.command("writer")
@_redis_option
@click.option("--db", help=DB_HELP)
@click.option("--until-done", is_flag=True, help="Exit once the fleet has had work and every enqueued run has finished (batch jobs, tests).")
@_prefix_option
def writer(redis_url: str | None, db: str | None, until_done: bool, prefix: str) -> None:
    """The only process that writes the archive: stores what workers fetched, starts and ends runs.

    Killed at any point (even kill -9), a restarted writer stores every page exactly once.
    """
    from parknews.archive.fleet import FleetError, FleetWriter, Keys

    client = _client(redis_url)
    path = db_path(db)

    def log(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} writer: {line}", err=True)

    w = FleetWriter(client, path, Keys(prefix), log=log)
    try:
        w.serve(until_done=until_done)
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None
    log(f"stopped; {w.stored_messages} messages stored")


@fleet.command("worker")
@_redis_option
@click.option("--concurrency", type=click.IntRange(min=1, max=512), default=8, show_default=True,
              help="Requests this worker has in flight at most (each site's own limit holds fleet-wide).")
@click.option("--id", "worker_id", help="Name shown by `fleet status` (default: HOST-PID).")
@click.option("--until-done", is_flag=True, help="Exit once the fleet has had work and every enqueued run has finished (batch jobs, tests).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting of this worker, e.g. -s DOWNLOAD_TIMEOUT=60. Repeatable.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request (Scrapy INFO level).")
@_prefix_option
def worker(redis_url: str | None, concurrency: int, worker_id: str | None, until_done: bool,
           settings: tuple[str, ...], verbose: bool, prefix: str) -> None:
    """A Scrapy process taking requests from the fleet's queues: fetches, extracts, sends to the writer.

    Start any number on any hosts. Killed (even kill -9), what it had taken goes back to the
    queue within seconds of its heartbeat stopping. Stops cleanly on SIGTERM.
    """
    from parknews.cli.crawl import setting_overrides
    from parknews.crawl.fleet import run_worker

    client = _client(redis_url)
    client.close()
    try:
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise click.ClickException("the fleet worker needs scrapy-redis: pip install 'parknews[fleet]'") from None
    overrides = {"LOG_LEVEL": "INFO" if verbose else "WARNING", **setting_overrides(settings)}
    stats = run_worker(redis_url, concurrency=concurrency, worker_id=worker_id, until_done=until_done,
                       overrides=overrides, prefix=prefix)
    click.echo(f"worker stopped ({stats.get('finish_reason', '?')}): {stats.get('parknews/fleet_answers', 0)} pages "
               f"answered, {stats.get('downloader/response_count', 0)} responses", err=True)


def _resolve(target: str, start_urls: tuple[str, ...]) -> dict[str, Any]:
    """A run request's site part: name, profile TOML text and where it came from."""
    from parknews.cli.crawl import home_url, is_url
    from parknews.sites.profiles import ProfileError, load_profile

    if is_url(target):
        return {"url": home_url(target)}
    try:
        profile = load_profile(target)
        if start_urls:
            profile.with_start_urls(list(start_urls))  # validated here; the workers apply it
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    return {"site": profile.name, "profile_text": Path(profile.path).read_text("utf-8"),
            "profile_origin": str(profile.path)}


def _discover(url: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """A bare home URL: sampled here, its profile inferred and sent with the run (the writer keeps it)."""
    import tempfile

    from parknews.cli.crawl import _sample_once
    from parknews.crawl.discovery import DiscoveryError, infer_profile, profile_toml, site_name

    with tempfile.TemporaryDirectory() as scratch:
        spider = _sample_once(url, {"LOG_LEVEL": "WARNING", **overrides}, Path(scratch) / "unused.db")
    if spider.home_error:
        raise click.ClickException(f"cannot discover {url}: {spider.home_error}")
    name = site_name(url)
    try:
        inference = infer_profile(url, spider.samples, name=name)
    except DiscoveryError as exc:
        raise click.ClickException(f"cannot discover {url}: {exc}") from None
    return {"site": name, "profile_text": profile_toml(inference),
            "profile_origin": f"<profile discovered for {url}>", "discovered": {"url": url, "report": inference.report}}


@fleet.command("crawl")
@click.argument("targets", nargs=-1, required=True, metavar="PROFILE|URL...")
@_redis_option
@click.option("--start-url", "start_urls", multiple=True, metavar="URL",
              help="Start from this URL instead of the profile's (a mirror, a test copy). Repeatable; one TARGET.")
@click.option("--full", is_flag=True, help="Walk every listing page, not only down to the first page with nothing new.")
@click.option("--recheck", type=click.FloatRange(min=0), metavar="DAYS",
              help="Also re-fetch articles of the last DAYS days (conditional requests): edits and deletions.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help=f"Per-site politeness for these runs, fleet-wide: {', '.join(RUN_SETTINGS)}. Repeatable.")
@click.option("--wait", is_flag=True, help="Wait until these runs have finished, print their verdicts, and exit "
              "as `parknews crawl` does (1 when a run has a warning).")
@_prefix_option
def crawl(targets: tuple[str, ...], redis_url: str | None, start_urls: tuple[str, ...], full: bool,
          recheck: float | None, settings: tuple[str, ...], wait: bool, prefix: str) -> None:
    """Enqueue a run per site for the fleet: the same semantics as `parknews crawl`.

    Each TARGET is a built-in profile name, a .toml profile, or a site's bare home URL
    (sampled here, its inferred profile sent with the run and kept in the archive).
    """
    from parknews.archive.fleet import Keys, fleet_status, request_run
    from parknews.cli.crawl import setting_overrides

    if start_urls and len(targets) != 1:
        raise click.BadParameter("--start-url points one site at a mirror; give exactly one TARGET with it",
                                 param_hint="--start-url")
    overrides = setting_overrides(settings)
    bad = sorted(set(overrides) - set(RUN_SETTINGS))
    if bad:
        raise click.BadParameter(f"{bad[0]} cannot be set per run in the fleet (set it on the workers: "
                                 f"parknews fleet worker -s {bad[0]}=…); per run: {', '.join(RUN_SETTINGS)}",
                                 param_hint="-s")
    sites = [_resolve(t, start_urls) for t in targets]  # every target checked before anything is enqueued
    client = _client(redis_url)
    for site in sites:
        if "url" in site:
            site.update(_discover(site.pop("url"), overrides))
    names = [s["site"] for s in sites]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise click.BadParameter(f"site {twice[0]!r} is given twice", param_hint="TARGET")
    from parknews.archive.fleet import new_id

    keys = Keys(prefix)
    tokens = {}
    for site in sites:
        token = tokens[site["site"]] = new_id()
        request_run(client, keys, {**site, "start_urls": list(start_urls), "full": full, "recheck": recheck,
                                   "settings": overrides, "token": token})
        click.echo(f"enqueued: {site['site']}")
    if not client.exists(keys.writer):
        click.echo("note: no fleet writer is running for this Redis; runs start when one does", err=True)
    if not wait:
        return
    wanted = set(tokens.values())
    while True:
        status = fleet_status(client, keys, 200)
        mine = [r for r in status["runs"] if r["token"] in wanted]
        refused = [r for r in status["refused"] if r["token"] in wanted]
        if len(mine) + len(refused) >= len(wanted) and all(r["state"] == "finished" for r in mine):
            break
        time.sleep(1)
    for r in refused:
        click.echo(f"parknews: [{r['site']}] not started: {r['reason']}", err=True)
    for r in sorted(mine, key=lambda r: r["run"]):
        click.echo(f"run {r['run']} ({r['site']}): {r['finish_reason']}; {r['stored']} pages stored, "
                   f"{r['requeued']} requeued")
        for note in r["notes"]:
            click.echo(f"[{r['site']}] note: {note}", err=True)
        for problem in r["problems"]:
            click.echo(f"[{r['site']}] warning: {problem}", err=True)
    # As `parknews crawl`: 1 when a run did not finish cleanly, listing pages failed or coverage fell short.
    sys.exit(1 if refused or any(r["problems"] for r in mine) else 0)


@fleet.command("status")
@_redis_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the last line), with \"done\": true|false.")
@_prefix_option
def status(redis_url: str | None, as_json: bool, prefix: str) -> None:
    """Queue depth per site, workers alive and what they fetch, pages waiting for the writer, runs."""
    from parknews.archive.fleet import Keys, fleet_status

    s = fleet_status(_client(redis_url), Keys(prefix))
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False))
        return
    w = s["writer"]
    click.echo(f"writer: {'pid ' + str(w['pid']) + ' on ' + w['host'] + ', ' + w['db'] if w else 'none running'}")
    click.echo(f"workers alive: {len(s['workers'])}")
    for info in s["workers"]:
        fetching = ", ".join(info["fetching"][:3]) or "idle"
        click.echo(f"  {info['worker']}: {info['in_flight']} in flight, {info['taken']} taken, "
                   f"{info['answers']} answered; {fetching}")
    click.echo(f"pages waiting for the writer: {s['pages_waiting_for_writer']}; "
               f"run requests waiting: {s['run_requests_waiting']}")
    click.echo(f"{'run':>5}  {'site':<20} {'state':<9} {'queued':>6} {'taken':>5} {'waiting':>7} {'stored':>6}  finish")
    for r in s["runs"]:
        click.echo(f"{r['run']:>5}  {(r['site'] or '?')[:20]:<20} {r['state'] or '?':<9} {r['queued']:>6} "
                   f"{r['taken']:>5} {r['waiting_for_writer']:>7} {r['stored']:>6}  {r['finish_reason'] or ''}")
    for r in s["refused"][-5:]:
        click.echo(f"not started: {r['site']} at {r['at']}: {r['reason']}")
    click.echo("done" if s["done"] else "in progress")
    sys.stdout.flush()


def register(group: click.Group) -> None:
    group.add_command(fleet)
