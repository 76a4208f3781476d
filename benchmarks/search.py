"""Measure full-text search approaches for Chinese on the fixture archive and a synthetic one.

    python benchmarks/search.py [--articles 5000] [--repeat 20] [--json OUT]

Approaches, each built over the same title/body/caption texts in its own SQLite file:

- ``bigram``: what parknews ships (``parknews.archive.store._fts_tokens_sql``, ``parknews.archive.search``):
  the two-character window at every character, contentless FTS5, phrase/prefix queries.
- ``bigram+prefix1``: the same with FTS5 ``prefix='1'`` (a prefix index for one-character terms).
- ``unigram``: one token per character, terms as phrases of characters.
- ``trigram+like``: FTS5 trigram tokenizer (external content); terms under three characters
  fall back to LIKE over the text (FTS5 trigram cannot match them).
- ``jieba``: jieba word segmentation (cut_for_search) at index time, jieba.cut of each term at
  query time, as a phrase (needs ``pip install jieba``; skipped without it).
- ``unicode61``: FTS5's default tokenizer on the raw text (the naive baseline).

For each: index size (dbstat over the index's tables), build time, and per query the median
time of ``--repeat`` runs; correctness is checked against a plain substring scan (the oracle)
over the query table of ``tests/test_search.py``. The synthetic archive shuffles the clauses
of every fixture article (demo site and ``tests/fixtures/*/golden``) into new articles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from parknews.archive.search import captions_text, highlight_pattern, parse_query  # noqa: E402
from parknews.archive.store import _fts_tokens_sql  # noqa: E402

Doc = tuple[int, str, str, str]  # rowid, title, body, captions text


# --- corpora -----------------------------------------------------------------------


def fixture_docs() -> list[Doc]:
    """The demo site's articles, crawled on 127.0.0.1 into a temporary archive."""
    from parknews.archive.store import open_db
    from parknews.crawl.localsite import DEMO_SITES, LocalSite
    from parknews.crawl.session import run_crawl
    from parknews.sites.profiles import load_profile

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "fixture.db"
        open_db(db_path).close()
        with LocalSite(DEMO_SITES / "rentsh") as site:
            profile = load_profile("rentsh").with_start_urls([site.url + "/"])
            run_crawl(profile, db_path, overrides={"LOG_LEVEL": "CRITICAL", "DOWNLOAD_DELAY": 0,
                                                   "AUTOTHROTTLE_ENABLED": False})
        conn = sqlite3.connect(db_path)
        rows = conn.execute("SELECT rowid, title, body, captions, url FROM articles ORDER BY url").fetchall()
        conn.close()
    return [(r[0], r[1] or "", r[2] or "", captions_text(r[3])) for r in rows]


def synthetic_docs(seed_docs: list[Doc], count: int, seed: int = 7) -> list[Doc]:
    """``count`` articles made of shuffled clauses of the fixture articles (and golden records)."""
    titles = [d[1] for d in seed_docs]
    texts = [d[2] for d in seed_docs]
    for path in sorted((REPO / "tests" / "fixtures").glob("*/golden/*.json")):
        record = json.loads(path.read_text("utf-8"))
        titles.append(record.get("title") or "")
        texts.append(record.get("body") or "")
    clauses = [c for t in texts for c in re.split(r"(?<=[，。；！？,;])", t) if c.strip()]
    title_parts = [p for t in titles for p in re.split(r"[\s，、：]+", t) if p]
    captions = [d[3] for d in seed_docs if d[3]]
    rng = random.Random(seed)
    docs: list[Doc] = []
    for i in range(count):
        paragraphs = ["".join(rng.sample(clauses, rng.randint(4, 10))) for _ in range(rng.randint(5, 12))]
        title = "".join(rng.sample(title_parts, 2))
        docs.append((i + 1, title, "\n".join(paragraphs), rng.choice(captions) if rng.random() < 0.4 else ""))
    return docs


# --- approaches --------------------------------------------------------------------


@dataclass
class Approach:
    name: str
    build: Callable[[sqlite3.Connection], None]
    query: Callable[[sqlite3.Connection, list[str]], set[int]]


def _load_docs(conn: sqlite3.Connection, docs: list[Doc]) -> None:
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, captions TEXT)")
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", docs)


def _fts_query(conn: sqlite3.Connection, match: str) -> set[int]:
    return {r[0] for r in conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", [match])}


def bigram(prefix: bool) -> Approach:
    def build(conn: sqlite3.Connection) -> None:
        option = ", prefix='1'" if prefix else ""
        conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5(title, body, captions, content=''{option})")
        conn.execute(f"INSERT INTO fts(rowid, title, body, captions) SELECT id, {_fts_tokens_sql('title')}, "
                     f"{_fts_tokens_sql('body')}, {_fts_tokens_sql('captions')} FROM docs")

    def query(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
        return _fts_query(conn, parse_query(" ".join(_quoted(t) for t in terms)).match)

    return Approach("bigram+prefix1" if prefix else "bigram", build, query)


def _quoted(term: str) -> str:
    return f'"{term}"' if " " in term else term


def _chars(text: str) -> str:
    return " ".join(text)


def _unigram() -> Approach:
    def build(conn: sqlite3.Connection) -> None:
        conn.create_function("chars", 1, _chars, deterministic=True)
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, captions, content='')")
        conn.execute("INSERT INTO fts(rowid, title, body, captions) SELECT id, chars(title), chars(body), chars(captions) FROM docs")

    def query(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
        return _fts_query(conn, " AND ".join('"' + " ".join(t).replace('"', '""') + '"' for t in terms))

    return Approach("unigram", build, query)


def _trigram() -> Approach:
    def build(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, captions, content='docs', content_rowid='id', tokenize='trigram')")
        conn.execute("INSERT INTO fts(fts) VALUES ('rebuild')")

    def query(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
        long_terms = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        clauses, params = [], []
        if long_terms:
            clauses.append("docs.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
        for t in short:
            clauses.append("(docs.title LIKE ? OR docs.body LIKE ? OR docs.captions LIKE ?)")
            params += [f"%{t}%"] * 3
        return {r[0] for r in conn.execute(f"SELECT docs.id FROM docs WHERE {' AND '.join(clauses)}", params)}

    return Approach("trigram+like", build, query)


def _jieba() -> Approach | None:
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(60)

    def segment(text: str) -> str:
        return " ".join(w for w in jieba.cut_for_search(text) if w.strip())

    def build(conn: sqlite3.Connection) -> None:
        conn.create_function("seg", 1, segment, deterministic=True)
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, captions, content='')")
        conn.execute("INSERT INTO fts(rowid, title, body, captions) SELECT id, seg(title), seg(body), seg(captions) FROM docs")

    def query(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
        phrases = ['"' + " ".join(w for w in jieba.cut(t) if w.strip()).replace('"', '""') + '"' for t in terms]
        return _fts_query(conn, " AND ".join(phrases))

    return Approach("jieba", build, query)


def _unicode61() -> Approach:
    def build(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, captions, content='docs', content_rowid='id')")
        conn.execute("INSERT INTO fts(fts) VALUES ('rebuild')")

    def query(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
        return _fts_query(conn, " AND ".join('"' + t.replace('"', '""') + '"' for t in terms))

    return Approach("unicode61", build, query)


def approaches() -> list[Approach]:
    found = [bigram(False), bigram(True), _unigram(), _trigram(), _jieba(), _unicode61()]
    return [a for a in found if a is not None]


# --- measuring ---------------------------------------------------------------------


def oracle(docs: list[Doc], terms: list[str]) -> set[int]:
    patterns = [highlight_pattern([t]) for t in terms]
    return {d[0] for d in docs if all(p and any(p.search(f) for f in d[1:]) for p in patterns)}


def index_bytes(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'fts%'").fetchone()[0]


def measure(docs: list[Doc], queries: list[tuple[str, list[str]]], repeat: int, tmp: Path, label: str) -> list[dict]:
    expected = {q: oracle(docs, terms) for q, terms, _ in queries}
    results = []
    for approach in approaches():
        path = tmp / f"{label}-{approach.name}.db"
        conn = sqlite3.connect(path)
        _load_docs(conn, docs)
        conn.commit()
        started = time.perf_counter()
        approach.build(conn)
        conn.commit()
        build_s = time.perf_counter() - started
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.commit()
        size = index_bytes(conn)
        exact, wrong, times, by_kind = 0, [], [], {}
        for q, terms, kind in queries:
            got = approach.query(conn, terms)
            if got == expected[q]:
                exact += 1
            else:
                wrong.append(f"{q} (missed {len(expected[q] - got)}, extra {len(got - expected[q])})")
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                approach.query(conn, terms)
                runs.append(time.perf_counter() - t)
            times.append(statistics.median(runs))
            by_kind.setdefault(kind, []).append(statistics.median(runs))
        conn.close()
        results.append({"corpus": label, "approach": approach.name, "articles": len(docs),
                        "text_chars": sum(len(d[1]) + len(d[2]) + len(d[3]) for d in docs),
                        "index_bytes": size, "build_s": round(build_s, 3), "exact": exact, "queries": len(queries),
                        "median_ms": round(statistics.median(times) * 1000, 3),
                        "mean_ms": round(statistics.mean(times) * 1000, 3),
                        "max_ms": round(max(times) * 1000, 3), "wrong": wrong,
                        "kind_ms": {k: round(statistics.median(v) * 1000, 3) for k, v in by_kind.items()}})
    return results


def benchmark_queries() -> list[tuple[str, list[str], str]]:
    """The search test table's plain queries (terms ANDed; phrases kept whole), as term lists."""
    from test_search import QUERIES

    out = []
    for query, kind, _expected in QUERIES:
        if any(op in query.split() for op in ("OR", "NOT")) or ":" in query or " -" in query:
            continue
        terms = [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]*)"|(\S+)', query)]
        out.append((query, terms, kind))
    return out


def report(results: list[dict]) -> str:
    lines = ["| corpus | approach | index size | build | exact queries | median query | max query |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['corpus']} ({r['articles']} articles, {r['text_chars'] / 1e6:.2f}M chars) | {r['approach']} "
                     f"| {r['index_bytes'] / 1024:,.0f} KiB | {r['build_s']:.2f} s | {r['exact']}/{r['queries']} "
                     f"| {r['median_ms']:.2f} ms | {r['max_ms']:.2f} ms |")
    kinds = list(results[0]["kind_ms"])
    lines += ["", "Median query time by kind of query (ms):", "",
              "| corpus | approach | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
    for r in results:
        lines.append(f"| {r['corpus']} | {r['approach']} | " + " | ".join(f"{r['kind_ms'][k]:.2f}" for k in kinds) + " |")
    wrong = [f"- {r['corpus']} {r['approach']}: {'; '.join(r['wrong'])}" for r in results if r["wrong"]]
    return "\n".join(lines + ([""] + wrong if wrong else []))


def write_cost(docs: list[Doc], tmp: Path) -> str:
    """Seconds to store the synthetic articles through store.save_article, with and without the triggers."""
    from parknews.archive.store import open_db, save_article
    from parknews.items import Article, Caption

    timings = {}
    for label in ("with index and change-log triggers", "without (triggers dropped)"):
        db = open_db(tmp / f"write-{len(timings)}.db")
        if label.startswith("without"):
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f"DROP TRIGGER {name}")
        started = time.perf_counter()
        with db.conn:
            for rowid, title, body, captions in docs:
                caps = [Caption(text=captions)] if captions else []
                save_article(db, Article(url=f"http://synthetic.invalid/{rowid}", title=title, body=body, captions=caps), None)
        timings[label] = time.perf_counter() - started
        db.close()
    return "; ".join(f"{k}: {v:.2f} s" for k, v in timings.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="synthetic archive size (default 5000)")
    parser.add_argument("--repeat", type=int, default=20, help="runs per query; the median counts (default 20)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    queries = benchmark_queries()
    seed_docs = fixture_docs()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(seed_docs, queries, args.repeat, Path(tmp), "fixture")
        synthetic = synthetic_docs(seed_docs, args.articles)
        results += measure(synthetic, queries, args.repeat, Path(tmp), "synthetic")
        writes = write_cost(synthetic, Path(tmp))
    print(report(results))
    print(f"\nStoring the {len(synthetic)} synthetic articles with save_article: {writes}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
