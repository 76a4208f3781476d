"""``parknews crawl`` (one site or many, by profile or bare home URL) and ``parknews profile``."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from parknews.archive.store import archive_fault
from parknews.cli.common import DB_HELP, db_path, open_archive


def setting_overrides(items: tuple[str, ...]) -> dict[str, Any]:
    """``-s NAME=VALUE`` options, each checked against the setting's type: one clear line when wrong."""
    from parknews.crawl.settings_check import SettingsError, parse_setting_overrides

    try:
        return parse_setting_overrides(items)
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="-s/--set") from None


def print_failures(path: Path, run: dict[str, Any], limit: int = 10, prefix: str = "") -> None:
    """This run's failures on stderr: what cron mails."""
    if not run.get("failures") or run.get("id") is None:
        return
    conn = open_archive(str(path))
    try:
        rows = list(conn.query("SELECT url, stage, reason FROM failures WHERE run_id = ? ORDER BY id", [run["id"]]))
    finally:
        conn.close()
    for row in rows[:limit]:
        click.echo(f"{prefix}failed: {row['url']} [{row['stage']}] {row['reason']}", err=True)
    if len(rows) > limit:
        click.echo(f"{prefix}... and {len(rows) - limit} more (sqlite3 {path} \"select * from failures where run_id = {run['id']}\")", err=True)


def print_run(run: dict[str, Any], path: Path) -> None:
    extra = ""
    if run.get("articles_skipped"):
        extra += f", {run['articles_skipped']} already archived"
    if run.get("articles_deleted"):
        extra += f", {run['articles_deleted']} deleted"
    click.echo(
        f"run {run.get('id')} ({run.get('profile')}): {run.get('finish_reason')}; "
        f"{run.get('pages_fetched') or 0} pages fetched, "
        f"{run.get('articles_new') or 0} new, {run.get('articles_updated') or 0} updated, "
        f"{run.get('articles_unchanged') or 0} unchanged articles{extra}, "
        f"{run.get('failures') or 0} failures; archive: {path}"
    )


def is_url(target: str) -> bool:
    """A target that names a scheme (or starts like a host) is a URL to discover, never a profile."""
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:(?![\\/]{1,2}[^/])|www\.", target)) or "://" in target


def home_url(target: str) -> str:
    """A crawlable home URL, or one clear error: only http(s) URLs with a host."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{target!r} is not an http(s) URL with a host (e.g. https://www.example.cn/)",
                                 param_hint="TARGET")
    return parts._replace(fragment="").geturl() + ("/" if not parts.path else "")


@dataclass
class Target:
    """One site of a crawl command."""

    given: str
    url: str | None = None  # a bare home URL: discovery infers (or the archive remembers) its profile
    profile: Any = None
    name: str = ""
    discovered: bool = False
    lock: Any = None
    run: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    exit: int = 0


def _stored(path: Path, **key: str) -> dict[str, Any] | None:
    """A stored inferred profile, read without creating or changing the archive."""
    from parknews.archive.store import site_profile

    if not path.exists():
        return None
    conn = open_archive(str(path))
    try:
        return site_profile(conn, **key)
    finally:
        conn.close()


def _resolve(given: str, path: Path, rediscover: bool) -> Target:
    from parknews.crawl.discovery import site_name
    from parknews.sites.profiles import ProfileError, load_profile

    if is_url(given):
        url = home_url(given)
        target = Target(given, url=url, name=site_name(url))
        stored = None if rediscover else _stored(path, url=url)
        if stored and not stored["stale"]:
            target.profile = _stored_profile(stored)
        return target
    try:
        site = load_profile(given)
    except ProfileError as exc:
        stored = _stored(path, name=given)
        if stored is None:
            raise click.ClickException(str(exc)) from exc
        # The name of a site an earlier `parknews crawl URL` discovered.
        target = Target(given, url=stored["url"], name=stored["name"])
        if not stored["stale"] and not rediscover:
            target.profile = _stored_profile(stored)
        return target
    return Target(given, profile=site, name=site.name)


def _stored_profile(row: dict[str, Any]):  # type: ignore[no-untyped-def]
    import tomllib

    from parknews.sites.profiles import profile_from_dict

    return profile_from_dict(tomllib.loads(row["profile"]), path=Path(f"<profile discovered for {row['url']}>"))


@click.command()
@click.argument("targets", nargs=-1, metavar="TARGET...")
@click.option("--sites", "sites_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also crawl every profile (*.toml) in this folder.")
@click.option("--db", help=DB_HELP)
@click.option("--start-url", "start_urls", multiple=True, metavar="URL",
              help="Start here instead of the profile's URLs (a mirror or local copy); allowed domains follow. Repeatable; one site only.")
@click.option("--full", is_flag=True, help="Walk every listing page, not only down to the first page with nothing new.")
@click.option("--recheck", type=click.FloatRange(min=0), metavar="DAYS",
              help="Also re-fetch articles published in the last DAYS days (conditional requests) to catch edits and deletions.")
@click.option("--resume", is_flag=True, help="Continue the last interrupted run of each site (else start a new one).")
@click.option("--rediscover", is_flag=True, help="Sites given by URL: infer their profile again instead of reusing the stored one.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting for this run (beats the profile), e.g. -s DOWNLOAD_DELAY=5. Repeatable.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request (Scrapy INFO level).")
def crawl(targets: tuple[str, ...], sites_dir: str | None, db: str | None, start_urls: tuple[str, ...], full: bool,
          recheck: float | None, resume: bool, rediscover: bool, settings: tuple[str, ...], verbose: bool) -> None:
    """Crawl sites into the archive: only new articles, unless told otherwise.

    Each TARGET is a built-in profile name (see parknews/sites/), a path to a .toml
    profile, or a site's bare home URL: parknews then samples the site, infers its
    profile (article and listing URL patterns, pagination, the CMS) and keeps it in
    the archive, so later runs of the URL crawl the same way (discovery runs again
    when coverage falls below the inferred thresholds, or with --rediscover). All
    sites crawl at once in one process, each with its own politeness, lock, run row
    and verdict.

    Exit status: 0 when every run finished cleanly; 1 when a run did not finish,
    listing pages failed, coverage fell below the thresholds or a site could not be
    discovered (details on stderr); 75 when another run of a site holds its lock.

    \b
    Example:
      parknews crawl rentsh
      parknews crawl https://www.example-park.cn/          # no profile: discover it
      parknews crawl rentsh ./a.toml https://b.example.cn/  # several sites in one run
      parknews crawl --sites /etc/parknews/sites            # every profile in a folder
      parknews crawl rentsh --recheck 7                     # nightly: also catch edits and deletions
      parknews crawl rentsh --start-url http://127.0.0.1:8000/
      parknews crawl rentsh --resume                        # after Ctrl-C or a reboot
    """
    from parknews.sites.profiles import ProfileError

    given = list(targets)
    if sites_dir:
        folder = Path(sites_dir)
        if not folder.is_dir():
            raise click.BadParameter(f"{sites_dir} is not a folder", param_hint="--sites")
        found = sorted(str(p) for p in folder.glob("*.toml"))
        if not found:
            raise click.BadParameter(f"{sites_dir} holds no *.toml profiles", param_hint="--sites")
        given += found
    if not given:
        raise click.UsageError("give a profile name, a profile file or a site's home URL (or --sites DIR)")
    if start_urls and len(given) != 1:
        raise click.BadParameter("--start-url points one site at a mirror; give exactly one TARGET with it",
                                 param_hint="--start-url")
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if verbose else "WARNING",
                                 "PARKNEWS_PROGRESS": sys.stderr.isatty() and not verbose and len(given) == 1}
    overrides.update(setting_overrides(settings))
    path = db_path(db)
    # Every target resolved before the archive is touched: a bad profile writes nothing.
    sites = [_resolve(g, path, rediscover) for g in given]
    open_archive(db).close()  # fail early, with one clear line, on an unusable archive path
    names = [t.name for t in sites]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise click.BadParameter(f"site {twice[0]!r} is given twice", param_hint="TARGET")
    if start_urls:
        target = sites[0]
        if target.profile is None:
            raise click.BadParameter("--start-url needs a profile, not a URL to discover", param_hint="--start-url")
        try:
            target.profile = target.profile.with_start_urls(list(start_urls))
        except ProfileError as exc:
            raise click.ClickException(str(exc)) from exc
    _crawl_sites(sites, path, overrides, full=full, recheck=recheck, resume=resume)
    codes = [t.exit for t in sites]
    sys.exit(1 if 1 in codes else 75 if 75 in codes else 0)


def _crawl_sites(sites: list[Target], path: Path, overrides: dict[str, Any], *, full: bool, recheck: float | None,
                 resume: bool) -> None:
    from parknews.archive.runs import LockedError, RunLock
    from parknews.crawl.session import Session, SiteJob, crawl_jobs, run_row, sample_sites

    many = len(sites) > 1
    for target in sites:
        target.lock = RunLock(path, target.name)
        try:
            target.lock.acquire()
        except LockedError as exc:
            target.lock = None
            target.exit = 75
            click.echo(f"parknews: another run of {target.name!r} on {path} is in progress ({exc}); not starting", err=True)
    active = [t for t in sites if t.lock is not None]
    jobs: dict[str, SiteJob] = {}
    try:
        if not active:
            return
        session = Session(path, overrides)

        def plan(s: Session):  # type: ignore[no-untyped-def]
            homes = [t.url for t in active if t.profile is None and t.url]
            if homes:
                spiders = yield from sample_sites(s, homes, s.settings.getint("PARKNEWS_DISCOVERY_PAGES", 40))
                if s.shutting_down([sp.crawler for sp in spiders.values()]):
                    for t in active:
                        if t.profile is None:
                            t.error, t.exit = "interrupted during discovery; nothing was crawled", 1
                    return
                for t in active:
                    if t.profile is None and t.url:
                        _adopt_discovery(t, spiders[t.url], path)
            ready = [t for t in active if t.profile is not None]
            for t in ready:
                jobs[t.name] = _prepare(t, path, full=full, recheck=recheck, resume=resume)
            jobs_list = [jobs[t.name] for t in ready if jobs.get(t.name) is not None]
            if jobs_list:
                yield from crawl_jobs(s, jobs_list)

        session.run(plan)
        for t in active:
            job = jobs.get(t.name)
            if job is not None:
                t.run = run_row(path, job)
                _judge(t, path)
    finally:
        for t in active:
            t.lock.release()
    for t in sites:
        prefix = f"[{t.name}] " if many else ""
        if t.error:
            click.echo(f"parknews: {prefix}{t.error}", err=True)
            continue
        if not t.run:
            continue
        print_run(t.run, path)
        print_failures(path, t.run, prefix=prefix)
        for note in t.notes:
            click.echo(f"{prefix}note: {note}", err=True)
        for problem in t.problems:
            click.echo(f"{prefix}warning: {problem}", err=True)
    if many:
        _summary_table(sites)


def _adopt_discovery(target: Target, spider: Any, path: Path) -> None:
    """Infer the target's profile from its sample and keep it in the archive, or say why not."""
    from parknews.archive.store import save_site_profile
    from parknews.crawl.discovery import DiscoveryError, infer_profile, profile_toml
    from parknews.sites.profiles import ProfileError, profile_from_dict

    if spider.home_error:
        target.error, target.exit = f"cannot discover {target.url}: {spider.home_error}", 1
        return
    try:
        presets = None if spider.crawler.settings.getbool("PARKNEWS_DISCOVERY_PRESETS", True) else {}
        inference = infer_profile(target.url, spider.samples, name=target.name, presets=presets)
        inference.report["seconds"] = round(spider.crawler.stats.get_value("elapsed_time_seconds") or 0.0, 2)
        text = profile_toml(inference)
        import tomllib

        target.profile = profile_from_dict(tomllib.loads(text), path=Path(f"<profile discovered for {target.url}>"))
    except (DiscoveryError, ProfileError) as exc:
        target.error, target.exit = f"cannot discover {target.url}: {exc}", 1
        return
    target.discovered = True
    conn = open_archive(str(path))
    try:
        save_site_profile(conn, target.url, target.name, text, inference.report)
    except sqlite3.Error as exc:
        target.error, target.exit = f"cannot keep the discovered profile: {archive_fault(exc, path)}", 1
        target.profile = None
    finally:
        conn.close()


def _prepare(target: Target, path: Path, *, full: bool, recheck: float | None, resume: bool):  # type: ignore[no-untyped-def]
    from parknews.archive.runs import prepare_run
    from parknews.crawl.session import SiteJob

    conn = open_archive(str(path))
    try:
        args = {"start_urls": target.profile.start_urls, "full": full, "recheck": recheck, "db": str(path)}
        if target.url:
            args["discovered_from"] = target.url
            args["discovery"] = "this run" if target.discovered else "stored profile"
        prepared = prepare_run(conn, target.profile, resume=resume, mode="full" if full else "incremental", args=args)
    except sqlite3.Error as exc:
        target.error, target.exit = archive_fault(exc, path), 1
        return None
    finally:
        conn.close()
    if resume and not prepared.resumed:
        click.echo(f"parknews: no interrupted run of {target.name!r} to resume; starting run {prepared.run_id}", err=True)
    return SiteJob(target.profile, run_id=prepared.run_id, spider_args={"full": full, "recheck": recheck})


def _judge(target: Target, path: Path) -> None:
    from parknews.archive.runs import run_verdict
    from parknews.archive.store import mark_site_profile

    conn = open_archive(str(path))
    try:
        target.problems, target.notes = run_verdict(conn, target.run, target.profile)
        if target.run.get("id") is not None:
            with conn.atomic():
                conn["runs"].update(target.run["id"], {
                    "warnings": json.dumps(target.problems + target.notes, ensure_ascii=False),
                    "exit_status": 1 if target.problems else 0})
        if target.url:
            low = any("threshold" in p for p in target.problems)
            mark_site_profile(conn, target.url, run_id=target.run.get("id"), stale=low)
            if low:
                target.notes.append("coverage fell below the inferred thresholds: the next run discovers the site again")
    except sqlite3.Error as exc:
        target.problems.append(f"could not record the verdict: {archive_fault(exc, path)}")
    finally:
        conn.close()
    if target.problems:
        target.exit = 1


def _summary_table(sites: list[Target]) -> None:
    headers = ["site", "run", "finish", "pages", "new", "updated", "failures", "verdict"]
    rows = []
    for t in sites:
        r = t.run
        verdict = ("locked" if t.exit == 75 else "not crawled" if t.error else
                   f"{len(t.problems)} problem(s)" if t.problems else "ok")
        rows.append([t.name, str(r.get("id") or "-"), str(r.get("finish_reason") or "-"), str(r.get("pages_fetched") or 0),
                     str(r.get("articles_new") or 0), str(r.get("articles_updated") or 0), str(r.get("failures") or 0),
                     verdict])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# --- parknews profile init / check -----------------------------------------------------------


@click.group()
def profile() -> None:
    """Write a site profile from a home URL, or try one out (a dry run)."""


def _sample_once(url: str, overrides: dict[str, Any], path: Path) -> Any:
    from parknews.crawl.session import Session, sample_sites

    session = Session(path, overrides)
    out: dict[str, Any] = {}

    def plan(s: Session):  # type: ignore[no-untyped-def]
        out.update((yield from sample_sites(s, [url], s.settings.getint("PARKNEWS_DISCOVERY_PAGES", 40))))

    session.run(plan)
    return out[url]


@profile.command("init")
@click.argument("url")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the profile here (default: standard output).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting while sampling, e.g. -s DOWNLOAD_DELAY=5. Repeatable.")
def profile_init(url: str, output: str | None, settings: tuple[str, ...]) -> None:
    """Sample a site from its home URL and write the profile discovery infers, with its evidence.

    The profile is a commented TOML file: the CMS detected and why, each pattern with
    sample URLs it matched, and the sampled articles' field coverage. Nothing is written
    when the sample does not show article pages that a pattern tells apart.

    \b
    Example:
      parknews profile init https://www.example-park.cn/ -o sites/example-park.toml
    """
    import tempfile

    from parknews.crawl.discovery import DiscoveryError, infer_profile, profile_toml, site_name

    home = home_url(url)
    overrides = {"LOG_LEVEL": "WARNING", **setting_overrides(settings)}
    with tempfile.TemporaryDirectory() as scratch:
        spider = _sample_once(home, overrides, Path(scratch) / "unused.db")
    if spider.home_error:
        raise click.ClickException(f"cannot discover {home}: {spider.home_error}")
    try:
        text = profile_toml(infer_profile(home, spider.samples, name=site_name(home)))
    except DiscoveryError as exc:
        raise click.ClickException(f"no profile written: {exc}") from None
    if output:
        Path(output).write_text(text, "utf-8")
        click.echo(f"wrote {output} ({len(spider.samples)} pages sampled); try it: parknews profile check {output}", err=True)
    else:
        click.echo(text, nl=False)


@profile.command("check")
@click.argument("name")
@click.option("--url", help="Page to look at (default: the profile's first start URL).")
@click.option("--preview", type=click.IntRange(min=0, max=20), default=3, show_default=True,
              help="How many article links to fetch and extract.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=5. Repeatable.")
@click.option("--db", help="Archive holding the profiles `parknews crawl URL` discovered (for NAME). " + DB_HELP)
def profile_check(name: str, url: str | None, preview: int, settings: tuple[str, ...], db: str | None) -> None:
    """Dry run of a profile: which links of a page match which pattern, and a few extracted articles.

    NAME is a built-in profile name, a .toml file, or the name of a site whose profile
    `parknews crawl URL` discovered and keeps in the archive.

    Nothing is archived. Exit status 1 when the page cannot be fetched or no article
    link on it could be extracted.

    \b
    Example:
      parknews profile check rentsh --url http://127.0.0.1:8000/
      parknews profile check sites/example-park.toml
    """
    import tempfile

    from parknews.crawl.sampling import CheckSpider
    from parknews.crawl.session import Session
    from parknews.sites.profiles import ProfileError, load_profile

    try:
        site = load_profile(name)
    except ProfileError as exc:
        stored = _stored(db_path(db), name=name)  # a site an earlier `parknews crawl URL` discovered
        if stored is None:
            raise click.ClickException(str(exc)) from exc
        site = _stored_profile(stored)
    page = home_url(url) if url else site.start_urls[0]
    if url:
        site = site.with_start_urls([page]) if urlsplit(page).hostname not in site.allowed_domains else site
    overrides = {"LOG_LEVEL": "WARNING", **setting_overrides(settings)}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        session = Session(Path(scratch) / "unused.db", overrides)

        def plan(s: Session):  # type: ignore[no-untyped-def]
            crawler, done = s.crawl(CheckSpider, profile=site, page=page, preview=preview)
            yield done
            out["spider"] = crawler.spider

        session.run(plan)
    spider = out["spider"]
    if spider.page_error:
        raise click.ClickException(f"{page}: {spider.page_error}")
    click.echo(f"{page}  (HTTP {spider.page_status}; the profile calls it "
               f"{'an article' if site.is_article(page) else 'a listing' if site.is_listing(page) else 'a start page'})")
    for kind, links in spider.groups.items():
        click.echo(f"  {kind:<10} {len(links):>3}  " + ("  ".join(links[:3]) + (" ..." if len(links) > 3 else "")))
    if spider.script_next:
        click.echo(f"  next page written by a script: {spider.script_next}")
    ok = 0
    for item in spider.previews:
        click.echo("")
        click.echo(item["url"])
        if item.get("error"):
            click.echo(f"  error: {item['error']}")
            continue
        ok += 1
        for key in ("title", "published_at", "byline", "source_outlet", "category"):
            if item.get(key):
                click.echo(f"  {key + ':':<14}{item[key]}")
        body = item.get("body") or ""
        click.echo(f"  {'body:':<14}{body[:120].replace(chr(10), ' / ')}{' ...' if len(body) > 120 else ''} "
                   f"({len(body)} characters)")
        if item.get("missing"):
            click.echo(f"  {'missing:':<14}{', '.join(item['missing'])}")
    if preview and not ok:
        click.echo("no article link on this page could be extracted", err=True)
        sys.exit(1)


def register(group: click.Group) -> None:
    group.add_command(crawl)
    group.add_command(profile)
