"""Read-only archives: a researcher's copy on a read-only mount serves export, search, runs and serve.

The crawled archive is copied (after a WAL checkpoint) onto a small tmpfs that is then remounted
read-only, so not even root can write there; as a non-root user, a directory of mode 0555 with
files of mode 0444 does the same. Every reading command runs through the real CLI and must give
what it gives on the writable original, without a -wal or -shm file appearing on the mount.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, run_cli
from parknews.archive.store import MIGRATIONS

SEED_TITLE = "从产业链、创新链发力生物医药产业上虞生命健康产业向“新”而行"
TERM = "上虞"
CURRENT = len(MIGRATIONS)


@dataclass
class Copies:
    """The read-only copies, each ``archive.db`` in its own directory under ``root``."""

    root: Path
    really_mounted: bool

    def db(self, case: str) -> Path:
        return self.root / case / "archive.db"


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _make_copies(archive: Path, source: Path, root: Path) -> None:
    """The cases, each in its own directory under ``root``:

    - ``plain``: only the .db, copied after a checkpoint (what a researcher usually gets);
    - ``leftover``: the .db with the -wal beside it, whose pages are all checkpointed into the .db;
    - ``unapplied``: the .db with a -wal holding a committed change the .db lacks;
    - ``old`` / ``newer``: the .db with an older / newer schema version than this parknews.
    """
    with closing(sqlite3.connect(archive)) as original, closing(sqlite3.connect(source)) as copy:
        original.backup(copy)  # page for page: rowids (and so the full-text index) as they are
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        assert conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
        conn.execute("PRAGMA wal_autocheckpoint = 0")

        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root / "plain").mkdir()
        shutil.copyfile(source, root / "plain" / "archive.db")

        conn.execute("CREATE TABLE scratch (x)")  # frames in the -wal that change no record
        conn.execute("DROP TABLE scratch")
        busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and frames > 0 and done == frames
        (root / "leftover").mkdir()
        for suffix in ("", "-wal"):
            shutil.copyfile(f"{source}{suffix}", root / "leftover" / f"archive.db{suffix}")

        conn.execute("UPDATE articles SET title = 'changed after the copy' WHERE title = ?", [SEED_TITLE])
        (root / "unapplied").mkdir()
        for suffix in ("", "-wal"):
            shutil.copyfile(f"{source}{suffix}", root / "unapplied" / f"archive.db{suffix}")
    finally:
        conn.close()
    for case, version in (("old", CURRENT - 1), ("newer", CURRENT + 1)):
        (root / case).mkdir()
        shutil.copyfile(root / "plain" / "archive.db", root / case / "archive.db")
        with closing(sqlite3.connect(root / case / "archive.db")) as changed:
            changed.execute(f"PRAGMA user_version = {version}")
        for suffix in ("-wal", "-shm"):
            Path(f"{root / case / 'archive.db'}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def copies(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    """The copies on a read-only tmpfs (root) or in mode-0555 directories (anyone else)."""
    base = tmp_path_factory.mktemp("readonly")
    root = base / "mnt"
    root.mkdir()
    mounted = os.geteuid() == 0
    if mounted:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(root)], check=True)
    try:
        _make_copies(archive, base / "source.db", root)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        else:
            for directory in root.iterdir():
                for file in directory.iterdir():
                    file.chmod(0o444)
                directory.chmod(0o555)
            root.chmod(0o555)
        yield Copies(root, mounted)
    finally:
        if mounted:
            if subprocess.run(["umount", str(root)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(root)], check=True)
        else:
            for directory in [root, *root.iterdir()]:
                directory.chmod(0o755)


@pytest.fixture(scope="module")
def original(archive: Path) -> dict[str, str]:
    """What the reading commands print on the writable original."""
    out = {}
    for name, args in {"export": ["export"], "search": ["search", TERM, "--json"], "search_table": ["search", TERM],
                       "runs": ["runs"], "runs_json": ["runs", "--json"]}.items():
        result = run_cli(*args, "--db", str(archive))
        assert result.returncode == 0, result.stderr
        out[name] = result.stdout
    return out


def _ok(*args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_copies_are_really_read_only(copies: Copies) -> None:
    from parknews.archive.store import StoreError, open_db

    with pytest.raises(OSError):
        (copies.root / "plain" / "probe").write_text("x")
    # What every reading command met before: the writable open of a WAL archive.
    with pytest.raises(StoreError, match="unable to open database file|readonly database"):
        open_db(copies.db("plain"), create=False)
    assert _names(copies.root / "plain") == ["archive.db"]
    assert os.path.getsize(copies.db("leftover").with_name("archive.db-wal")) > 32  # frames, not just a header


@pytest.mark.parametrize("case", ["plain", "leftover"])
def test_export_gives_the_same_records(copies: Copies, original: dict[str, str], case: str, tmp_path: Path) -> None:
    before = _names(copies.db(case).parent)
    result = _ok("export", "--db", str(copies.db(case)))
    assert result.stdout == original["export"]
    assert len(result.stdout.splitlines()) == 15
    assert "exported 15 articles" in result.stderr and "warning" not in result.stderr
    out = tmp_path / "out" / "articles.jsonl"
    out.parent.mkdir()
    cursor_file = tmp_path / "cursor"
    result = _ok("export", "--db", str(copies.db(case)), "-o", str(out), "--cursor-file", str(cursor_file))
    assert out.read_text("utf-8") == original["export"]
    assert cursor_file.read_text().strip().isdigit()
    again = _ok("export", "--db", str(copies.db(case)), "--cursor-file", str(cursor_file))
    assert again.stdout == "" and "exported 0 articles" in again.stderr
    assert _names(copies.db(case).parent) == before  # no -wal, no -shm


@pytest.mark.parametrize("case", ["plain", "leftover"])
def test_search_gives_the_same_results(copies: Copies, original: dict[str, str], case: str) -> None:
    before = _names(copies.db(case).parent)
    result = _ok("search", TERM, "--json", "--db", str(copies.db(case)))
    assert result.stdout == original["search"]
    assert SEED_TITLE in [json.loads(line)["title"] for line in result.stdout.splitlines()]
    assert _ok("search", TERM, "--db", str(copies.db(case))).stdout == original["search_table"]
    assert _names(copies.db(case).parent) == before


def test_search_rebuild_index_still_writes_so_it_says_it_cannot(copies: Copies) -> None:
    line = _one_error_line(run_cli("search", "--rebuild-index", "--db", str(copies.db("plain"))))
    assert line.startswith("Error: cannot open archive")
    assert _names(copies.root / "plain") == ["archive.db"]


def test_runs_as_table_and_json(copies: Copies, original: dict[str, str]) -> None:
    db = str(copies.db("plain"))
    assert _ok("runs", "--db", db).stdout == original["runs"]
    result = _ok("runs", "--json", "--db", db)
    assert result.stdout == original["runs_json"]
    assert [json.loads(line)["profile"] for line in result.stdout.splitlines()] == ["rentsh"]
    assert _names(copies.root / "plain") == ["archive.db"]


def test_a_wal_with_changes_missing_from_the_copy_is_reported(copies: Copies, original: dict[str, str]) -> None:
    """Read-only, SQLite cannot apply a -wal it has no -shm for: the copy reads as its .db, and says so."""
    result = _ok("export", "--db", str(copies.db("unapplied")))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "archive.db-wal holds changes missing from" in warnings[0]
    assert result.stdout == original["export"]
    assert _names(copies.root / "unapplied") == ["archive.db", "archive.db-wal"]


def test_schema_versions_a_read_only_archive_cannot_take(copies: Copies) -> None:
    old = str(copies.db("old"))
    for args in (["export"], ["search", TERM], ["serve", "--port", "0"]):
        line = _one_error_line(run_cli(*args, "--db", old))
        assert f"has schema version {CURRENT - 1}, older than this parknews ({CURRENT}), and is read-only here" in line, args
        assert "open it once where it is writable" in line
    assert _ok("runs", "--db", old).stdout.splitlines()[1].split()[1] == "rentsh"  # runs needs no newer schema
    line = _one_error_line(run_cli("export", "--db", str(copies.db("newer"))))
    assert line == f"Error: archive schema version {CURRENT + 1} is newer than this parknews ({CURRENT})"
    assert _one_error_line(run_cli("runs", "--db", str(copies.root / "plain" / "missing.db"))).startswith(
        "Error: no archive at ")
    assert _names(copies.root / "old") == ["archive.db"] and _names(copies.root / "newer") == ["archive.db"]


def test_open_archive_for_reading_keeps_the_writable_path(archive: Path, copies: Copies, tmp_path: Path) -> None:
    from parknews.cli.common import open_archive_for_reading, open_archive_readonly

    writable = tmp_path / "archive.db"
    with closing(sqlite3.connect(archive)) as src, closing(sqlite3.connect(writable)) as dst:
        src.backup(dst)
    conn = open_archive_for_reading(str(writable))
    assert not hasattr(conn, "immutable")  # the writable open, as before
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert _names(tmp_path) == ["archive.db"]  # its own -wal and -shm gone on close, as before
    conn = open_archive_readonly(str(writable))
    assert conn.immutable is False  # mode=ro where SQLite can make its side files
    conn.close()
    conn = open_archive_for_reading(str(copies.db("plain")))
    assert conn.immutable is True
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 15
    conn.close()


@pytest.fixture()
def served(copies: Copies) -> Iterator[str]:
    """``parknews serve`` on the read-only plain copy; yields the base URL."""
    pytest.importorskip("datasette")
    proc = subprocess.Popen([sys.executable, "-m", "parknews.cli", "serve", "--db", str(copies.db("plain")), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        url = line.split(" at ", 1)[1].split()[0]
        yield url.split("/archive/", 1)[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            assert "Traceback" not in proc.stderr.read()
            proc.stderr.close()
        if proc.stdout:
            proc.stdout.close()


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        assert response.status == 200, url
        return response.read().decode("utf-8")


def test_serve_browses_and_searches_a_read_only_copy(served: str, copies: Copies) -> None:
    assert "archive" in _fetch(served + "/")
    assert SEED_TITLE in _fetch(served + "/archive/articles?_sort=url&_size=max")
    found = _fetch(served + f"/archive/articles?_search={quote(TERM)}")
    assert SEED_TITLE in found and "2 rows" in found
    hits = json.loads(_fetch(served + f"/archive/search.json?_shape=array&q={quote(TERM)}"))
    assert hits[0]["title"] == SEED_TITLE
    assert _names(copies.root / "plain") == ["archive.db"]


def test_mount_mode_is_what_the_module_says(copies: Copies) -> None:
    """Root gets a read-only filesystem; anyone else directories they cannot write."""
    if copies.really_mounted:
        assert os.statvfs(copies.root).f_flag & os.ST_RDONLY
    else:
        assert not stat.S_IMODE(copies.root.stat().st_mode) & 0o222
