"""Researchers' commands (search, serve), registered on the main ``parknews`` group."""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from pathlib import Path

import click

from parknews.cli.common import DB_HELP, iso_date, open_archive, open_archive_for_reading


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns (CJK characters take two)."""
    if _width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


@click.command()
@click.argument("query", required=False)
@click.option("--db", help=DB_HELP)
@click.option("--site", help="Only articles of this profile.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=iso_date, help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=0), help="Show at most this many (0: all).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON Lines, one hit a line (rank, url, site, title, published_at, score, snippet, "
                   "highlights, and total, total_exact, ranked_among).")
@click.option("--all", "exhaustive", is_flag=True,
              help="Rank and count every match (slower on a large archive); by default more than 5,000 matches "
                   "are ranked among the newest 5,000 and counted up to 10,000.")
@click.option("--rebuild-index", is_flag=True, help="Rebuild the full-text index from the articles table, then search (if QUERY).")
def search(query: str | None, db: str | None, site: str | None, since: str | None, until: str | None,
           limit: int, as_json: bool, exhaustive: bool, rebuild_index: bool) -> None:
    """Full-text search of titles, bodies and captions, best matches first.

    Every term must appear (any length: 虞, 上虞, 生命健康; letters and digits too).
    "quoted words" form a phrase, OR gives alternatives, -term or NOT term excludes,
    parentheses group, title:/body:/captions: restrict a term to one field.

    Ranked by relevance (bm25, title hits first). When more than 5,000 articles
    match, the best are picked among the 5,000 most recently stored matches, and
    the count stops at "more than 10,000"; --all ranks and counts them all.

    \b
    Example:
      parknews search 上虞
      parknews search '2024 上虞 生物医药' --since 2024-01-01
      parknews search '(松江 OR 临港) 厂房 -招聘' --json
    """
    from parknews.archive import search as fulltext

    # Only --rebuild-index writes; a plain search also reads a read-only archive.
    conn = open_archive(db, create=False) if rebuild_index else open_archive_for_reading(db)
    try:
        if rebuild_index:
            count = fulltext.rebuild_index(conn)
            click.echo(f"rebuilt the full-text index: {count} articles", err=True)
            if query is None:
                return
        if query is None:
            raise click.UsageError("give a QUERY (or --rebuild-index)")
        try:
            result = fulltext.search(conn, query, site=site, since=since, until=until, limit=limit or None,
                                     exhaustive=exhaustive)
        except fulltext.QueryError as exc:
            raise click.ClickException(f"search: {exc}") from exc
    finally:
        conn.close()
    if as_json:
        counts = {"total": result.total, "total_exact": result.total_exact, "ranked_among": result.ranked_among}
        for hit in result.hits:
            sys.stdout.write(json.dumps({**hit.to_dict(), **counts}, ensure_ascii=False) + "\n")
        return
    _print_table(result)


def summary_line(result) -> str:  # type: ignore[no-untyped-def]
    """The table's last line: how many match, how many shown, and whether ranking or counting was bounded."""
    if result.total_exact:
        matched = f"{result.total:,} {'article matches' if result.total == 1 else 'articles match'}"
    else:
        matched = f"more than {result.total:,} articles match"
    shown = len(result.hits)
    if result.ranked_among is not None:
        return (f"{matched} {result.query.text}; showing the best {shown:,} of the newest {result.ranked_among:,} "
                f"(--all ranks {'and counts ' if not result.total_exact else ''}every match)")
    more = f" (showing {shown:,}; --limit for more)" if result.total > shown else ""
    return f"{matched} {result.query.text}{more}"


def _print_table(result) -> None:  # type: ignore[no-untyped-def]
    from parknews.archive.search import mark

    columns = max(shutil.get_terminal_size((100, 24)).columns, 60)
    indent = " " * 18
    if not result.hits:
        click.echo(f"no articles match {result.query.text}")
        return
    for hit in result.hits:
        day = (hit.published_at or "")[:10] or "-" * 10
        head = f"{hit.rank:>3}  {day}  "
        title = _fit(hit.title or "(untitled)", columns - len(head) - len(hit.site or "") - 3)
        click.echo(head + click.style(title, bold=True) + click.style(f"  {hit.site or ''}", dim=True))
        snippet = _fit(hit.snippet, columns - len(indent))
        spans = [(s, e) for s, e in hit.highlights if e <= len(snippet)]
        click.echo(indent + mark(snippet, spans, "\x00", "\x01").replace("\x00", "\x1b[1;33m").replace("\x01", "\x1b[0m"))
        click.echo(indent + click.style(hit.url, fg="blue"))
    click.echo(summary_line(result))


@click.command()
@click.option("--db", help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
def serve(db: str | None, host: str, port: int) -> None:
    """Browse and search the archive in Datasette, read-only.

    Tables with descriptions, a search box that understands Chinese (上虞 finds
    上虞), facets, and canned queries: search, latest articles, by site, by
    reporter, by month, failures of the last run. Needs the serve extra:
    pip install 'parknews[serve]'.

    \b
    Example:
      parknews serve --db data/demo.db
    """
    from parknews.archive.serve import ServeError, require_datasette, run

    try:
        require_datasette()
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc
    # One clear line on a missing or unreadable archive; brings a writable one's schema up to date.
    conn = open_archive_for_reading(db)
    immutable = getattr(conn, "immutable", False)  # a read-only copy SQLite can only read as immutable
    conn.close()
    from parknews.archive.store import default_db_path

    try:
        run(Path(db) if db else default_db_path(), host=host, port=port, immutable=immutable)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--db", help=DB_HELP)
@click.option("--site", help="Only stories with a copy on this profile's site.")
@click.option("--since", callback=iso_date, help="Only stories first seen on or after this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story, its copies in a list.")
def clusters(db: str | None, site: str | None, since: str | None, as_json: bool) -> None:
    """Stories republished across sites: each story, its first-seen copy and every later copy.

    Copies are articles whose bodies share most of their 5-character shingles (estimated
    Jaccard >= 0.40, see parknews/archive/clusters.py); new headlines, trimmed leads and other
    bylines do not hide a copy. Articles arriving by crawl are clustered as each batch is
    stored; this command first clusters any article not yet seen (imports, reextract).

    \b
    Example:
      parknews clusters --site rentsh --since 2024-01-01
    """
    import sqlite3

    from parknews.archive.clusters import assign_clusters, cluster_rows

    conn = open_archive_for_reading(db)
    try:
        try:
            assign_clusters(conn)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc).replace(" ", "").lower() and "no such table" not in str(exc):
                raise
        try:
            rows = cluster_rows(conn, site=site, since=since)
        except sqlite3.OperationalError as exc:
            raise click.ClickException("this read-only archive predates clusters (schema migration 7): "
                                       "open a writable copy with any parknews command first") from exc
    finally:
        conn.close()
    stories: dict[int, list[dict]] = {}
    for row in rows:
        stories.setdefault(row["cluster_id"], []).append(row)
    if as_json:
        for cluster_id, copies in stories.items():
            click.echo(json.dumps({"cluster_id": cluster_id, "copies": copies}, ensure_ascii=False))
        return
    if not stories:
        click.echo("(no story has more than one copy)")
        return
    for cluster_id, copies in stories.items():
        sites = sorted({c["site"] or "-" for c in copies})
        click.echo(f"story {cluster_id}: {len(copies)} copies on {len(sites)} sites ({', '.join(sites)})")
        for copy in copies:
            mark = "first seen" if copy["first_seen_copy"] else f"similarity {copy['similarity_to_cluster']:.2f}"
            date = (copy["published_at"] or "-")[:16]
            credit = f" · 来源 {copy['credited_source']}" if copy["credited_source"] else ""
            click.echo(f"  {date:<16}  {copy['site'] or '-'}  {copy['title'] or '(no title)'}{credit}  [{mark}]")
            click.echo(f"  {'':<16}  {copy['url']}")


def register(group: click.Group) -> None:
    """Add this module's commands to the ``parknews`` group."""
    group.add_command(search)
    group.add_command(serve)
    group.add_command(clusters)
