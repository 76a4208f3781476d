"""Full-text search in Chinese: the query table over the fixture archive, the index kept in step,
query errors, and the ``parknews search`` command."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import run_cli
from parknews.archive.search import (
    QueryError,
    captions_text,
    highlight_pattern,
    index_windows,
    parse_query,
    rebuild_index,
    search,
)
from parknews.archive.store import _fts_tokens_sql, delete_articles, open_db, save_article
from parknews.items import Article, Caption

SEED_TITLE = "从产业链、创新链发力生物医药产业上虞生命健康产业向“新”而行"

#: (query, kind, the demo-site posts that must be found: exactly these).
QUERIES: list[tuple[str, str, set[str]]] = [
    ("上虞", "two-character", {"11584", "12071"}),
    ("松江", "two-character", {"5634", "8123", "9012", "12058"}),
    ("临港", "two-character", {"10877", "11702", "12015", "99000"}),  # 99000: in its title, its body empty
    ("张江", "two-character", {"10877", "11702", "12047"}),
    ("嘉定", "two-character", {"12033"}),
    ("闵行", "two-character", {"9345", "11702"}),
    ("院士", "two-character", {"11350", "11584"}),
    ("虞", "single-character", {"11584", "12071"}),
    ("磨", "single-character", {"11210"}),
    ("沪", "single-character", {"11210", "11584", "12071"}),
    ("蕞", "single-character", {"8123"}),
    ("芯", "single-character", {"12033"}),
    ("上虞 医药", "AND", {"11584", "12071"}),
    ("松江 厂房", "AND", {"8123", "12058"}),
    ("临港 集成电路", "AND", {"12015"}),
    ("生命健康", "phrase", {"11584", "11702", "12071"}),
    ("生物医药产业", "phrase", {"5634", "8123", "10877", "11584", "11702", "12047"}),
    ('"融入长三角 接轨大上海"', "phrase", {"11584"}),
    ("向“新”而行", "phrase", {"11584"}),
    ("合成生物学", "phrase", {"11350"}),
    ("2024 上虞 生物医药", "mixed", {"11584"}),
    ("G60 松江", "mixed", {"5634", "8123", "12058"}),
    ("g60科创走廊", "mixed", {"5634", "12058"}),
    ("2021 生物医药", "mixed", {"8123"}),
    ("10亿元", "mixed", {"12015", "12071"}),
    ("1+4", "mixed", {"11584"}),
    ("北京", "no-hit", set()),
    ("上虞 临港", "no-hit", set()),
    ("量子计算", "no-hit", set()),
    ("生命上虞", "no-hit", set()),
    ("5G", "no-hit", set()),
    ("松江 OR 临港", "OR", {"5634", "8123", "9012", "12058", "10877", "11702", "12015", "99000"}),
    ("生物医药 -松江", "NOT", {"10877", "11584", "11702", "12047", "12071", "9345"}),
    ("title:上虞", "column", {"11584", "12071"}),
]


def _post(url: str) -> str:
    return url.rsplit("/", 1)[1].split(".")[0]




def _oracle(db: Path, query: str) -> set[str]:
    """The posts whose title, body or captions contain every term: a plain scan, no index."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, title, body, captions FROM articles").fetchall()
    conn.close()
    terms = parse_query(query).terms
    found = set()
    for url, title, body, captions in rows:
        fields = [title or "", body or "", captions_text(captions)]
        if all(any(highlight_pattern([t]).search(f) for f in fields) for t in terms):
            found.add(_post(url))
    return found


def _found(db: Path | sqlite3.Connection, query: str) -> set[str]:
    conn = sqlite3.connect(db) if isinstance(db, Path) else db
    try:
        return {_post(h.url) for h in search(conn, query, limit=None).hits}
    finally:
        if isinstance(db, Path):
            conn.close()


def test_the_table_covers_every_kind_of_query() -> None:
    kinds = {kind for _, kind, _ in QUERIES}
    assert len(QUERIES) >= 20
    assert {"two-character", "single-character", "AND", "phrase", "mixed", "no-hit"} <= kinds


@pytest.mark.parametrize(("query", "kind", "expected"), QUERIES, ids=[q for q, _, _ in QUERIES])
def test_search_returns_exactly_the_articles_containing_the_terms(archive: Path, query: str, kind: str,
                                                                   expected: set[str]) -> None:
    assert _found(archive, query) == expected
    if kind not in ("OR", "NOT", "column"):
        assert _oracle(archive, query) == expected, "the table itself is wrong"


def test_title_hits_rank_first_and_snippets_highlight_the_terms(archive: Path) -> None:
    conn = sqlite3.connect(archive)
    result = search(conn, "上虞")
    assert {h.title for h in result.hits[:2]} >= {SEED_TITLE}
    for hit in result.hits:
        assert hit.highlights
        assert {hit.snippet[s:e] for s, e in hit.highlights} == {"上虞"}
        assert hit.score > 0
    # Ranked by relevance: both articles have 上虞 in the title, the seed says it most.
    assert result.hits[0].title == SEED_TITLE
    phrase = search(conn, "生命健康").hits
    assert [h.title for h in phrase][-1].startswith("七大园区")  # only in the body, once


def test_search_filters_by_site_date_and_limit(archive: Path) -> None:
    conn = sqlite3.connect(archive)
    assert search(conn, "松江", site="nosuchsite").hits == []
    dated = search(conn, "松江", since="2021-01-01", until="2022-12-31", limit=None)
    assert {_post(h.url) for h in dated.hits} == {"8123", "9012"}
    limited = search(conn, "医药", limit=2)
    assert len(limited.hits) == 2 and limited.total == 9


def test_sql_tokens_match_the_python_mirror() -> None:
    conn = sqlite3.connect(":memory:")
    rng = random.Random(5)
    alphabet = "上虞区生命健康 ，。“”AaZz09_-\n\t😀𠀀"
    samples = ["", "x", "上虞", "上虞发展大会生命健康产业促进大会开幕式举行", "2024上虞 AI，Biotech"]
    samples += ["".join(rng.choice(alphabet) for _ in range(n)) for n in (63, 64, 65, 127, 128, 129, 1000)]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 200))) for _ in range(300)]
    for text in samples:
        got = conn.execute(f"SELECT {_fts_tokens_sql(':t')}", {"t": text}).fetchone()[0]
        assert (got or "") == " ".join(index_windows(text)), text


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty query"),
    ('"上虞', "unbalanced quote"),
    ("(上虞", "unbalanced parenthesis"),
    ("上虞)", "unbalanced parenthesis"),
    ("OR 上虞", "OR needs a term"),
    ("上虞 OR", "OR needs a term"),
    ("-上虞", "cannot only exclude"),
    ("上虞 NOT", "must be followed"),
    ("，。", "nothing to search for"),
    ("()", "empty parentheses"),
])
def test_bad_queries_say_why(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_user_input_never_reaches_sql(archive: Path) -> None:
    conn = sqlite3.connect(archive)
    before = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    for nasty in ("'; DROP TABLE articles; --", '" OR 1=1 --"', "上虞' OR '1'='1", "NEAR(上虞 松江)", "上虞*",
                  "{title}: 上虞", '"" OR ""', "body:(上虞"):
        try:
            search(conn, nasty)  # every term is quoted inside the one MATCH parameter
        except QueryError:
            pass  # a message for the user, never SQL
    assert search(conn, "上虞*").total == 2  # "*" is punctuation, not a prefix operator
    assert search(conn, "x", site="rentsh' OR '1'='1").hits == []
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == before


def _article(url: str, title: str, body: str, captions: list[Caption] | None = None) -> Article:
    return Article(url=url, site="rentsh", title=title, body=body, captions=captions or [],
                   published_at="2024-12-01")


def test_index_follows_the_store_and_rebuild_catches_up_with_plain_sql(scratch: Path) -> None:
    db = open_db(scratch, create=False)
    url = "http://example.invalid/post/1.html"
    assert save_article(db, _article(url, "量子计算产业园开园", "首批企业入驻。",
                                     [Caption(text="园区航拍图，临港")]), run_id=None) == "new"
    db.conn.commit()
    assert _found(db.conn, "量子计算") == {"1"}
    assert "1" in _found(db.conn, "临港") and "1" in _found(db.conn, "航拍")
    # An update through the store: old words leave the index, new ones arrive.
    save_article(db, _article(url, "钙钛矿电池产业园开园", "首批企业入驻。"), run_id=None)
    db.conn.commit()
    assert _found(db.conn, "量子计算") == set() and _found(db.conn, "航拍") == set()
    assert _found(db.conn, "钙钛矿") == {"1"}
    # Plain SQL bypasses the store (no triggers since migration 6): the index lags until
    # --rebuild-index, which brings it back in step with the rows.
    raw = sqlite3.connect(scratch)
    raw.execute("UPDATE articles SET body = '上虞 新能源' WHERE url = ?", [url])
    raw.commit()
    assert "1" not in _found(raw, "新能源")
    rebuild_index(raw)
    assert "1" in _found(raw, "新能源") and "1" in _found(raw, "上虞") and "1" not in _found(raw, "首批")
    # Deleting through the store takes its entries out exactly.
    with db.atomic():
        assert delete_articles(db, [url]) == 1
    assert _found(raw, "新能源") == {"12015"} and _found(raw, "钙钛矿") == set()
    assert raw.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    count = raw.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert raw.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == count
    raw.close()


def test_reextract_and_rebuild_keep_the_same_results(scratch: Path) -> None:
    before = {q: _found(scratch, q) for q, _, _ in QUERIES}
    result = run_cli("reextract", "--db", str(scratch))
    assert result.returncode == 0, result.stderr
    assert {q: _found(scratch, q) for q, _, _ in QUERIES} == before
    conn = sqlite3.connect(scratch)
    assert rebuild_index(conn) == 15
    conn.close()
    assert {q: _found(scratch, q) for q, _, _ in QUERIES} == before


def test_an_archive_from_before_the_index_is_upgraded_and_indexed(archive: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(archive, old)
    conn = sqlite3.connect(old)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.executescript("DROP TABLE articles_fts; DROP TABLE article_changes; DROP TABLE frontier; DROP TABLE site_profiles; "
                       "ALTER TABLE pages DROP COLUMN ok_at; ALTER TABLE failures DROP COLUMN kind; "
                       "ALTER TABLE runs DROP COLUMN exit_status; ALTER TABLE runs DROP COLUMN notes; "
                       "ALTER TABLE articles DROP COLUMN missing; ALTER TABLE articles DROP COLUMN notes; "
                       "PRAGMA user_version = 2;")
    conn.commit()
    conn.close()
    open_db(old, create=False).close()  # migration 3 builds the index from the rows already there
    assert _found(old, "上虞") == {"11584", "12071"}


def test_long_texts_are_indexed_in_n_log_n_and_found(scratch: Path) -> None:
    """A 5 MB one-line article (1.7 million characters) is stored with its index in seconds,
    not the minute the old piece-cutting SQL took; its words stay findable, first to last."""
    db = open_db(scratch, create=False)
    filler = "园区企业持续加大研发投入，" * 130_000  # 1.69 million characters, one paragraph
    body = "开篇提到钙钛矿" + filler + "结尾写到氢能源"
    assert len(body.encode("utf-8")) > 5_000_000
    url = "http://example.invalid/post/long.html"
    with db.atomic():
        assert save_article(db, _article(url, "超长单行页面", body), run_id=None) == "new"
    assert _found(db.conn, "钙钛矿") == {"long"} and _found(db.conn, "氢能源") == {"long"}
    with db.atomic():
        delete_articles(db, [url])  # the delete rebuilds the same windows in Python
    assert _found(db.conn, "氢能源") == set()
    assert db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    db.close()


# --- the command -----------------------------------------------------------------


def test_cli_prints_a_table_with_the_seed_article(archive: Path) -> None:
    result = run_cli("search", "上虞", "--db", str(archive))
    assert result.returncode == 0, result.stderr
    assert SEED_TITLE in result.stdout
    assert "2 articles match 上虞" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not on a terminal


def test_cli_json_lines(archive: Path) -> None:
    result = run_cli("search", "2024 上虞 生物医药", "--db", str(archive), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == [SEED_TITLE]
    record = records[0]
    assert set(record) == {"rank", "url", "site", "title", "published_at", "source_outlet", "score", "snippet", "highlights"}
    assert all(record["snippet"][s:e] in ("2024", "上虞", "生物医药") for s, e in record["highlights"])
    limited = run_cli("search", "医药", "--db", str(archive), "--json", "--limit", "3", "--since", "2020-01-01")
    assert len(limited.stdout.splitlines()) == 3


def test_cli_query_errors_are_one_clean_line(archive: Path) -> None:
    result = run_cli("search", '"上虞', "--db", str(archive))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ['Error: search: unbalanced quote: a phrase needs a closing "']
    missing = run_cli("search", "上虞", "--db", str(archive.parent / "nope.db"))
    assert missing.returncode == 1 and "no archive" in missing.stderr and "Traceback" not in missing.stderr


def test_long_texts_index_in_linear_time_and_across_piece_boundaries(scratch: Path) -> None:
    import time

    db = open_db(scratch, create=False)
    body = "园" * (64 * 800 - 1) + "钙钛矿" + "区" * 100  # 51k characters; the term straddles two 64-character pieces
    started = time.perf_counter()
    with db.conn:
        save_article(db, _article("http://example.invalid/long.html", "长文", body), run_id=None)
    assert time.perf_counter() - started < 1.5  # the quadratic way took seconds at this length
    assert _found(db.conn, "钙钛矿") == {"long"} and _found(db.conn, "园钙") == {"long"}
    db.close()


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 20])
def test_a_limited_search_is_the_head_of_the_full_ranking(archive: Path, limit: int) -> None:
    """A page of hits is ranked from the index alone, then ties broken by date and URL; it must
    be exactly the first ``limit`` of the full ranking (every score, snippet and total)."""
    conn = sqlite3.connect(archive)
    for query, _, _ in [*QUERIES, ("园区", "", set()), ("产业", "", set()), ("的", "", set())]:
        full = search(conn, query, limit=None)
        page = search(conn, query, limit=limit)
        assert page.hits == full.hits[:limit], query
        assert page.total == full.total and page.total_exact
        bounded = search(conn, query, limit=limit, count_bound=3)
        assert bounded.hits == page.hits
        assert (bounded.total, bounded.total_exact) == ((full.total, True) if full.total <= 3 else (3, False))
    conn.close()
