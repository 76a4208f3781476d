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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
from w3lib.url import canonicalize_url

from parknews.items import SCHEMA_VERSION, Article, RawPage

DEFAULT_DB = Path("data") / "parknews.db"
ENV_DB = "PARKNEWS_DB"


class StoreError(RuntimeError):
    """The archive cannot be opened or written."""


def archive_fault(exc: BaseException, path: str | Path) -> str:
    """One line for an error that stops writes to the archive: a full disk, a read-only or
    vanished file, an I/O error."""
    text = str(exc) or type(exc).__name__
    errno_ = getattr(exc, "errno", None)
    if errno_ == 28 or "disk is full" in text or "No space left" in text:
        return f"the archive's disk is full (database or disk is full): {path}"
    if "readonly" in text or "read-only" in text:
        return f"the archive cannot be written (read-only): {path}"
    return f"the archive cannot be written ({text}): {path}"


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


#: Record fields added after schema 1.0 (migration 4).
_FIELDS_AFTER_1_0 = ("missing", "notes")


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
    # The columns of record schema 1.0; later fields arrive with the migration that added them.
    db["articles"].create({k: v for k, v in article_columns().items() if k not in _FIELDS_AFTER_1_0}, pk="url")
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


def _fts_tokens_sql(expr: str) -> str:
    """SQL for the text the full-text index holds for ``expr``: the two-character window at
    every character, space-separated ("上虞区" gives "上虞 虞区 区").

    FTS5's unicode61 tokenizer then turns each window into one token (lower-cased, with
    punctuation and spaces dropped: "区，" gives "区"), so a term of n characters is the
    phrase of its n-1 windows and a single character is the prefix query ``"区" *``.
    ``parknews.archive.search`` builds queries this way. Pure SQL, so the triggers below need no
    application function and every connection that writes articles keeps the index in
    step. Changing the windows means rebuilding the index in a new migration: the delete
    trigger must reproduce exactly the text that was indexed.

    Cost: substr() on text walks from the string's start, so cutting a long text into
    pieces at increasing offsets is quadratic (a 5 MB one-line page took a minute). The
    text is instead halved recursively (``parts``: a piece, how many windows start in it,
    its offset) until each piece holds at most 64 windows; every level of halving reads the
    text once, so the cost is n log n. A left half keeps one character more than its
    windows, for the window that straddles the cut. The pieces' windows are read in offset
    order, so the tokens keep the text's order (phrase queries depend on it).
    """
    numbers = "'[" + ",".join("0" * 64) + "]'"  # json_each keys 0..63
    return (
        "(SELECT group_concat(w, ' ') FROM (WITH RECURSIVE parts(p, n, pos) AS ("
        f"SELECT {expr}, length({expr}), 0 UNION ALL "
        "SELECT CASE half WHEN 0 THEN substr(p, 1, n / 2 + 1) ELSE substr(p, n / 2 + 1) END, "
        "CASE half WHEN 0 THEN n / 2 ELSE n - n / 2 END, CASE half WHEN 0 THEN pos ELSE pos + n / 2 END "
        "FROM parts, (SELECT 0 AS half UNION ALL SELECT 1) WHERE n > 64) "
        f"SELECT substr(p, win.key + 1, 2) AS w FROM parts JOIN json_each({numbers}) AS win ON win.key < n "
        "WHERE n <= 64 ORDER BY pos, win.key))"
    )


def _captions_text_sql(expr: str) -> str:
    """SQL: the caption texts of a captions JSON column, one per line."""
    return (f"(SELECT group_concat(json_extract(value, '$.text'), char(10)) "
            f"FROM json_each(CASE WHEN json_valid({expr}) THEN {expr} END))")


def _fts_values_sql(row: str) -> str:
    return ", ".join(
        _fts_tokens_sql(expr)
        for expr in (f"{row}.title", f"{row}.body", _captions_text_sql(f"{row}.captions"))
    )


#: Record fields whose change makes an article "changed" for incremental export:
#: every exported field but fetched_at, which moves on every re-crawl.
_CHANGE_COLUMNS = [f.name for f in dataclasses.fields(Article) if f.name not in ("url", "fetched_at")] + ["schema_version"]
#: The same list as migration 3 knew it (record schema 1.0): a migration never changes with the code.
_CHANGE_COLUMNS_1_0 = [c for c in _CHANGE_COLUMNS if c not in _FIELDS_AFTER_1_0]


def _m3_fulltext(db: sqlite_utils.Database) -> None:
    """Full-text index of title, body and captions (two-character windows, see
    ``_fts_tokens_sql``) and the change log behind incremental export, both kept in step by
    triggers on articles, whatever writes them.

    - ``articles_fts``: contentless FTS5 table, rowid = articles.rowid, columns title, body,
      captions. Queried through ``parknews.archive.search`` (and Datasette through its plugin).
    - ``article_changes``: one row per article URL with ``seq``, a number that grows with
      every insert or change of an exported field; ``parknews export --after`` reads it.
    """
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "title, body, captions, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(f"INSERT INTO articles_fts(rowid, title, body, captions) SELECT rowid, {_fts_values_sql('articles')} FROM articles")
    _create_fts_triggers(db)

    db.execute("CREATE TABLE article_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, changed_at TEXT)")
    db.execute("INSERT INTO article_changes(url, changed_at) SELECT url, updated_at FROM articles ORDER BY url")
    db.execute(f"CREATE TRIGGER article_changes_insert AFTER INSERT ON articles BEGIN {_LOG_CHANGE} END")
    _create_change_trigger(db, _CHANGE_COLUMNS_1_0)


# Delete then insert (not INSERT OR REPLACE): an outer INSERT OR IGNORE would turn a REPLACE here into IGNORE.
_LOG_CHANGE = ("DELETE FROM article_changes WHERE url = new.url; "
               "INSERT INTO article_changes(url, changed_at) VALUES (new.url, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));")


def _create_change_trigger(db: sqlite_utils.Database, columns: list[str]) -> None:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ["url", *columns])
    db.execute("DROP TRIGGER IF EXISTS article_changes_update")
    db.execute(f"CREATE TRIGGER article_changes_update AFTER UPDATE ON articles WHEN {changed} BEGIN {_LOG_CHANGE} END")


def _create_fts_triggers(db: sqlite_utils.Database) -> None:
    insert_new = f"INSERT INTO articles_fts(rowid, title, body, captions) VALUES (new.rowid, {_fts_values_sql('new')});"
    delete_old = (f"INSERT INTO articles_fts(articles_fts, rowid, title, body, captions) "
                  f"VALUES ('delete', old.rowid, {_fts_values_sql('old')});")
    db.execute(f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN {insert_new} END")
    db.execute(f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN {delete_old} END")
    db.execute(
        "CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles WHEN old.rowid IS NOT new.rowid "
        "OR old.title IS NOT new.title OR old.body IS NOT new.body OR old.captions IS NOT new.captions "
        f"BEGIN {delete_old} {insert_new} END"
    )


def _m4_frontier(db: sqlite_utils.Database) -> None:
    """The durable crawl frontier, pages that ever answered, run verdicts; n log n index triggers.

    - ``frontier``: every URL a run decided to fetch and has not fetched yet, written in the
      same transaction as the page that discovered it and deleted in the one that stores
      its answer. Whatever kills a run, the next one starts from it (see SiteSpider.start).
    - ``pages.ok_at``: when the URL last answered with a page (status < 400); kept when a
      later fetch fails, so a run can tell "broke" (it worked before) from "never worked".
    - ``runs.exit_status`` and ``runs.notes``: the verdict the CLI gave and the dead links
      that were only worth a note.
    - ``articles.missing`` and ``articles.notes`` (record schema 1.1).
    - The full-text triggers are recreated with the n log n window SQL; the windows are the
      same, so the index itself stays as it is.
    """
    db.execute(
        "CREATE TABLE frontier (site TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL, "
        "stale_run INTEGER NOT NULL DEFAULT 0, full INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, "
        "last_error TEXT, run_id INTEGER, discovered_at TEXT, PRIMARY KEY (site, key))"
    )
    db["pages"].add_column("ok_at", str)
    db.execute("UPDATE pages SET ok_at = fetched_at WHERE status < 400")
    db["articles"].add_column("missing", str)
    db["articles"].add_column("notes", str)
    _create_change_trigger(db, _CHANGE_COLUMNS)  # record schema 1.1: its new fields are changes too
    db["failures"].add_column("kind", str)
    db["runs"].add_column("exit_status", int)
    db["runs"].add_column("notes", str)
    for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    _create_fts_triggers(db)


def _m5_site_profiles(db: sqlite_utils.Database) -> None:
    """``site_profiles``: the profile a run inferred for a bare home URL (``parknews crawl URL``).

    One row per home URL: the TOML text the run crawled with, the discovery report (JSON) and
    when it was made. The next run of the same URL crawls with the same profile, so runs stay
    comparable; discovery runs again when a run's coverage falls below the thresholds.
    """
    db.execute(
        "CREATE TABLE site_profiles (url TEXT PRIMARY KEY, name TEXT NOT NULL, profile TEXT NOT NULL, "
        "report TEXT, discovered_at TEXT NOT NULL, run_id INTEGER, stale INTEGER NOT NULL DEFAULT 0)"
    )


def _m6_fts_in_batches(db: sqlite_utils.Database) -> None:
    """The full-text index is kept by the store's writers, not by triggers.

    ``save_articles`` makes the two-character windows in Python (``fts_windows``, the same
    text ``_fts_tokens_sql`` made) once per batch and writes them with ``executemany`` in the
    transaction of the rows themselves, so a crash leaves rows and index in step. The windows
    are unchanged, so the index stays as it is; only the triggers go. A write to ``articles``
    outside the store (plain SQL) no longer reaches the index: ``parknews search
    --rebuild-index`` puts it back in step.
    """
    for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def _m7_clusters(db: sqlite_utils.Database) -> None:
    """Syndication clusters: article signatures, their LSH bands, the ``clusters`` view."""
    from parknews.archive.clusters import migrate

    migrate(db)


def _m8_fleet_messages(db: sqlite_utils.Database) -> None:
    """``fleet_messages``: the ids of the fleet messages a writer has stored, written in the same
    transaction as what they carried, so a message delivered twice (the writer killed between its
    commit and its acknowledgement) is stored once."""
    db.execute("CREATE TABLE IF NOT EXISTS fleet_messages (id TEXT PRIMARY KEY, run_id INTEGER, stored_at TEXT)")


#: Numbered migrations. Append, never edit a released one.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m1_initial, _m2_incremental, _m3_fulltext, _m4_frontier, _m5_site_profiles, _m6_fts_in_batches,
    _m7_clusters, _m8_fleet_messages,
]


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date (PRAGMA user_version counts applied migrations)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"archive schema version {version} is newer than this parknews ({len(MIGRATIONS)})")
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
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


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies: the same dicts, lists and scalars."""
    if isinstance(value, (str, int, float, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value) if isinstance(value, tuple) else [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


def article_row(article: Article) -> dict[str, Any]:
    """An Article as an articles-table row (nested values as JSON text)."""
    row: dict[str, Any] = {}
    for key, value in _plain(article).items():
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


def fts_windows(text: str | None) -> str | None:
    """The full-text index's text for ``text``: the two-character window at every character,
    space-separated ("上虞区" gives "上虞 虞区 区"), None for no text. The same text
    ``_fts_tokens_sql`` computes in SQL (``tests/test_fts_batches.py`` holds the two together),
    so an index built either way answers the same and deletes stay exact."""
    if not text:
        return None
    windows = list(map(str.__add__, text, text[1:]))  # text[i] + text[i + 1]
    windows.append(text[-1])
    return " ".join(windows)


def fts_captions_text(captions: str | None) -> str | None:
    """The caption texts of a captions JSON column, one per line (``_captions_text_sql`` in Python)."""
    if not captions:
        return None
    try:
        items = json.loads(captions)
    except ValueError:
        return None
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list):
        return None
    texts = []
    for item in items:
        text = item.get("text") if isinstance(item, dict) else None
        if text is not None:
            texts.append(("1" if text else "0") if isinstance(text, bool) else str(text))
    return "\n".join(texts) if texts else None


def fts_values(title: str | None, body: str | None, captions: str | None) -> tuple[str | None, str | None, str | None]:
    """What the full-text index holds for a row's title, body and captions column."""
    return fts_windows(title), fts_windows(body), fts_windows(fts_captions_text(captions))


_FTS_INSERT = "INSERT INTO articles_fts(rowid, title, body, captions) VALUES (?, ?, ?, ?)"
_FTS_DELETE = "INSERT INTO articles_fts(articles_fts, rowid, title, body, captions) VALUES ('delete', ?, ?, ?, ?)"


def index_rows(conn: sqlite3.Connection, rows: list[tuple[int, str | None, str | None, str | None]]) -> None:
    """Add (rowid, title, body, captions) rows to the full-text index, one executemany."""
    conn.executemany(_FTS_INSERT, [(rowid, *fts_values(t, b, c)) for rowid, t, b, c in rows])


def unindex_rows(conn: sqlite3.Connection, rows: list[tuple[int, str | None, str | None, str | None]]) -> None:
    """Take rows out of the (contentless) full-text index: their exact old values, one executemany."""
    conn.executemany(_FTS_DELETE, [(rowid, *fts_values(t, b, c)) for rowid, t, b, c in rows])


def delete_articles(db: sqlite_utils.Database, urls: list[str]) -> int:
    """Remove article rows and their index entries (one transaction's worth); returns rows removed."""
    conn = db.conn
    old: list[tuple[int, str | None, str | None, str | None]] = []
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        old += conn.execute(f"SELECT rowid, title, body, captions FROM articles WHERE url IN ({','.join('?' * len(chunk))})",
                            chunk).fetchall()
    unindex_rows(conn, old)
    conn.executemany("DELETE FROM articles WHERE rowid = ?", [(r[0],) for r in old])
    return len(old)


_INSERT_SQL: dict[tuple[str, ...], str] = {}
_UPDATE_SQL: dict[tuple[str, ...], str] = {}


def save_article(db: sqlite_utils.Database, article: Article, run_id: int | None, *, revision: bool = True) -> str:
    """Insert or update the article row; returns "new", "updated" or "unchanged".

    When the normalized text changed and ``revision`` is set (a re-crawl, not a
    re-extraction), the previous version is kept in the revisions table. One article's
    ``save_articles``.
    """
    return save_articles(db, [article], run_id, revision=revision)[0]


def save_articles(db: sqlite_utils.Database, articles: list[Article], run_id: int | None, *,
                  revision: bool = True) -> list[str]:
    """``save_article`` for a batch, in the caller's transaction: one look-up of the rows already
    there, the rows written, and their full-text index entries (old ones out, new ones in) with
    one ``executemany`` each. Returns each article's outcome, in order.
    """
    conn = db.conn
    urls = list(dict.fromkeys(a.url for a in articles))
    existing: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        for found in conn.execute(
            "SELECT url, rowid, title, body, captions, published_at, first_seen_at, content_hash, revision_count "
            f"FROM articles WHERE url IN ({','.join('?' * len(chunk))})", chunk,
        ):
            existing[found[0]] = found[1:]
    stamp = now_iso()
    outcomes: list[str] = []
    # Once per row: out with what the archive held before the batch (nothing for a row the
    # batch inserted), in with its last values, so a URL saved twice in one batch stays exact.
    inserted: set[int] = set()
    unindex: dict[int, tuple[int, str | None, str | None, str | None]] = {}
    index: dict[int, tuple[int, str | None, str | None, str | None]] = {}
    revisions: list[tuple[Any, ...]] = []
    for article in articles:
        row = article_row(article)
        new_hash = content_hash(article)
        row.update({"updated_at": stamp, "run_id": run_id, "content_hash": new_hash, "deleted_at": None})
        old = existing.get(article.url)
        if old is None:
            row.update(first_seen_at=stamp, revision_count=0)
            columns = tuple(row)
            sql = _INSERT_SQL.get(columns)
            if sql is None:
                sql = _INSERT_SQL[columns] = (f"INSERT INTO articles ({', '.join(f'[{c}]' for c in columns)}) "
                                              f"VALUES ({', '.join('?' * len(columns))})")
            rowid = conn.execute(sql, tuple(row.values())).lastrowid
            inserted.add(rowid)
            index[rowid] = (rowid, row["title"], row["body"], row["captions"])
            existing[article.url] = (rowid, row["title"], row["body"], row["captions"], row["published_at"],
                                     stamp, new_hash, 0)
            outcomes.append("new")
            continue
        rowid, old_title, old_body, old_captions, old_published, first_seen, old_hash, count = old
        row["first_seen_at"] = first_seen
        row["revision_count"] = count or 0
        changed = (old_hash != new_hash if old_hash
                   else (old_title, old_body, old_published) != (article.title, article.body, article.published_at))
        if changed and revision:
            fields = [name for name, was, now in (("title", old_title, article.title), ("body", old_body, article.body),
                                                  ("published_at", old_published, article.published_at)) if was != now]
            revisions.append((article.url, run_id, stamp, json.dumps(fields), old_title, old_body, old_published,
                              old_hash, new_hash))
            row["revision_count"] += 1
        columns = tuple(row)
        sql = _UPDATE_SQL.get(columns)
        if sql is None:
            sql = _UPDATE_SQL[columns] = (f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in columns)} "
                                          "WHERE rowid = ?")
        conn.execute(sql, (*row.values(), rowid))
        if (old_title, old_body, old_captions) != (row["title"], row["body"], row["captions"]):
            if rowid not in inserted and rowid not in unindex:
                unindex[rowid] = (rowid, old_title, old_body, old_captions)
            index[rowid] = (rowid, row["title"], row["body"], row["captions"])
        existing[article.url] = (rowid, row["title"], row["body"], row["captions"], row["published_at"],
                                 first_seen, new_hash, row["revision_count"])
        outcomes.append("updated" if changed else "unchanged")
    if revisions:
        conn.executemany(
            "INSERT INTO revisions (url, run_id, revised_at, changed, old_title, old_body, old_published_at, "
            "old_hash, new_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revisions)
    unindex_rows(conn, list(unindex.values()))
    index_rows(conn, list(index.values()))
    return outcomes


def mark_deleted(db: sqlite_utils.Database, url: str, run_id: int | None) -> bool:
    """Mark an archived article as gone from the site (404/410 on recheck); the row stays."""
    cursor = db.execute("UPDATE articles SET deleted_at = ?, run_id = ? WHERE url = ? AND deleted_at IS NULL",
                        [now_iso(), run_id, url])
    return cursor.rowcount > 0


def save_page(db: sqlite_utils.Database, page: RawPage, *, encoding: str | None, run_id: int | None) -> None:
    """Store the raw response (latest fetch per URL); ``ok_at`` only moves when it answered."""
    ok = {"ok_at": page.fetched_at} if page.status < 400 else {}
    db["pages"].upsert(
        {
            **ok,
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


# --- the crawl frontier ---------------------------------------------------------------

#: A URL whose fetch failed for a reason that may pass (5xx, timeout, reset) stays in the
#: frontier for this many runs' tries; then it is dropped (its failure rows remain).
FRONTIER_MAX_ATTEMPTS = 3


def url_key(url: str) -> str:
    """The frontier's and the articles table's key of a URL: w3lib-canonical, no fragment."""
    return canonicalize_url(url) if url.startswith(("http://", "https://")) else url


def frontier_add(db: sqlite_utils.Database, site: str, entries: list[dict[str, Any]], run_id: int | None) -> None:
    """Record requests a stored page led to. A URL already waiting keeps its first entry."""
    stamp = now_iso()
    db.conn.executemany(
        "INSERT OR IGNORE INTO frontier (site, key, url, kind, stale_run, full, run_id, discovered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(site, url_key(e["url"]), e["url"], e.get("kind", "article"), int(e.get("stale_run") or 0),
          int(bool(e.get("full"))), run_id, stamp) for e in entries],
    )


def frontier_done(db: sqlite_utils.Database, site: str, urls: list[str]) -> None:
    """These URLs got their answer: they leave the frontier."""
    db.conn.executemany("DELETE FROM frontier WHERE site = ? AND key = ?", [(site, url_key(u)) for u in urls])


def frontier_retry(db: sqlite_utils.Database, site: str, urls: list[str], error: str) -> None:
    """A fetch failed for a passing reason: the URL stays for the next run, up to FRONTIER_MAX_ATTEMPTS tries."""
    keys = [(site, url_key(u)) for u in urls]
    db.conn.executemany("UPDATE frontier SET attempts = attempts + 1, last_error = ? WHERE site = ? AND key = ?",
                        [(error[:300], *k) for k in keys])
    db.conn.executemany("DELETE FROM frontier WHERE site = ? AND key = ? AND attempts >= ?",
                        [(*k, FRONTIER_MAX_ATTEMPTS) for k in keys])


def frontier_prune(db: sqlite_utils.Database, site: str) -> int:
    """Drop article entries whose URL is archived or got a final answer already (a crash can
    leave both). Listing entries stay: listing pages are fetched again on every run, and a
    waiting one is the rest of a walk that a crash cut short."""
    cursor = db.execute(
        "DELETE FROM frontier WHERE site = ? AND kind = 'article' AND (key IN (SELECT url FROM articles WHERE site = ?) "
        "OR url IN (SELECT url FROM pages WHERE site = ? AND kind = 'article' AND status < 500))",
        [site, site, site],
    )
    return cursor.rowcount


def frontier_pending(db: sqlite_utils.Database | sqlite3.Connection, site: str) -> list[dict[str, Any]]:
    """What the site's runs decided to fetch and have not fetched yet, oldest first."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    rows = conn.execute("SELECT url, kind, stale_run, full, attempts FROM frontier WHERE site = ? "
                        "ORDER BY rowid", [site]).fetchall()
    return [{"url": u, "kind": k, "stale_run": st, "full": bool(f), "attempts": a} for u, k, st, f, a in rows]


def known_article_urls(conn: sqlite3.Connection, site: str) -> list[str]:
    """Article URLs a site already has: archived, or fetched with a final answer (4xx, empty)."""
    rows = conn.execute(
        "SELECT url FROM articles WHERE site = ? UNION "
        "SELECT url FROM pages WHERE site = ? AND kind = 'article' AND status < 500", [site, site]).fetchall()
    return [url for (url,) in rows]


def found_since_last_finished_run(conn: sqlite3.Connection, site: str, run_id: int) -> list[str]:
    """Article URLs first archived (or answered, for a page with no article) by run ``run_id`` or
    by the interrupted runs of the site since its last finished one: what this crawl, or the
    crawls it takes over from, found before they were stopped. Listing pages showing them are
    as fresh as they were to the run that would have gone on (``SiteSpider``)."""
    first = conn.execute(
        "SELECT min(id) FROM runs WHERE (profile = ? OR id = ?) AND id > coalesce("
        "(SELECT max(id) FROM runs WHERE profile = ? AND finish_reason = 'finished' AND id != ?), 0)",
        [site, run_id, site, run_id]).fetchone()[0]
    if first is None:
        return []
    # By the run ids of the stored pages, not by time: first_seen_at has one-second steps, and a
    # run that starts in the second its predecessor's last article was stored must not count it.
    rows = conn.execute(
        "SELECT url, final_url FROM pages WHERE site = ? AND kind = 'article' AND run_id >= ?", [site, first]).fetchall()
    return list(dict.fromkeys(u for row in rows for u in row if u))


def recheck_targets(conn: sqlite3.Connection, site: str, days: float) -> list[dict[str, Any]]:
    """The site's live articles published (or first seen) in the last ``days`` days, each with the
    page URL it was fetched from and the validators (ETag, Last-Modified) for a conditional request."""
    since = (datetime.now(timezone.utc) - timedelta(days=days or 0)).date().isoformat()
    rows = conn.execute(
        "SELECT a.url, p.url, p.headers FROM articles a LEFT JOIN pages p ON p.final_url = a.url OR p.url = a.url "
        "WHERE a.site = ? AND a.deleted_at IS NULL AND coalesce(a.published_at, a.first_seen_at) >= ? "
        "GROUP BY a.url ORDER BY a.url", [site, since]).fetchall()
    out = []
    for article_url, page_url, headers_json in rows:
        headers = json.loads(headers_json or "{}")
        conditional = {}
        if headers.get("etag"):
            conditional["If-None-Match"] = headers["etag"]
        if headers.get("last-modified"):
            conditional["If-Modified-Since"] = headers["last-modified"]
        out.append({"url": page_url or article_url, "headers": conditional})
    return out


def save_failure(
    db: sqlite_utils.Database, *, url: str, stage: str, reason: str, run_id: int | None,
    site: str | None = None, status: int | None = None, kind: str | None = None,
) -> None:
    db["failures"].insert(
        {"run_id": run_id, "url": url, "site": site, "stage": stage, "reason": reason[:1000], "status": status,
         "at": now_iso(), "kind": kind}
    )


#: Counters of a run row, kept by the store pipeline.
RUN_COUNTS = (
    "pages_fetched", "pages_not_modified", "articles_new", "articles_updated", "articles_unchanged",
    "articles_failed", "articles_deleted", "articles_skipped", "listing_pages", "listing_failed", "bytes", "failures",
)


def start_run(db: sqlite_utils.Database, profile: str, args: dict[str, Any] | None = None) -> int:
    with db.atomic():
        table = db["runs"].insert(
            {"profile": profile, "started_at": now_iso(), "args": json.dumps(args or {}, ensure_ascii=False)}
        )
    return int(table.last_pk)


def finish_run(db: sqlite_utils.Database, run_id: int, finish_reason: str, counts: dict[str, int]) -> None:
    with db.atomic():
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


def article_filters(
    table: str, *, site: str | None = None, since: str | None = None, until: str | None = None
) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters for the site and publication-date filters that export and
    search share (``until`` compares the day, so a time on that day still counts)."""
    clauses: list[str] = []
    params: list[Any] = []
    if site:
        clauses.append(f"{table}.site = ?")
        params.append(site)
    if since:
        clauses.append(f"{table}.published_at >= ?")
        params.append(since)
    if until:
        clauses.append(f"substr({table}.published_at, 1, 10) <= ?")
        params.append(until)
    return clauses, params


def iter_articles(
    db: sqlite_utils.Database, *, site: str | None = None, since: str | None = None, until: str | None = None,
    after: int | None = None, upto: int | None = None,
) -> Iterator[Article]:
    """Articles in a stable order (URL), optionally filtered by site and publication date.

    ``after``/``upto`` keep only articles whose latest change (``article_changes.seq``, see
    ``change_cursor``) lies in ``(after, upto]``: what changed since a previous export.
    Rows are read one at a time, so memory stays flat on any archive size.
    """
    clauses, params = article_filters("articles", site=site, since=since, until=until)
    join = ""
    if after is not None or upto is not None:
        join = "JOIN article_changes ON article_changes.url = articles.url"
        if after is not None:
            clauses.append("article_changes.seq > ?")
            params.append(after)
        if upto is not None:
            clauses.append("article_changes.seq <= ?")
            params.append(upto)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    for row in db.query(f"SELECT articles.* FROM articles {join} {where} ORDER BY articles.url", params):
        yield row_to_article(row)


def change_cursor(db: sqlite_utils.Database) -> int:
    """The latest change number of the archive: export with ``after=`` this value next time."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM article_changes").fetchone()[0])


# --- profiles inferred for bare home URLs (parknews crawl URL) -------------------------------


def site_profile(db: sqlite_utils.Database, *, url: str | None = None, name: str | None = None) -> dict[str, Any] | None:
    """The stored inferred profile of a home URL (or of a site name), or None."""
    if "site_profiles" not in db.table_names():
        return None
    where, value = ("url = ?", url) if url is not None else ("name = ?", name)
    rows = list(db.query(f"SELECT * FROM site_profiles WHERE {where} ORDER BY discovered_at DESC LIMIT 1", [value]))
    return rows[0] if rows else None


def save_site_profile(db: sqlite_utils.Database, url: str, name: str, profile_toml: str, report: dict[str, Any]) -> None:
    """Keep the profile discovery inferred for ``url`` (replacing an older one), in one transaction."""
    with db.atomic():
        db["site_profiles"].upsert(
            {"url": url, "name": name, "profile": profile_toml, "report": json.dumps(report, ensure_ascii=False),
             "discovered_at": now_iso(), "run_id": None, "stale": 0},
            pk="url",
        )


def mark_site_profile(db: sqlite_utils.Database, url: str, *, run_id: int | None = None, stale: bool | None = None) -> None:
    """Record the run that used a stored profile, or that it should be discovered again."""
    values: dict[str, Any] = {}
    if run_id is not None:
        values["run_id"] = run_id
    if stale is not None:
        values["stale"] = int(stale)
    if values:
        with db.atomic():
            db["site_profiles"].update(url, values)
