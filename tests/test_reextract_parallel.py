"""``parknews reextract`` on all cores: worker processes extract, the parent writes, and the
archive ends up exactly as a one-process run leaves it (rows, failure rows, full-text index)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import run_cli
from parknews.archive.reextract import reextract_archive
from parknews.archive.store import now_iso, open_db, save_page
from parknews.items import RawPage

IGNORED = {"updated_at", "first_seen_at", "fetched_at"}  # stamps of when the rows were written


def _copy(archive: Path, to: Path) -> Path:
    conn = sqlite3.connect(archive)
    conn.execute("VACUUM INTO ?", [str(to)])
    conn.close()
    return to


def _with_bad_pages(path: Path) -> None:
    """Two stored article pages with no article in them (a navigation stub, a script-only page):
    re-extraction must record each as a failure, in URL order, whatever the workers' timing."""
    db = open_db(path, create=False)
    stub = ("<html><head><meta charset='gbk'><title>导航</title><script>var x = '&nbsp;';</script></head>"
            "<body><div style='display:none'><ul><li><a href='/a'>首页</a></li></ul></div></body></html>").encode("gbk")
    with db.atomic():
        for name, body in (("0-stub", stub), ("zz-script", b"<html><body><script>document.write(1)</script></body></html>")):
            url = f"http://127.0.0.1:9/post/{name}.html"
            save_page(db, RawPage(url=url, final_url=url, status=200, headers={"content-type": "text/html"},
                                  body=body, kind="article", fetched_at=now_iso(), site="rentsh"),
                      encoding=None, run_id=1)
    db.close()


def _state(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(articles)") if r[1] not in IGNORED]
    state = {
        "articles": conn.execute(f"SELECT rowid, {', '.join(columns)} FROM articles ORDER BY rowid").fetchall(),
        "failures": conn.execute("SELECT id, run_id, url, site, stage, reason FROM failures ORDER BY id").fetchall(),
        "revisions": conn.execute("SELECT count(*) FROM revisions").fetchall(),
    }
    conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, 'instance')")
    state["index"] = conn.execute("SELECT term, doc, col, offset FROM temp.v ORDER BY doc, col, offset").fetchall()
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    conn.close()
    return state


def test_workers_leave_the_archive_as_one_process_does(archive: Path, tmp_path: Path) -> None:
    one = _copy(archive, tmp_path / "one.db")
    many = _copy(archive, tmp_path / "many.db")
    for path in (one, many):
        _with_bad_pages(path)
        conn = sqlite3.connect(path)
        with conn:  # start from empty records, so every one is written again ("new")
            conn.execute("DELETE FROM articles")
            conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
        conn.close()
    counts = {}
    for path, jobs in ((one, 1), (many, 2)):
        db = open_db(path, create=False)
        counts[jobs] = reextract_archive(db, batch_size=3, jobs=jobs)  # 17 pages: several batches in flight
        db.close()
    # The crawled archive's 15 article pages (one with an empty body) and the two stubs.
    assert counts[1] == counts[2] == {"pages": 17, "new": 15, "updated": 0, "unchanged": 0, "failed": 2}
    a, b = _state(one), _state(many)
    reextract_failures = [f for f in a["failures"] if f[4] == "reextract"]
    assert len(a["articles"]) == 15 and len(reextract_failures) == 2
    assert {"http://127.0.0.1:9/post/0-stub.html", "http://127.0.0.1:9/post/zz-script.html"} <= \
        {f[2] for f in reextract_failures}
    assert all(f[5] for f in reextract_failures)  # each with its reason
    assert a == b


def test_reextract_command_takes_jobs(archive: Path, tmp_path: Path) -> None:
    db = _copy(archive, tmp_path / "cli.db")
    result = run_cli("reextract", "--db", str(db), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "re-extracted 15 stored pages: 0 new, 0 changed, 15 unchanged, 0 failed" in result.stdout
    bad = run_cli("reextract", "--db", str(db), "--jobs", "0")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    errors = [line for line in bad.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "--jobs" in errors[0]
