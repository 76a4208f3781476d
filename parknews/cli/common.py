"""Pieces shared by the CLI modules: the --db option's help, opening the archive, date options."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import click

DB_HELP = "Archive path (default: $PARKNEWS_DB or data/parknews.db)."


def db_path(value: str | None) -> Path:
    from parknews.archive.store import default_db_path

    return Path(value) if value else default_db_path()


def open_archive(db: str | None, create: bool = True):  # type: ignore[no-untyped-def]
    """The archive as a sqlite-utils Database, or one clean CLI error line."""
    from parknews.archive.store import StoreError, open_db

    try:
        return open_db(db_path(db), create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


# --- reading an archive that may be read-only ---------------------------------------


def _missing(path: Path) -> click.ClickException:
    return click.ClickException(f"no archive at {path} (run 'parknews crawl' or 'parknews demo' first, or pass --db)")


def _writable(path: Path) -> bool:
    """Whether this process may write the archive and create its -wal/-shm files beside it
    (False on a read-only mount even for root: access() reports EROFS)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _is_readonly_error(exc: BaseException | None) -> bool:
    """An SQLite error that means "the file or its -wal/-shm side files cannot be written or created"."""
    if not isinstance(exc, sqlite3.Error):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")):
        return True
    text = str(exc).lower()
    return "unable to open database file" in text or "readonly database" in text


def open_archive_for_reading(db: str | None, *, min_version: int | None = None):  # type: ignore[no-untyped-def]
    """The archive for a command that only reads it.

    A writable archive opens exactly as for any command (``open_archive``: WAL, migrations);
    one this process cannot write (a read-only mount or directory, a read-only copy) opens
    with ``open_archive_readonly``, which writes nothing, not even -wal/-shm files.
    """
    path = db_path(db)
    if not path.exists():
        raise _missing(path)
    if _writable(path):
        from parknews.archive.store import StoreError, open_db

        try:
            return open_db(path, create=False)
        except StoreError as exc:
            if not _is_readonly_error(exc.__cause__):
                raise click.ClickException(str(exc)) from exc
            # Writable on paper, yet SQLite cannot write there (a side file of another user...): read it as it is.
    return open_archive_readonly(db, min_version=min_version)


def _connect(uri: str) -> sqlite3.Connection:
    """Connect and run a first query: a WAL archive only fails once it is read."""
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def open_archive_readonly(db: str | None, *, min_version: int | None = None):  # type: ignore[no-untyped-def]
    """The archive opened read-only, without migrations, or one clean CLI error line.

    ``mode=ro`` first: it reads the -wal of a live archive and sees what a writer commits.
    When SQLite cannot open it so, because the -shm/-wal files it needs cannot be created
    (a read-only filesystem or directory), ``immutable=1``: the file as it is, which is
    right for a copy nobody writes. The schema must be the current one (or at least
    ``min_version``): a read-only archive cannot be upgraded here.

    Returns a sqlite-utils Database whose ``immutable`` attribute says which way it opened.
    """
    import sqlite_utils

    from parknews.archive.store import MIGRATIONS

    path = db_path(db)
    if not path.exists():
        raise _missing(path)
    base = "file:" + quote(str(path.resolve()))
    immutable = False
    try:
        try:
            conn = _connect(base + "?mode=ro")
        except sqlite3.Error as exc:
            if not _is_readonly_error(exc):
                raise
            conn = _connect(base + "?mode=ro&immutable=1")
            immutable = True
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot open archive {path} read-only: {exc}") from exc
    current = len(MIGRATIONS)
    needed = current if min_version is None else min_version
    if version > current:
        conn.close()
        raise click.ClickException(f"archive schema version {version} is newer than this parknews ({current})")
    if version < needed:
        conn.close()
        raise click.ClickException(
            f"archive {path} has schema version {version}, older than this parknews ({current}), and is read-only here: "
            f"open it once where it is writable (any parknews command there upgrades it, e.g. 'parknews runs --db {path.name}')")
    if immutable and wal_has_unapplied_changes(path):
        click.echo(f"warning: {path}-wal holds changes missing from {path}; read-only they cannot be applied, so "
                   "this reads the archive without them (copy both files somewhere writable to include them)", err=True)
    database = sqlite_utils.Database(conn)
    database.immutable = immutable  # type: ignore[attr-defined]
    return database


def wal_has_unapplied_changes(path: Path) -> bool:
    """Whether ``PATH-wal`` holds committed pages that differ from ``PATH`` itself.

    An archive copied with a -wal beside it is read immutable on a read-only filesystem, and
    immutable reads ignore the -wal: harmless after a checkpoint (the pages in it are in the
    main file too), not before. Walks the -wal as SQLite does (header, salts, the running
    checksum, commit frames) and compares the last committed version of each page, and the
    database size, with the main file.
    """
    try:
        with open(f"{path}-wal", "rb") as wal:
            header = wal.read(32)
            if len(header) < 32:
                return False
            magic, _version, page_size, _seq, salt1, salt2, check1, check2 = struct.unpack(">8I", header)
            if magic not in (0x377F0682, 0x377F0683) or page_size < 512 or page_size & (page_size - 1):
                return False
            order = ">" if magic & 1 else "<"
            sums = _wal_checksum(order, header[:24], 0, 0)
            if sums != (check1, check2):
                return False
            pages: dict[int, bytes] = {}
            pending: dict[int, bytes] = {}
            size = None
            while True:
                frame = wal.read(24)
                data = wal.read(page_size)
                if len(frame) < 24 or len(data) < page_size:
                    break
                number, commit, f_salt1, f_salt2, f_check1, f_check2 = struct.unpack(">6I", frame)
                if (f_salt1, f_salt2) != (salt1, salt2):
                    break
                sums = _wal_checksum(order, data, *_wal_checksum(order, frame[:8], *sums))
                if sums != (f_check1, f_check2):
                    break
                pending[number] = data
                if commit:
                    pages.update(pending)
                    pending.clear()
                    size = commit
        if size is None:
            return False
        with open(path, "rb") as main:
            if os.fstat(main.fileno()).st_size != size * page_size:
                return True
            for number, data in pages.items():
                main.seek((number - 1) * page_size)
                if main.read(page_size) != data:
                    return True
    except OSError:
        return False
    return False


def _wal_checksum(order: str, data: bytes, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continuing from ``s0, s1``."""
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for first, second in zip(words[::2], words[1::2], strict=True):
        s0 = (s0 + first + s1) & 0xFFFFFFFF
        s1 = (s1 + second + s0) & 0xFFFFFFFF
    return s0, s1


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback: a YYYY-MM-DD option value, checked."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-10-12") from None


def emit(record: dict, out=None) -> None:  # type: ignore[no-untyped-def]
    """One JSON Lines record (UTF-8 as is, no ASCII escapes) on ``out`` or standard output."""
    (out or sys.stdout).write(json.dumps(record, ensure_ascii=False) + "\n")
