"""Full-text search over the archive that works for Chinese: one- and two-character terms too.

The index (``articles_fts``, created by migration 3 in ``parknews.archive.store``) holds, for title,
body and caption text, one token per character: the two-character window that starts there
("上虞区" is indexed as ``上虞 虞区 区``; punctuation and spaces are dropped from a window, letters
are lower-cased). So every substring is findable, whatever its length:

- a term of two or more characters is the phrase of its windows (生命健康 is
  ``"生命" + "命健" + "健康"``, 上虞 is ``"上虞"``), matching exactly the texts that contain it;
- a single character is a prefix query (``"虞" *``), matching any window that starts with it.

The same rules apply to Latin letters and digits (``2024`` matches "2024年"; terms are
substrings, case-insensitive). The store's writers (``parknews.archive.store.save_articles``) keep the
index in step with the articles table, in the same transaction as the rows.

Query language, parsed here and never spliced into SQL (the FTS5 expression travels as a bound
parameter, and is built only from quoted windows and operators)::

    上虞 生物医药            both terms, anywhere in title, body or captions
    "上虞 生命健康"          phrase: 上虞 then 生命健康, with only spaces/punctuation between
    松江 OR 临港             either term
    生物医药 -上虞           without 上虞 (also: NOT 上虞)
    (松江 OR 临港) 医药      grouping
    title:上虞               only in the title (also body:, captions:)

Ranking and counting, bounded so a common term stays fast on a large archive (``search``):

- the hits are ordered by bm25 (weights ``RANK_WEIGHTS``: title 10, body 1, captions 3), then the
  newest publication date, then URL;
- when more than ``rank_bound`` articles match (``RANK_BOUND``, 5,000; after the site and date
  filters), only the ``rank_bound`` most recently stored matches (the highest rowids: the
  articles added to the archive last; an update keeps its row's place) are ranked, and
  ``SearchResult.ranked_among`` says so. FTS5 walks a term's posting list by rowid, newest
  first, and stops there, instead of scoring every match. bm25's term weights (its IDF) still
  come from the whole index, so an article's score is the one exhaustive ranking gives it: the
  hits are exactly the best of those newest matches. At or under the bound nothing changes;
- the total is counted exactly up to ``count_bound`` (``COUNT_BOUND``, 10,000) and is
  "more than" that beyond (``SearchResult.total_exact`` false);
- ``exhaustive=True`` (``parknews search --all``) ranks and counts every match, as does
  ``limit=None`` (every match returned). The cost that stays with the bounds: bm25 reads each
  term's posting list once for its IDF, so a query of long phrases over a million articles
  still walks their postings (see ``benchmarks/run.py``, search).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from parknews.archive.store import article_filters

FTS_TABLE = "articles_fts"
FTS_COLUMNS = ("title", "body", "captions")
#: bm25 weights for title, body and captions: a hit in the title counts ten body hits.
RANK_WEIGHTS = (10.0, 1.0, 3.0)
RANK_SQL = f"bm25({FTS_TABLE}, {', '.join(str(w) for w in RANK_WEIGHTS)})"


class QueryError(ValueError):
    """A search query that cannot be understood; the message says why, in one line."""


# --- tokens ------------------------------------------------------------------------


def is_token_char(ch: str) -> bool:
    """Whether FTS5's unicode61 tokenizer keeps ``ch`` in a token (letters, digits, private use)."""
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def index_windows(text: str | None) -> list[str]:
    """The windows the index holds for ``text``, before unicode61 drops separators from them.

    Mirrors ``store.fts_windows`` and the SQL of ``store._fts_tokens_sql`` (the tests hold them together).
    """
    if text is None:
        return []
    return [text[i : i + 2] for i in range(len(text))]


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def term_expression(term: str) -> str | None:
    """FTS5 expression matching the texts that contain ``term`` (None when it has no letters or digits).

    Spaces and punctuation at the ends are ignored; inside, a run of them matches any run of
    spaces and punctuation.
    """
    start, end = 0, len(term)
    while start < end and not is_token_char(term[start]):
        start += 1
    while end > start and not is_token_char(term[end - 1]):
        end -= 1
    core = term[start:end]
    if not core:
        return None
    if len(core) == 1:
        return f"{_fts_string(core)} *"
    windows = [core[i : i + 2] for i in range(len(core) - 1)]
    return " + ".join(_fts_string(w) for w in windows if any(map(is_token_char, w)))


# --- query parsing -----------------------------------------------------------------


@dataclass
class Query:
    """A parsed search query."""

    text: str
    """What the user typed."""
    match: str
    """The FTS5 expression for ``articles_fts MATCH ?``."""
    terms: list[str] = field(default_factory=list)
    """The terms to look for (not the excluded ones), for highlighting."""


_TOKEN_RE = re.compile(r'\s+|(?P<paren>[()])|"(?P<phrase>[^"]*)"|(?P<open>")|(?P<word>[^\s()"]+)')
_COLUMN_RE = re.compile(r"^(?P<column>title|body|captions):(?P<rest>.*)$")


def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        assert m is not None  # every character is matched by one alternative
        pos = m.end()
        if m.group("paren"):
            tokens.append((m.group("paren"), m.group("paren")))
        elif m.group("phrase") is not None:
            tokens.append(("phrase", m.group("phrase")))
        elif m.group("open"):
            raise QueryError('unbalanced quote: a phrase needs a closing "')
        elif m.group("word"):
            word = m.group("word")
            column = _COLUMN_RE.match(word)
            if column:
                tokens.append(("column", column.group("column")))
                rest = column.group("rest")
                if rest:
                    tokens.append(("word", rest))
                continue
            if word in ("AND", "OR", "NOT"):
                tokens.append((word, word))
            elif word.startswith("-") and len(word) > 1:
                tokens.append(("NOT", "-"))
                tokens.append(("word", word[1:]))
            else:
                tokens.append(("word", word))
    return tokens


class _Parser:
    """Recursive descent over the lexed query; builds the FTS5 expression as it goes."""

    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.pos = 0
        self.terms: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> str:
        if not self.tokens:
            raise QueryError("empty query: give at least one term")
        expr = self.or_expr()
        if self.pos < len(self.tokens):
            raise QueryError(f"unexpected {self.tokens[self.pos][1]!r}: unbalanced parenthesis?")
        if expr is None:
            raise QueryError("nothing to search for: terms need at least one letter or digit")
        return expr

    def or_expr(self) -> str | None:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        kept = [p for p in parts if p is not None]
        if len(kept) > 1:
            return "(" + " OR ".join(kept) + ")"
        return kept[0] if kept else None

    def and_expr(self) -> str | None:
        positive: list[str] = []
        negative: list[str] = []
        seen = False
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                continue
            negate = self.peek() == "NOT"
            if negate:
                self.take()
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise QueryError("NOT (or -) must be followed by a term")
            primary = self.primary(collect=not negate)
            seen = True
            if primary is not None:
                (negative if negate else positive).append(primary)
        if not seen:
            if self.peek() == "OR" or (self.pos and self.tokens[self.pos - 1][0] == "OR"):
                raise QueryError("OR needs a term on each side")
            raise QueryError("unbalanced or empty parentheses")
        if negative and not positive:
            raise QueryError("a query needs at least one term to look for; it cannot only exclude")
        if not positive:
            return None
        expr = positive[0] if len(positive) == 1 else "(" + " AND ".join(positive) + ")"
        for neg in negative:
            expr = f"({expr} NOT {neg})"
        return expr

    def primary(self, collect: bool) -> str | None:
        column = None
        if self.peek() == "column":
            column = self.take()[1]
            if self.peek() in (None, ")", "OR", "AND", "NOT", "column"):
                raise QueryError(f"{column}: must be followed by a term")
        kind, value = self.take()
        if kind == "(":
            inner = self.or_expr()
            if self.peek() != ")":
                raise QueryError("unbalanced parenthesis: missing )")
            self.take()
            expr = None if inner is None else f"({inner})"
        elif kind in ("word", "phrase"):
            expr = term_expression(value)
            if expr is not None:
                expr = f"({expr})"
                if collect:
                    self.terms.append(value)
        else:
            raise QueryError(f"unexpected {value!r}")
        if expr is not None and column:
            expr = f"{column} : {expr}"
        return expr


def parse_query(text: str) -> Query:
    """Parse a search query into its FTS5 expression; raises QueryError with a readable reason."""
    parser = _Parser(text)
    match = parser.parse()
    return Query(text=text, match=match, terms=parser.terms)


# --- snippets ----------------------------------------------------------------------

_SEPARATORS = r"[^\w]+|_+"


def _term_pattern(term: str) -> str | None:
    runs: list[str] = []
    current = ""
    for ch in term:
        if is_token_char(ch):
            current += ch
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    if not runs:
        return None
    return f"(?:{_SEPARATORS})".join(re.escape(run) for run in runs)


def highlight_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``terms`` (case-insensitive; punctuation inside a term is loose)."""
    patterns = sorted({p for p in map(_term_pattern, terms) if p}, key=len, reverse=True)
    return re.compile("|".join(patterns), re.IGNORECASE) if patterns else None


def make_snippet(text: str, pattern: re.Pattern[str] | None, width: int = 90) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around its first match, and the (start, end) spans of matches in it."""
    text = " ".join(text.split())
    first = pattern.search(text) if pattern else None
    if first is None:
        return (text[:width] + "…" if len(text) > width else text), []
    start = max(0, first.start() - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece = text[start:end]
    lead = "…" if start > 0 else ""
    spans = [(m.start() + len(lead), m.end() + len(lead)) for m in pattern.finditer(piece)] if pattern else []
    return lead + piece + ("…" if end < len(text) else ""), spans


def captions_text(captions: str | list[Any] | None) -> str:
    """Caption texts of a captions value (JSON text or list), one per line."""
    if isinstance(captions, str):
        try:
            captions = json.loads(captions)
        except ValueError:
            return ""
    return "\n".join(str(c.get("text") or "") for c in captions or [] if isinstance(c, dict))


def best_snippet(title: str | None, body: str | None, captions: str | list[Any] | None, terms: Iterable[str],
                 width: int = 90) -> tuple[str, list[tuple[int, int]]]:
    """Snippet from the body, else the captions, else the title: the first field that has a match."""
    pattern = highlight_pattern(terms)
    fields = [body or "", captions_text(captions), title or ""]
    for text in fields:
        if pattern and pattern.search(text):
            return make_snippet(text, pattern, width)
    return make_snippet(fields[0] or fields[2], None, width)


def mark(text: str, spans: list[tuple[int, int]], before: str, after: str, escape: Any = None) -> str:
    """``text`` with every span wrapped in ``before``/``after``; other text passed through ``escape``."""
    escape = escape or (lambda s: s)
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]) + before + escape(text[start:end]) + after)
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


# --- searching ---------------------------------------------------------------------


@dataclass
class Hit:
    """One matching article."""

    rank: int
    url: str
    site: str | None
    title: str | None
    published_at: str | None
    source_outlet: str | None
    score: float
    """Relevance (bm25, higher is better; title hits weigh most)."""
    snippet: str
    highlights: list[tuple[int, int]]
    """(start, end) character offsets of the matched terms in ``snippet``."""

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "url": self.url, "site": self.site, "title": self.title,
                "published_at": self.published_at, "source_outlet": self.source_outlet,
                "score": round(self.score, 4), "snippet": self.snippet,
                "highlights": [list(span) for span in self.highlights]}


@dataclass
class SearchResult:
    query: Query
    total: int
    """How many articles match (before ``limit``); a lower bound when ``total_exact`` is false."""
    hits: list[Hit]
    total_exact: bool = True
    """False when counting stopped at ``count_bound``: more than ``total`` articles match."""
    ranked_among: int | None = None
    """None when every match was ranked; else the hits are the best of only this many matches,
    the most recently stored ones (more than ``rank_bound`` articles matched)."""


def _conn(db: Any) -> sqlite3.Connection:
    return getattr(db, "conn", db)


#: Rank by bm25 only among the newest this many matches when more match (``search(rank_bound=)``).
RANK_BOUND = 5_000
#: Count matches exactly up to this many, "more than" beyond (``search(count_bound=)``).
COUNT_BOUND = 10_000

_HIT_COLUMNS = "a.url, a.site, a.title, a.published_at, a.source_outlet, a.body, a.captions"
_ORDER = "ORDER BY score, a.published_at DESC, a.url"


def _head_with_ties(scored: Iterable[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """The first ``limit`` of (rowid, bm25) pairs sorted by score, plus every pair tied with the
    last of them (the tie is broken by date and URL, which live in the articles table)."""
    best: list[tuple[int, float]] = []
    if limit <= 0:
        return best
    for rowid, score in scored:
        if len(best) >= limit and score != best[-1][1]:
            break
        best.append((rowid, score))
    return best


def _ranked_rowids(conn: sqlite3.Connection, match: str, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best (rowid, bm25) of the index alone, plus ties (``_head_with_ties``). Reading
    only the index keeps a common term's cost to scoring its matches: no article row is read
    for a match that does not make the page."""
    cursor = conn.execute(f"SELECT rowid, {RANK_SQL} AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? "
                          "ORDER BY score", [match])
    try:
        return _head_with_ties((row for rows in iter(lambda: cursor.fetchmany(max(limit, 64)), []) for row in rows), limit)
    finally:
        cursor.close()


def _rows_of(conn: sqlite3.Connection, best: list[tuple[int, float]], limit: int) -> list[tuple[Any, ...]]:
    """The hit rows of (rowid, bm25) pairs, in the search order, at most ``limit``."""
    if not best:
        return []
    return conn.execute(
        f"SELECT {_HIT_COLUMNS}, json_extract(m.value, '$[1]') AS score FROM json_each(?) AS m "
        f"JOIN articles AS a ON a.rowid = json_extract(m.value, '$[0]') {_ORDER} LIMIT ?",
        [json.dumps(best), limit],
    ).fetchall()


def search(db: Any, text: str, *, site: str | None = None, since: str | None = None, until: str | None = None,
           limit: int | None = 20, count_bound: int | None = COUNT_BOUND, rank_bound: int | None = RANK_BOUND,
           exhaustive: bool = False) -> SearchResult:
    """Articles matching the query ``text``, best first (raises QueryError on a bad query).

    ``db`` is a sqlite-utils Database or a sqlite3 connection on an archive at schema 3 or later.
    ``since``/``until`` filter on the publication date like ``parknews export``. Order: bm25
    (title hits weigh most), then newest, then URL.

    Bounds (see the module docstring): when more than ``rank_bound`` articles match (after the
    filters), only the ``rank_bound`` most recently stored of them (highest rowid) are ranked and
    ``ranked_among`` says so; ``count_bound``: count matches only up to this many
    (``total_exact`` false beyond it). None lifts a bound; ``exhaustive=True`` lifts both (every
    match ranked and counted), and so does ``limit=None`` for the ranking (every match returned,
    so the count is exact too).
    """
    if rank_bound is not None and rank_bound < 1:
        raise ValueError(f"rank_bound must be at least 1 (or None), not {rank_bound}")
    query = parse_query(text)
    filters, filter_params = article_filters("a", site=site, since=since, until=until)
    if exhaustive or limit is None:  # limit None returns every match: nothing left to bound
        rank_bound = count_bound = None
    conn = _conn(db)
    clauses, params = [f"{FTS_TABLE} MATCH ?", *filters], [query.match, *filter_params]
    # CROSS JOIN: the index drives (newest rowid first when asked), so a LIMIT stops it early.
    source = (f"{FTS_TABLE} CROSS JOIN articles AS a ON a.rowid = {FTS_TABLE}.rowid WHERE {' AND '.join(clauses)}"
              if filters else f"{FTS_TABLE} WHERE {FTS_TABLE} MATCH ?")
    try:
        # One count answers both bounds: up to the larger of them, one more to know "more than".
        cap = None if count_bound is None else max(count_bound, rank_bound or 0)
        if cap is None:
            found = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source})", params).fetchone()[0]
        else:
            found = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT ?)", [*params, cap + 1]).fetchone()[0]
        exact = count_bound is None or found <= count_bound
        total = found if exact else count_bound
        ranked_among = rank_bound if rank_bound is not None and found > rank_bound else None
        if ranked_among is not None:
            # The newest matches, scored; bm25's weights of the terms still come from the whole index,
            # so each score is the one an exhaustive search gives the same article.
            newest = conn.execute(f"SELECT {FTS_TABLE}.rowid, {RANK_SQL} AS score FROM {source} "
                                  f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT ?", [*params, ranked_among]).fetchall()
            newest.sort(key=lambda pair: pair[1])
            rows = _rows_of(conn, _head_with_ties(newest, limit or 0), limit or 0)
        elif filters or limit is None:
            joined = f"{FTS_TABLE} JOIN articles AS a ON a.rowid = {FTS_TABLE}.rowid WHERE {' AND '.join(clauses)}"
            rows = conn.execute(f"SELECT {_HIT_COLUMNS}, {RANK_SQL} AS score FROM {joined} {_ORDER} LIMIT ?",
                                [*params, -1 if limit is None else limit]).fetchall()
        else:
            rows = _rows_of(conn, _ranked_rowids(conn, query.match, limit), limit)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            raise QueryError("this archive has no full-text index; open it once with this parknews to upgrade it") from exc
        raise QueryError(f"cannot search for {text!r}: {exc}") from exc
    hits = []
    for rank, (url, site_, title, published, outlet, body, captions, score) in enumerate(rows, start=1):
        snippet, spans = best_snippet(title, body, captions, query.terms)
        hits.append(Hit(rank, url, site_, title, published, outlet, -score, snippet, spans))
    return SearchResult(query=query, total=total, hits=hits, total_exact=exact, ranked_among=ranked_among)


def rebuild_index(db: Any, *, batch: int = 2000) -> int:
    """Rebuild the full-text index from the articles table; returns the number of articles indexed.

    Not needed in normal use (the store's writers keep the index in step); use it after edits
    made to the articles table with plain SQL, or a VACUUM that renumbered rowids. One
    transaction: the windows are made in Python and written ``batch`` rows at a time.
    """
    from parknews.archive.store import index_rows

    conn = _conn(db)
    with conn:
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
        cursor = conn.execute("SELECT rowid, title, body, captions FROM articles ORDER BY rowid")
        while rows := cursor.fetchmany(batch):
            index_rows(conn, rows)
    return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


# --- for Datasette -----------------------------------------------------------------


def fts_match_expression(text: str | None) -> str:
    """FTS5 expression for a search box (Datasette): the parsed query, else the words taken
    literally, else an expression that matches nothing. Never raises."""
    text = text or ""
    try:
        return parse_query(text).match
    except QueryError:
        words = [term_expression(w) for w in re.split(r'[\s()"]+', text)]
        return " AND ".join(f"({w})" for w in words if w) or '""'


def snippet_marked(title: str | None, body: str | None, captions: str | None, text: str | None) -> str:
    """Snippet for the Datasette search query: plain text, matches between <mark> and </mark>.

    The text is not HTML-escaped here; the plugin's render_cell escapes it and lets only the
    mark tags through.
    """
    try:
        terms = parse_query(text or "").terms
    except QueryError:
        terms = (text or "").split()
    snippet, spans = best_snippet(title, body, captions, terms)
    return mark(snippet, spans, "<mark>", "</mark>")
