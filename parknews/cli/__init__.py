"""The ``parknews`` command line: crawl, extract, reextract, export, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from parknews import __version__
from parknews.cli.archive import write_jsonl
from parknews.cli.common import DB_HELP, open_archive
from parknews.cli.common import emit as _emit

DEMO_DB = str(Path("data") / "demo.db")


def _profile(name: str):  # type: ignore[no-untyped-def]
    from parknews.sites.profiles import ProfileError, load_profile

    try:
        return load_profile(name)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc




class CleanErrors(click.Group):
    """Turn stray OS errors into one clean line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click ends quietly (exit 1) when the reader of our output has gone: `parknews export | head`
        except (OSError, UnicodeError) as exc:
            raise click.ClickException(f"{exc.__class__.__name__}: {exc}") from exc


@click.group(cls=CleanErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parknews")
def cli() -> None:
    """Crawl Chinese industrial-park news sites into a SQLite archive.

    \b
    Examples, one per command:
      parknews demo                                  # offline: crawl the bundled site copy
      parknews crawl rentsh                          # crawl a site with a built-in profile
      parknews crawl https://www.example-park.cn/    # crawl a site from its home URL (no profile)
      parknews profile init URL -o site.toml         # write the profile discovery infers, to review
      parknews extract page.html --url URL           # extract saved pages, print JSON Lines
      parknews reextract --site rentsh               # rebuild records from stored pages
      parknews export -o articles.jsonl              # stream the archive as JSON Lines
      parknews runs --site rentsh                    # what each crawl run did and what failed

    The archive is data/parknews.db unless --db or $PARKNEWS_DB says otherwise.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", help="URL the page came from (default: the file's file:// URI).")
@click.option("--encoding", help="Decode with this encoding instead of detecting it.")
@click.option("--profile", "profile_name", help="Use this profile's selectors (default: the profile whose domain matches --url, else generic).")
def extract(files: tuple[str, ...], url: str | None, encoding: str | None, profile_name: str | None) -> None:
    """Extract articles from saved HTML files; print one JSON record per file.

    Uses the crawl's own extraction path, offline. A file that cannot be extracted
    still gets its line, with "url" and "error"; the exit status is then 1.

    \b
    Example:
      parknews extract saved/11584.html --url http://rent.sh.cn/index.php/post/11584.html
    """
    from dataclasses import replace

    from parknews.archive.store import now_iso
    from parknews.extract import ExtractionError
    from parknews.extract.encoding import normalize_encoding
    from parknews.extract.process import article_from_raw
    from parknews.items import RawPage
    from parknews.sites.profiles import find_profile_for_url

    if encoding and normalize_encoding(encoding) is None:
        raise click.ClickException(f"unknown encoding {encoding!r}")
    failed = 0
    for name in files:
        path = Path(name)
        page_url = url or path.resolve().as_uri()
        try:
            body = path.read_bytes()
        except OSError as exc:
            failed += 1
            _emit({"url": page_url, "error": f"read: {exc.strerror or exc}"})
            continue
        site = _profile(profile_name) if profile_name else find_profile_for_url(page_url)
        rules = site.selectors if site else None
        if encoding:
            from parknews.extract import SiteRules

            rules = replace(rules or SiteRules(), encoding=encoding)
        raw = RawPage(url=page_url, final_url=page_url, status=200, headers={}, body=body,
                      kind="article", fetched_at=now_iso(), site=site.name if site else None)
        try:
            article = article_from_raw(raw, rules)
        except ExtractionError as exc:
            failed += 1
            _emit({"url": page_url, "error": str(exc)})
            continue
        _emit(article.to_dict())
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) could not be extracted", err=True)
        sys.exit(1)


@cli.command()
@click.option("--db", help=DB_HELP)
@click.option("--site", help="Only pages of this profile.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes extracting pages (default: one per core).")
def reextract(db: str | None, site: str | None, jobs: int | None) -> None:
    """Rebuild article records from the stored raw pages (no network).

    \b
    Example:
      parknews reextract --site rentsh --jobs 2
    """
    from parknews.archive.reextract import default_jobs, reextract_archive

    conn = open_archive(db, create=False)
    try:
        counts = reextract_archive(conn, site=site, jobs=jobs or default_jobs())
    finally:
        conn.close()
    click.echo(
        f"re-extracted {counts['pages']} stored pages: {counts['new']} new, {counts['updated']} changed, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed (see the failures table, stage 'reextract')"
    )


@cli.command()
@click.option("--db", default=DEMO_DB, show_default=True, help="Archive to write (the default one is recreated each time).")
@click.option("-o", "--output", default=str(Path("data") / "demo.jsonl"), show_default=True, help="JSON Lines export to write.")
def demo(db: str, output: str) -> None:
    """Crawl the bundled copy of rent.sh.cn on 127.0.0.1 and export it (no network needed).

    Serves parknews/demo_site/rentsh on an ephemeral port, crawls it with the
    rentsh profile, writes the archive and a JSONL export, prints a summary.

    \b
    Example:
      parknews demo
    """
    import json

    from parknews.crawl.localsite import DEMO_SITES, LocalSite
    from parknews.crawl.session import run_crawl

    path = Path(db)
    if db == DEMO_DB:
        # The demo's own archive starts afresh: each demo serves on a new port, so old URLs would linger.
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    open_archive(db).close()
    site = _profile("rentsh")
    with LocalSite(DEMO_SITES / "rentsh") as server:
        click.echo(f"serving the demo site at {server.url}/")
        local = site.with_start_urls([server.url + "/"])
        # Our own server on loopback: no need to wait between requests.
        run = run_crawl(local, path, overrides={"LOG_LEVEL": "CRITICAL", "DOWNLOAD_DELAY": 0,
                                               "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 4})
    conn = open_archive(db)
    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        with open(output, "w", encoding="utf-8") as fh:
            count = write_jsonl(conn, fh)
        failures = list(conn.query("SELECT url, stage, reason FROM failures WHERE run_id = ?", [run.get("id")]))
        bodiless = [row["url"] for row in conn.query(
            "SELECT url FROM articles WHERE run_id = ? AND coalesce(body, '') = '' ORDER BY url", [run.get("id")])]
        if run.get("id") is not None:
            with conn.atomic():
                conn["runs"].update(run["id"], {"mode": "demo"})  # `parknews runs` says "demo"
    finally:
        conn.close()
    from parknews.cli.crawl import print_run

    print_run(run, path)
    counts = json.loads(run.get("coverage") or "{}").get("counts") or {}
    if counts.get("new"):
        click.echo(f"  field coverage of the {counts['new']} new articles: "
                   + ", ".join(f"{name} {counts.get(name, 0)}" for name in ("title", "body", "date", "byline")))
    if bodiless:
        click.echo(f"  {len(bodiless)} article page(s) with no article text, archived with title and date, "
                   "the body empty and named in 'missing' (the demo site holds one on purpose):")
    for url in bodiless:
        click.echo(f"  no body: {url}")
    if failures:
        click.echo(f"  the {len(failures)} failures are deliberate: the demo site holds a 404 and a 500 "
                   "so that you can see how parknews records what went wrong")
    for f in failures:
        click.echo(f"  failed: {f['url']} [{f['stage']}] {f['reason']}")
    click.echo(f"  (parknews runs --db {path} --run {run.get('id')} lists them again)")
    click.echo(f"articles in archive: {count}\nJSON Lines: {output}\narchive:    {path}")


def main() -> None:
    cli(prog_name="parknews")


# Commands kept in their own modules.
from parknews.cli import archive as cli_archive  # noqa: E402
from parknews.cli import crawl as cli_crawl  # noqa: E402
from parknews.cli import fleet as cli_fleet  # noqa: E402
from parknews.cli import research as cli_research  # noqa: E402

cli_crawl.register(cli)
cli_archive.register(cli)
cli_research.register(cli)
cli_fleet.register(cli)
