"""Full-text search in Chinese: the query table over the fixture archive, the index kept in step,
query errors, and the ``parknews search`` command."""

from __future__ import annotations

import json
import math
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import run_cli
from parknews.archive.search import (
    COUNT_BOUND,
    RANK_BOUND,
    RANK_WEIGHTS,
    QueryError,
    captions_text,
    highlight_pattern,
    index_windows,
    is_token_char,
    parse_query,
    rebuild_index,
    search,
)
from parknews.archive.store import _fts_tokens_sql, delete_articles, open_db, save_article, save_articles
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
    assert set(record) == {"rank", "url", "site", "title", "published_at", "source_outlet", "score", "snippet", "highlights",
                           "total", "total_exact", "ranked_among"}
    assert (record["total"], record["total_exact"], record["ranked_among"]) == (1, True, None)
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


# --- bounded ranking and counting ---------------------------------------------------


def test_under_the_bounds_search_is_the_exhaustive_search(archive: Path) -> None:
    """On the fixture archive every query is under the default bounds: the hits, their order,
    scores and snippets, and the total are exactly those of ranking and counting everything."""
    conn = sqlite3.connect(archive)
    assert RANK_BOUND == 5_000 and COUNT_BOUND == 10_000
    filters = [{}, {"site": "rentsh"}, {"since": "2021-01-01", "until": "2024-06-30"}]
    for query in [q for q, _, _ in QUERIES] + ["园区", "产业", "的"]:
        for kwargs in filters:
            for limit in (1, 3, 20):
                fast = search(conn, query, limit=limit, **kwargs)
                full = search(conn, query, limit=limit, exhaustive=True, **kwargs)
                assert fast == full, (query, kwargs, limit)
                assert fast.ranked_among is None and fast.total_exact
    conn.close()


TERM, OTHER = "园区", "厂房"
FILLER = "企业投资建设项目推进顺利，"


def _many_matches(path: Path) -> list[tuple[int, Article]]:
    """120 articles, stored in order (rowid 1..120): 园区 in 58 of them (some in the title, as
    often as 9 times in the body), 厂房 in about a third, two sites, dates spread over five years. The
    oldest matches say 园区 most, so exhaustive ranking and the newest-first bound disagree."""
    rng = random.Random(15)
    articles = []
    for n in range(1, 121):
        has_term = n <= 12 or n % 7 in (0, 2, 3)  # under half the rows, so bm25 gives it weight
        k = (9 if n <= 12 else rng.randint(1, 4)) if has_term else 0
        parts = [FILLER] * rng.randint(3, 12) + [f"{TERM}规划，"] * k + [f"{OTHER}出租，"] * (3 if n <= 12 else n % 3 == 0)
        rng.shuffle(parts)
        title = f"{TERM}动态{TERM}第{n}期" if has_term and n <= 12 else (
            f"{TERM}动态第{n}期" if has_term and n % 5 == 0 else f"产业动态第{n}期")
        day = f"{2019 + n % 5}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        articles.append(Article(url=f"http://example.invalid/post/{n}.html", site="alpha" if n % 2 else "beta",
                                title=title, body="".join(parts), published_at=f"{day}T08:00:00+08:00"))
    db = open_db(path)
    with db.atomic():
        for article in articles:  # one at a time: rowid order is the order they were stored
            save_articles(db, [article], run_id=None)
    rowids = dict(db.execute("SELECT url, rowid FROM articles").fetchall())
    db.close()
    return [(rowids[a.url], a) for a in articles]


def _tokens(text: str | None) -> list[str]:
    """The tokens unicode61 keeps of the index text: each window's letters and digits."""
    return [t for t in ("".join(ch for ch in w if is_token_char(ch)) for w in index_windows(text)) if t]


def _bm25(docs: list[tuple[int, Article]], terms: list[str]) -> dict[int, float]:
    """FTS5's bm25 (k1 1.2, b 0.75, the search's column weights) recomputed from the texts, for
    two-character terms (one token each), as score = -(what bm25() returns): higher is better."""
    columns = {rowid: [_tokens(a.title), _tokens(a.body), []] for rowid, a in docs}
    rows = len(columns)
    avgdl = sum(len(c) for cols in columns.values() for c in cols) / rows
    idf = []
    for term in terms:
        hits = sum(1 for cols in columns.values() if any(term in c for c in cols))
        value = math.log((rows - hits + 0.5) / (hits + 0.5))
        idf.append(value if value > 0 else 1e-6)
    scores = {}
    for rowid, cols in columns.items():
        size = sum(len(c) for c in cols)
        score = 0.0
        for term, weight in zip(terms, idf, strict=True):
            freq = sum(w * c.count(term) for w, c in zip(RANK_WEIGHTS, cols, strict=True))
            score += weight * (freq * 2.2) / (freq + 1.2 * (1 - 0.75 + 0.75 * size / avgdl))
        scores[rowid] = score
    return scores


@pytest.mark.parametrize("filters", [{}, {"site": "beta"}, {"since": "2021-01-01", "until": "2022-12-31"}],
                         ids=["all", "site", "dates"])
@pytest.mark.parametrize("query", [TERM, f"{TERM} {OTHER}"])
def test_over_the_bound_the_hits_are_the_best_of_the_newest_matches(tmp_path: Path, query: str,
                                                                    filters: dict[str, str]) -> None:
    docs = _many_matches(tmp_path / "many.db")
    terms = query.split()
    since, until, site = filters.get("since", ""), filters.get("until", "9999"), filters.get("site")
    matching = sorted((rowid for rowid, a in docs
                       if all(t in a.title + a.body for t in terms) and (site is None or a.site == site)
                       and since <= a.published_at and a.published_at[:10] <= until), reverse=True)
    bound = len(matching) // 2  # the newest half: newer than the articles that say the terms most
    assert bound >= 5 and len(matching) > bound + 2, "the archive must match well over the bound"
    newest = matching[:bound]
    scores = _bm25(docs, terms)
    by_rowid = dict(docs)
    expected = sorted(newest, key=lambda r: (-round(scores[r], 9), _desc(by_rowid[r].published_at), by_rowid[r].url))
    conn = sqlite3.connect(tmp_path / "many.db")
    result = search(conn, query, limit=5, rank_bound=bound, count_bound=bound + 2, **filters)
    assert [h.url for h in result.hits] == [by_rowid[r].url for r in expected[:5]]
    for hit, rowid in zip(result.hits, expected, strict=False):
        assert hit.score == pytest.approx(scores[rowid], rel=1e-9)
    assert result.ranked_among == bound
    assert (result.total, result.total_exact) == (bound + 2, False)  # more than bound + 2 match
    # The same as ranking everything and keeping only the newest matches' places in that order.
    everything = search(conn, query, limit=None, **filters)
    assert everything.total == len(matching) and everything.ranked_among is None
    assert sorted(int(_post(h.url)) for h in everything.hits) == sorted(matching)
    kept = [h for h in everything.hits if int(_post(h.url)) in newest]
    assert [h.url for h in result.hits] == [h.url for h in kept[:5]]
    assert [h.score for h in result.hits] == [h.score for h in kept[:5]]
    # Exhaustive ranking puts an older match first: the bound is what changed the page.
    full = search(conn, query, limit=5, exhaustive=True, **filters)
    assert full.ranked_among is None and full.total_exact and full.total == len(matching)
    assert full.hits == everything.hits[:5] and full.hits[0].url not in {h.url for h in result.hits}
    # The count is exact up to its bound; the ranking bound needs no counting bound.
    counted = search(conn, query, limit=5, rank_bound=bound, count_bound=len(matching), **filters)
    assert (counted.total, counted.total_exact, counted.hits) == (len(matching), True, result.hits)
    uncounted = search(conn, query, limit=5, rank_bound=bound, count_bound=None, **filters)
    assert (uncounted.total, uncounted.total_exact, uncounted.hits) == (len(matching), True, result.hits)
    # At the bound exactly, nothing is bounded.
    at = search(conn, query, limit=5, rank_bound=len(matching), count_bound=len(matching), **filters)
    assert at == full
    conn.close()


def _desc(text: str) -> list[int]:
    return [-ord(ch) for ch in text]


def test_cli_says_when_ranking_and_counting_were_bounded(tmp_path: Path) -> None:
    db = tmp_path / "many.db"
    docs = _many_matches(db)
    count = sum(1 for _, a in docs if TERM in a.title + a.body)
    # Over the bound, through the library with low bounds: the table's wording.
    from parknews.cli.research import summary_line

    conn = sqlite3.connect(db)
    result = search(conn, TERM, limit=3, rank_bound=10, count_bound=20)
    assert summary_line(result) == (f"more than 20 articles match {TERM}; showing the best 3 of the newest 10 "
                                    "(--all ranks and counts every match)")
    exact = search(conn, TERM, limit=3, rank_bound=10, count_bound=1000)
    assert summary_line(exact) == f"{count} articles match {TERM}; showing the best 3 of the newest 10 (--all ranks every match)"
    conn.close()
    # The command itself: under its default bounds, and with --all.
    shown = run_cli("search", TERM, "--db", str(db), "--limit", "2")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1] == f"{count} articles match {TERM} (showing 2; --limit for more)"
    records = [json.loads(line) for line in run_cli("search", TERM, "--db", str(db), "--json", "--all").stdout.splitlines()]
    assert len(records) == 20 and {(r["total"], r["total_exact"], r["ranked_among"]) for r in records} == {(count, True, None)}
    helped = run_cli("search", "--help")
    assert f"{RANK_BOUND:,}" in helped.stdout and f"{COUNT_BOUND:,}" in helped.stdout and "--all" in helped.stdout


def test_cli_over_the_default_bounds_says_more_than(tmp_path: Path) -> None:
    """An archive of 10,001 tiny articles that all match: the command's own bounds apply."""
    db = open_db(tmp_path / "big.db")
    with db.atomic():
        save_articles(db, [Article(url=f"http://example.invalid/post/{n}.html", site="alpha", title=f"第{n}期",
                                   body="园区" * (1 + n % 3), published_at="2024-01-01") for n in range(1, COUNT_BOUND + 2)],
                      run_id=None)
    db.close()
    shown = run_cli("search", "园区", "--db", str(tmp_path / "big.db"), "--limit", "2")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1] == (f"more than {COUNT_BOUND:,} articles match 园区; showing the best 2 of "
                                             f"the newest {RANK_BOUND:,} (--all ranks and counts every match)")
    lines = run_cli("search", "园区", "--db", str(tmp_path / "big.db"), "--limit", "2", "--json").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["total"], r["total_exact"], r["ranked_among"]) for r in records] == [(COUNT_BOUND, False, RANK_BOUND)] * 2
    assert all(int(_post(r["url"])) > COUNT_BOUND + 1 - RANK_BOUND for r in records)  # among the newest
    full = [json.loads(line) for line in run_cli("search", "园区", "--db", str(tmp_path / "big.db"), "--limit", "2",
                                                 "--json", "--all").stdout.splitlines()]
    assert [(r["total"], r["total_exact"], r["ranked_among"]) for r in full] == [(COUNT_BOUND + 1, True, None)] * 2
