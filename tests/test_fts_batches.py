"""The full-text index kept in batches by the store (migration 6), not by per-row triggers.

Evidence that nothing a user sees changes: the same writes made once through the old trigger
design (migration 4's triggers put back on a copy) and once through ``store.save_articles``
give the same index, token for token (FTS5's own vocabulary table), and the same search
results; a crash in the middle of a batch leaves neither rows nor index entries behind.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_search import QUERIES

from parknews.archive.search import rebuild_index, search
from parknews.archive.store import (
    _captions_text_sql,
    _create_fts_triggers,
    _fts_tokens_sql,
    delete_articles,
    fts_captions_text,
    fts_windows,
    open_db,
    row_to_article,
    save_article,
    save_articles,
)
from parknews.items import Article, Caption

ROOT = Path(__file__).resolve().parent.parent


def _vocabulary(conn: sqlite3.Connection) -> list[tuple]:
    """Every (token, rowid, column, offset) the index holds: the index itself, compared exactly."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_v USING fts5vocab(main, articles_fts, 'instance')")
    return conn.execute("SELECT term, doc, col, offset FROM temp.fts_v ORDER BY doc, col, offset").fetchall()


def _results(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    out = {}
    for query, _, _ in QUERIES:
        result = search(conn, query, limit=None)
        out[query] = [(h.url, round(h.score, 9), h.snippet, tuple(map(tuple, h.highlights))) for h in result.hits]
        out[query].append(("total", result.total))
    return out


def _articles(db_path: Path) -> list[Article]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM articles ORDER BY url")]
    conn.close()
    return [row_to_article(r) for r in rows]


def _trigger_archive(path: Path) -> sqlite3.Connection:
    """A fresh archive with migration 4's per-row triggers put back: today's index, as it was kept."""
    db = open_db(path)
    _create_fts_triggers(db)
    db.conn.commit()
    return db.conn


def _writes(articles: list[Article]) -> list[tuple[str, list[Article]]]:
    """A history of batches: inserts, edits of title/body/captions, a re-save unchanged, a URL
    written twice in one batch, deletes."""
    rng = random.Random(15)
    edited = [dataclasses.replace(a, title=a.title + "（更新）", body="上虞 临港 " + a.body[: len(a.body) // 2],
                                  captions=[Caption(text="园区航拍图，张江")]) for a in articles[::3]]
    twice = [dataclasses.replace(articles[1], body="第一版 量子计算"), dataclasses.replace(articles[1], body="第二版 钙钛矿")]
    shuffled = articles[:]
    rng.shuffle(shuffled)
    return [("save", articles[: len(articles) // 2]), ("save", articles[len(articles) // 2 :]),
            ("save", edited), ("save", shuffled[:5]), ("save", twice), ("delete", articles[2:4]),
            ("save", articles[2:3])]


def _apply_with_triggers(conn: sqlite3.Connection, history: list[tuple[str, list[Article]]]) -> None:
    from parknews.archive.store import article_row

    for op, batch in history:
        with conn:
            for article in batch:
                if op == "delete":
                    conn.execute("DELETE FROM articles WHERE url = ?", [article.url])
                    continue
                row = article_row(article)
                if conn.execute("SELECT 1 FROM articles WHERE url = ?", [article.url]).fetchone():
                    conn.execute(f"UPDATE articles SET {', '.join(f'[{k}] = ?' for k in row)} WHERE url = ?",
                                 [*row.values(), article.url])
                else:
                    conn.execute(f"INSERT INTO articles ({', '.join(f'[{k}]' for k in row)}) "
                                 f"VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _apply_with_store(path: Path, history: list[tuple[str, list[Article]]]) -> sqlite3.Connection:
    db = open_db(path)
    for op, batch in history:
        with db.atomic():
            if op == "delete":
                assert delete_articles(db, [a.url for a in batch]) == len(batch)
            else:
                save_articles(db, batch, run_id=None)
    return db.conn


def test_migration_drops_the_triggers(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert not {n for n in names if n.startswith("articles_fts")}
    assert "article_changes_insert" in names  # the change log keeps its triggers


def test_python_windows_equal_the_trigger_sql() -> None:
    conn = sqlite3.connect(":memory:")
    rng = random.Random(6)
    alphabet = "上虞区生命健康 ，。“”AaZz09_-\n\t😀𠀀"
    samples = [None, "", "x", "上虞区", "2024上虞 AI，Biotech"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(300)]
    for text in samples:
        assert conn.execute(f"SELECT {_fts_tokens_sql(':t')}", {"t": text}).fetchone()[0] == fts_windows(text), text
    captions = [None, "", "[]", "not json", '[{"text": "航拍图"}, {"text": null}, {"text": ""}, {"credit": "x"}]',
                '[{"text": "一"}, {"text": "二，三"}]', '[{"text": 5}]']
    for value in captions:
        assert conn.execute(f"SELECT {_captions_text_sql(':c')}", {"c": value}).fetchone()[0] == fts_captions_text(value)


def test_batched_index_equals_the_trigger_index_token_for_token(archive: Path, tmp_path: Path) -> None:
    articles = _articles(archive)
    assert len(articles) == 15
    history = _writes(articles)
    old = _trigger_archive(tmp_path / "triggers.db")
    _apply_with_triggers(old, history)
    new = _apply_with_store(tmp_path / "batches.db", history)
    for conn in (old, new):
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert old.execute("SELECT url, rowid FROM articles ORDER BY url").fetchall() == \
        new.execute("SELECT url, rowid FROM articles ORDER BY url").fetchall()
    vocabulary = _vocabulary(new)
    assert vocabulary == _vocabulary(old)
    assert any(term == "钙钛" for term, *_ in vocabulary)  # the last of the two versions saved in one batch
    assert not any(term == "量子" for term, *_ in vocabulary)
    assert _results(new) == _results(old)
    # Rebuilding from the rows gives the same index again.
    rebuild_index(new)
    assert _vocabulary(new) == vocabulary


def test_the_crawled_archive_searches_as_its_trigger_built_twin(archive: Path, tmp_path: Path) -> None:
    """The fixture archive (crawled through StorePipeline, so batched) against the same rows
    indexed by the trigger SQL."""
    twin = tmp_path / "twin.db"
    src = sqlite3.connect(archive)
    src.execute("VACUUM INTO ?", [str(twin)])
    src.close()
    conn = sqlite3.connect(twin)
    from parknews.archive.store import _fts_values_sql

    with conn:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
        conn.execute(f"INSERT INTO articles_fts(rowid, title, body, captions) SELECT rowid, {_fts_values_sql('articles')} "
                     "FROM articles")
    crawled = sqlite3.connect(archive)
    assert _vocabulary(crawled) == _vocabulary(conn)
    assert _results(crawled) == _results(conn)


def test_outcomes_and_revisions_of_a_batch(tmp_path: Path, archive: Path) -> None:
    articles = _articles(archive)[:4]
    db = open_db(tmp_path / "a.db")
    with db.atomic():
        assert save_articles(db, articles, run_id=1) == ["new"] * 4
    changed = dataclasses.replace(articles[0], body=articles[0].body + " 新增一段")
    with db.atomic():
        assert save_articles(db, [changed, articles[1], changed], run_id=2) == ["updated", "unchanged", "unchanged"]
        assert save_article(db, articles[0], run_id=3, revision=False) == "updated"
    assert db.execute("SELECT count(*) FROM revisions").fetchone()[0] == 1
    assert db.execute("SELECT revision_count FROM articles WHERE url = ?", [articles[0].url]).fetchone()[0] == 1
    assert {h.url for h in search(db.conn, "新增一段", limit=None).hits} == set()
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


CRASH = textwrap.dedent("""
    import os, sys, dataclasses
    from parknews.archive.store import open_db, save_articles, row_to_article
    import sqlite3
    src = sqlite3.connect(sys.argv[2]); src.row_factory = sqlite3.Row
    articles = [row_to_article(dict(r)) for r in src.execute("SELECT * FROM articles ORDER BY url")]
    db = open_db(sys.argv[1])
    with db.atomic():
        save_articles(db, articles[:7], run_id=1)
    db.conn.execute("BEGIN")
    save_articles(db, [dataclasses.replace(a, body="崩溃前 " + a.body) for a in articles[:3]] + articles[7:], run_id=2)
    os._exit(9)  # killed mid-batch: rows and index entries written, not committed
""")


def test_a_crash_mid_batch_leaves_rows_and_index_consistent(archive: Path, tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    proc = subprocess.run([sys.executable, "-c", CRASH, str(path), str(archive)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 9, proc.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 7
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert search(conn, "崩溃前", limit=None).total == 0
    indexed = {doc for (doc,) in conn.execute("SELECT DISTINCT doc FROM temp.fts_v")} if _vocabulary(conn) else set()
    assert indexed == {r for (r,) in conn.execute("SELECT rowid FROM articles")}
    # What the index holds is exactly what the rows say.
    before = _vocabulary(conn)
    rebuild_index(conn)
    assert _vocabulary(conn) == before


@pytest.mark.parametrize("megabytes", [5])
def test_a_5mb_one_line_article_is_stored_and_found(tmp_path: Path, megabytes: int) -> None:
    filler = "园区企业持续加大研发投入，" * (megabytes * 26_000)
    body = "开篇提到钙钛矿" + filler + "结尾写到氢能源"
    assert len(body.encode("utf-8")) > megabytes * 1_000_000
    article = Article(url="http://example.invalid/post/long.html", title="超长单行页面", body=body)
    db = open_db(tmp_path / "long.db")
    with db.atomic():
        assert save_article(db, article, run_id=None) == "new"
    assert search(db.conn, "钙钛矿").total == 1 and search(db.conn, "氢能源").total == 1
    with db.atomic():
        delete_articles(db, [article.url])
    assert search(db.conn, "氢能源").total == 0
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
