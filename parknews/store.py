"""The SQLite archive: its one door. Schema through numbered migrations, save_* writers, readers.

Tables:
- ``articles``: one row per article, keyed by canonical URL; columns derive from
  ``parknews.items.Article`` (lists and nested records as JSON text).
- ``pages``: the raw response of every page fetched (zlib-compressed body, headers,
  status, final URL, encoding), latest fetch per URL, so articles can be re-extracted.
- ``runs``: one row per crawl run. ``failures``: one row per page that failed, with stage and reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from parknews.items import SCHEMA_VERSION, Article, RawPage

DEFAULT_DB = Path("data") / "parknews.db"
ENV_DB = "PARKNEWS_DB"


class StoreError(RuntimeError):
    """The archive cannot be opened or written."""


def default_db_path() -> Path:
    """``$PARKNEWS_DB`` or ``data/parknews.db`` under the current directory."""
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- schema ------------------------------------------------------------------------

_JSON_TYPES = (list, dict)


def article_columns() -> dict[str, type]:
    """SQLite column types of the articles table, derived from the Article dataclass."""
    columns: dict[str, type] = {}
    for f in dataclasses.fields(Article):
        columns[f.name] = str  # scalars are TEXT; lists/records are JSON TEXT
    columns.update({"schema_version": str, "first_seen_at": str, "updated_at": str, "run_id": int})
    return columns


def _m1_initial(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "profile": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "articles_failed": int,
            "listing_pages": int,
            "listing_failed": int,
            "bytes": int,
            "failures": int,
            "args": str,
        },
        pk="id",
    )
    db["pages"].create(
        {
            "url": str,
            "final_url": str,
            "site": str,
            "kind": str,
            "status": int,
            "headers": str,
            "body": bytes,
            "body_size": int,
            "encoding": str,
            "fetched_at": str,
            "run_id": int,
        },
        pk="url",
    )
    db["articles"].create(article_columns(), pk="url")
    db["failures"].create(
        {"id": int, "run_id": int, "url": str, "site": str, "stage": str, "reason": str, "status": int, "at": str},
        pk="id",
    )
    db["articles"].create_index(["site", "published_at"])
    db["articles"].create_index(["published_at"])
    db["failures"].create_index(["run_id"])
    db["pages"].create_index(["site", "kind"])


def _m2_incremental(db: sqlite_utils.Database) -> None:
    """Incremental crawls: content hashes, deletions, revisions, run coverage and job dirs."""
    articles = db["articles"]
    articles.add_column("content_hash", str)
    articles.add_column("deleted_at", str)
    articles.add_column("revision_count", int)
    db["revisions"].create(
        {"id": int, "url": str, "run_id": int, "revised_at": str, "changed": str,
         "old_title": str, "old_body": str, "old_published_at": str, "old_hash": str, "new_hash": str},
        pk="id",
    )
    db["revisions"].create_index(["url"])
    runs = db["runs"]
    for column, kind in (("pages_not_modified", int), ("articles_deleted", int), ("articles_skipped", int),
                         ("coverage", str), ("warnings", str), ("jobdir", str), ("mode", str)):
        runs.add_column(column, kind)


#: Numbered migrations. Append, never edit a released one.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m1_initial, _m2_incremental]


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date (PRAGMA user_version counts applied migrations)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"archive schema version {version} is newer than this parknews ({len(MIGRATIONS)})")
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.conn:
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")


def open_db(path: str | Path | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and if needed create) the archive with WAL and the current schema."""
    path = Path(path) if path else default_db_path()
    if not create and not path.exists():
        raise StoreError(f"no archive at {path} (run 'parknews crawl' or 'parknews demo' first, or pass --db)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        ensure_db_shape(db)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open archive {path}: {exc}") from exc
    return db


# --- writers -----------------------------------------------------------------------


def article_row(article: Article) -> dict[str, Any]:
    """An Article as an articles-table row (nested values as JSON text)."""
    row: dict[str, Any] = {}
    for key, value in dataclasses.asdict(article).items():
        row[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, _JSON_TYPES) else value
    row["schema_version"] = SCHEMA_VERSION
    return row


def row_to_article(row: dict[str, Any]) -> Article:
    """Inverse of article_row."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(Article):
        value = row.get(f.name)
        if isinstance(value, str) and f.name in _JSON_FIELDS:
            value = json.loads(value)
        data[f.name] = value
    return Article.from_dict(data)


#: Fields stored as JSON text: the lists and nested records (those with a default factory).
_JSON_FIELDS = {f.name for f in dataclasses.fields(Article) if f.default_factory is not dataclasses.MISSING}


def content_hash(article: Article) -> str:
    """Hash of the normalized text (title, body, date): what counts as a revision."""
    text = "\n".join(" ".join((part or "").split()) for part in (article.title, article.body, article.published_at))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def save_article(db: sqlite_utils.Database, article: Article, run_id: int | None, *, revision: bool = True) -> str:
    """Insert or update the article row; returns "new", "updated" or "unchanged".

    When the normalized text changed and ``revision`` is set (a re-crawl, not a
    re-extraction), the previous version is kept in the revisions table.
    """
    row = article_row(article)
    new_hash = content_hash(article)
    existing = db.execute(
        "SELECT title, body, published_at, first_seen_at, content_hash, revision_count FROM articles WHERE url = ?",
        [article.url],
    ).fetchone()
    stamp = now_iso()
    row.update({"updated_at": stamp, "run_id": run_id, "content_hash": new_hash, "deleted_at": None})
    if existing is None:
        row.update(first_seen_at=stamp, revision_count=0)
        db["articles"].insert(row)
        return "new"
    old_title, old_body, old_published, first_seen, old_hash, revisions = existing
    row["first_seen_at"] = first_seen
    row["revision_count"] = revisions or 0
    changed = old_hash != new_hash if old_hash else (old_title, old_body, old_published) != (article.title, article.body, article.published_at)
    if changed and revision:
        fields = [name for name, old, new in (("title", old_title, article.title), ("body", old_body, article.body),
                                              ("published_at", old_published, article.published_at)) if old != new]
        db["revisions"].insert({
            "url": article.url, "run_id": run_id, "revised_at": stamp, "changed": json.dumps(fields),
            "old_title": old_title, "old_body": old_body, "old_published_at": old_published,
            "old_hash": old_hash, "new_hash": new_hash,
        })
        row["revision_count"] = row["revision_count"] + 1
    db["articles"].update(article.url, row)
    return "updated" if changed else "unchanged"


def mark_deleted(db: sqlite_utils.Database, url: str, run_id: int | None) -> bool:
    """Mark an archived article as gone from the site (404/410 on recheck); the row stays."""
    cursor = db.execute("UPDATE articles SET deleted_at = ?, run_id = ? WHERE url = ? AND deleted_at IS NULL",
                        [now_iso(), run_id, url])
    return cursor.rowcount > 0


def save_page(db: sqlite_utils.Database, page: RawPage, *, encoding: str | None, run_id: int | None) -> None:
    """Store the raw response (latest fetch per URL)."""
    db["pages"].upsert(
        {
            "url": page.url,
            "final_url": page.final_url,
            "site": page.site,
            "kind": page.kind,
            "status": page.status,
            "headers": json.dumps(page.headers, ensure_ascii=False),
            "body": zlib.compress(page.body, 6),
            "body_size": len(page.body),
            "encoding": encoding,
            "fetched_at": page.fetched_at,
            "run_id": run_id,
        },
        pk="url",
    )


def save_failure(
    db: sqlite_utils.Database, *, url: str, stage: str, reason: str, run_id: int | None,
    site: str | None = None, status: int | None = None,
) -> None:
    db["failures"].insert(
        {"run_id": run_id, "url": url, "site": site, "stage": stage, "reason": reason[:1000], "status": status, "at": now_iso()}
    )


#: Counters of a run row, kept by the store pipeline.
RUN_COUNTS = (
    "pages_fetched", "pages_not_modified", "articles_new", "articles_updated", "articles_unchanged",
    "articles_failed", "articles_deleted", "articles_skipped", "listing_pages", "listing_failed", "bytes", "failures",
)


def start_run(db: sqlite_utils.Database, profile: str, args: dict[str, Any] | None = None) -> int:
    with db.conn:
        table = db["runs"].insert(
            {"profile": profile, "started_at": now_iso(), "args": json.dumps(args or {}, ensure_ascii=False)}
        )
    return int(table.last_pk)


def finish_run(db: sqlite_utils.Database, run_id: int, finish_reason: str, counts: dict[str, int]) -> None:
    with db.conn:
        db["runs"].update(run_id, {"finished_at": now_iso(), "finish_reason": finish_reason, **counts})


# --- readers -----------------------------------------------------------------------


def load_page_body(row: dict[str, Any]) -> bytes:
    return zlib.decompress(row["body"])


def iter_article_pages(
    db: sqlite_utils.Database, site: str | None = None, columns: str = "*"
) -> Iterator[dict[str, Any]]:
    """Stored article pages (status 200), for re-extraction."""
    where = "kind = 'article' AND status = 200"
    params: list[Any] = []
    if site:
        where += " AND site = ?"
        params.append(site)
    yield from db.query(f"SELECT {columns} FROM pages WHERE {where} ORDER BY url", params)


def iter_articles(
    db: sqlite_utils.Database, *, site: str | None = None, since: str | None = None, until: str | None = None
) -> Iterator[Article]:
    """Articles in a stable order (URL), optionally filtered by site and publication date."""
    clauses, params = [], []
    if site:
        clauses.append("site = ?")
        params.append(site)
    if since:
        clauses.append("published_at >= ?")
        params.append(since)
    if until:
        clauses.append("substr(published_at, 1, 10) <= ?")
        params.append(until)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    for row in db.query(f"SELECT * FROM articles {where} ORDER BY url", params):
        yield row_to_article(row)
