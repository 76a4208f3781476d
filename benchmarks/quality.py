"""Extraction-quality benchmark: parknews against trafilatura, readability-lxml and GNE.

Runs every extractor on the same pages in one process and prints one Markdown
table (rows: dataset x extractor; columns: F1, P, R, author, date, ms/page),
plus the own-fixture checks when the own fixtures are scored.

Datasets:
  aeb  shared/eval/aeb: article-extraction-benchmark pages, \\w+ shingle metric
  zh   shared/eval/zh-cwced-dev: Chinese pages, CJK-character shingle metric,
       author and date accuracy
  own  tests/fixtures/<site>/expected.toml, pages located by tests/fixture_pages.py

Examples:
  python benchmarks/quality.py
  python benchmarks/quality.py --only parknews --datasets zh --misses 10
  python benchmarks/quality.py --datasets own --gate
  python benchmarks/quality.py --json /tmp/quality.json

The metric functions live in benchmarks/scoring.py; the evaluation pages are
read from shared/eval and never copied into the repository.

Choices that the numbers depend on:
* parknews' author string is its byline's reporters, then correspondents, then
  photographers, joined with spaces; editors and the outlet are left out (an
  editor is not an author, and the zh labels name writers only).
* parknews and trafilatura get the raw bytes. readability-lxml and GNE take
  str: they get the bytes decoded as UTF-8, or as GB18030 when that fails
  (with replacement characters), a deliberately simple fallback.
* trafilatura runs with its defaults except with_metadata=True (to get author
  and date) and include_comments=False (its main text only: the truth holds no
  comments, and parknews extracts none). readability-lxml's summary HTML is
  turned into text with a newline after each block element; its title (for
  the own fixtures) is short_title(). readability gives no author or date.
* Only the extractor call itself is timed (time.perf_counter); decoding,
  conversion to text and scoring are not. By default each extractor runs over
  all of a dataset's pages before the next one starts ("blocked", the way an
  extractor runs in a crawler); ``--timing interleaved`` runs the extractors in
  turn on each page instead, which makes every call start from caches another
  extractor has just used, and slows the fastest extractor most (see
  run_dataset). The table says which mode produced it.
* Any exception from an extractor (parknews' ExtractionError included) scores
  as empty output; the notes count them per run.
* Own fixtures: each page gets its URL on the real site (origin of the
  profile's first start URL + the table's path) and, for parknews, the
  profile's selectors as site_rules, as ``parknews extract`` does. Byline
  precision/recall count (role, name) pairs over all pages, only for the roles
  a table lists, with the byline outlet as one more role; must_contain and
  must_not_contain are matched in the body ignoring whitespace; captions are
  matched whole, ignoring whitespace. An ``expect_error`` page must raise
  ExtractionError (with that reason when the value is a string) and is not
  scored otherwise. ``paragraphs`` (a count) and body_first/body_last are
  reported, not gated by default.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import logging
import os
import statistics
import sys
import time
import urllib.parse
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project still allows 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import scoring  # noqa: E402

DATASETS = ("aeb", "zh", "own")
DATASET_DIRS = {"aeb": "aeb", "zh": "zh-cwced-dev"}
EXTRACTORS = ("parknews", "trafilatura", "readability-lxml", "gne")
EXTRACTOR_ALIASES = {"readability": "readability-lxml", "GNE": "gne"}
FLOORS_FILE = REPO / "benchmarks" / "quality_floors.toml"
FIXTURES_DIR = REPO / "tests" / "fixtures"
# zh-cwced pages come without their address; a reserved .invalid host keeps
# relative links resolvable without pointing anywhere real.
ZH_BASE_URL = "http://zh-cwced.invalid/"
BYLINE_ROLES = ("reporters", "correspondents", "editors", "photographers")
AUTHOR_ROLES = ("reporters", "correspondents", "photographers")


# --- extractors --------------------------------------------------------------


@dataclass
class Output:
    """What one extractor produced for one page, reduced to what is scored."""

    body: str = ""
    author: str | None = None
    date: str | None = None
    title: str | None = None
    byline: dict[str, list[str]] | None = None
    outlet: str | None = None
    captions: list[str] | None = None
    error: str | None = None
    expected_error: bool = False
    """True when the error is the extractor's documented refusal (parknews' ExtractionError)."""
    error_reason: str | None = None
    """The refusal's ``reason`` attribute ("decode", "parse", "empty"), when it has one."""


@dataclass
class Extractor:
    """An extractor as the harness drives it: untimed prepare, timed call, untimed convert."""

    name: str
    version: str
    call: Callable[[Any, str, dict[str, Any]], Any]
    """The timed call: (prepared page, url, hints); only parknews reads the hints."""
    convert: Callable[[Any], Output]
    prepare: Callable[[bytes], Any] = lambda body: body
    refusal: tuple[type[BaseException], ...] = ()
    gives_author: bool = False
    gives_date: bool = False
    gives_title: bool = False
    gives_byline: bool = False
    gives_captions: bool = False

    def run(self, body: bytes, url: str, hints: dict[str, Any] | None = None) -> tuple[Output, float]:
        """Extract one page; returns the output and the seconds spent in the call."""
        data = self.prepare(body)
        start = time.perf_counter()
        try:
            raw = self.call(data, url, hints or {})
        except Exception as exc:  # noqa: BLE001 - any failure scores as empty output
            seconds = time.perf_counter() - start
            refused = isinstance(exc, self.refusal)
            return Output(
                error=f"{type(exc).__name__}: {exc}"[:300],
                expected_error=refused,
                error_reason=getattr(exc, "reason", None) if refused else None,
            ), seconds
        seconds = time.perf_counter() - start
        try:
            return self.convert(raw), seconds
        except Exception as exc:  # noqa: BLE001
            return Output(error=f"converting output: {type(exc).__name__}: {exc}"[:300]), seconds


def decode_simple(body: bytes) -> str:
    """UTF-8, else GB18030 with replacement: the plain decoding given to str-only tools."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def load_parknews() -> Extractor:
    """parknews' extract_article, its record kept or refused as the crawl keeps it (the one
    rule of ``parknews.extract.process.validated``: there an article page with no body text is a
    refusal, as the fixtures' ``expect_error`` pages say); raises ImportError (or anything)
    when it does not import."""
    from parknews.extract import ExtractionError, extract_article
    from parknews.extract.process import validated

    def convert(article: Any) -> Output:
        byline = article.byline
        roles = {role: list(getattr(byline, role) or []) for role in BYLINE_ROLES}
        author = " ".join(name for role in AUTHOR_ROLES for name in roles[role])
        return Output(
            body=article.body or "",
            author=author or None,
            date=article.published_at,
            title=article.title,
            byline=roles,
            outlet=byline.outlet,
            captions=[c.text for c in article.captions or []],
        )

    return Extractor(
        name="parknews",
        version="working tree",
        call=lambda body, url, hints: validated(extract_article(body, url, **hints)),
        convert=convert,
        refusal=(ExtractionError,),
        gives_author=True,
        gives_date=True,
        gives_title=True,
        gives_byline=True,
        gives_captions=True,
    )


def load_trafilatura() -> Extractor:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)

    def call(body: bytes, url: str, hints: dict[str, Any]) -> Any:
        return trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False)

    def convert(doc: Any) -> Output:
        if doc is None:
            return Output()
        return Output(body=doc.text or "", author=doc.author, date=doc.date, title=doc.title)

    return Extractor(
        name="trafilatura",
        version=_version("trafilatura"),
        call=call,
        convert=convert,
        gives_author=True,
        gives_date=True,
        gives_title=True,
    )


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one line per block element."""
    import lxml.html
    from lxml import etree

    if not html or not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    for el in root.iter(etree.Element):
        if el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def load_readability() -> Extractor:
    from readability import Document

    logging.getLogger("readability").setLevel(logging.CRITICAL)
    logging.getLogger("readability.readability").setLevel(logging.CRITICAL)

    def call(text: str, url: str, hints: dict[str, Any]) -> Any:
        doc = Document(text, url=url)
        return doc, doc.summary()

    def convert(raw: Any) -> Output:
        doc, summary = raw
        return Output(body=html_to_text(summary), title=doc.short_title())

    return Extractor(
        name="readability-lxml",
        version=_version("readability-lxml"),
        call=call,
        convert=convert,
        prepare=decode_simple,
        gives_title=True,
    )


def load_gne() -> Extractor:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def convert(result: dict[str, Any]) -> Output:
        return Output(
            body=result.get("content") or "",
            author=result.get("author") or None,
            date=result.get("publish_time") or None,
            title=result.get("title") or None,
        )

    return Extractor(
        name="gne",
        version=_version("gne"),
        call=lambda text, url, hints: extractor.extract(text),
        convert=convert,
        prepare=decode_simple,
        gives_author=True,
        gives_date=True,
        gives_title=True,
    )


LOADERS: dict[str, tuple[Callable[[], Extractor], str]] = {
    "parknews": (load_parknews, ""),
    "trafilatura": (load_trafilatura, "trafilatura"),
    "readability-lxml": (load_readability, "readability-lxml"),
    "gne": (load_gne, "gne"),
}


# --- datasets ----------------------------------------------------------------


@dataclass
class Case:
    """One page to extract, with whatever truth its dataset gives."""

    id: str
    url: str
    html: bytes | None
    text: str | None = None
    author: str | None = None
    date: str | None = None
    expect: dict[str, Any] | None = None
    """Own fixtures: the page's table from expected.toml."""
    hints: dict[str, Any] = field(default_factory=dict)
    """Own fixtures: keyword arguments for parknews' extract_article (site_rules, content_type)."""


@dataclass
class Dataset:
    name: str
    tokenize: scoring.Tokenizer
    cases: list[Case]


def load_aeb(root: Path) -> Dataset:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    cases = []
    for page_id in sorted(truth):
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        cases.append(Case(page_id, truth[page_id].get("url") or "", html, text=truth[page_id].get("articleBody", "")))
    return Dataset("aeb", scoring.word_tokens, cases)


def _read_label(path: Path) -> str | None:
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def load_zh(root: Path) -> Dataset:
    cases = []
    for path in sorted((root / "original").glob("*.html")):
        page_id = path.stem
        cases.append(
            Case(
                page_id,
                ZH_BASE_URL + path.name,
                path.read_bytes(),
                text=_read_label(root / "cleaned" / f"{page_id}.txt"),
                author=_read_label(root / "author" / f"{page_id}.txt"),
                date=_read_label(root / "date" / f"{page_id}.txt"),
            )
        )
    return Dataset("zh", scoring.cjk_tokens, cases)


def _as_text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return "" if value is None else str(value)


def load_own() -> Dataset:
    """The project's fixture pages, located and configured by tests/fixture_pages.py.

    Each page gets its URL on its (pretended) real site, its site's profile selectors
    when it has a profile, and the Content-Type its site copy serves: what a crawl
    would hand extract_article.
    """
    sys.path.insert(0, str(REPO / "tests"))
    from fixture_pages import fixture_pages, fixture_profile

    cases = []
    for page in fixture_pages():
        table = page.expected
        hints: dict[str, Any] = {}
        profile = fixture_profile(page.site)
        if profile is not None:
            hints["site_rules"] = profile.selectors
        if content_type := page.content_type():
            hints["content_type"] = content_type
        paragraphs = table.get("paragraphs")
        text = "\n".join(paragraphs) if isinstance(paragraphs, list) else None
        authors = [n for role in AUTHOR_ROLES for n in table.get(role) or []]
        cases.append(
            Case(
                f"{page.site}{page.path}",
                page.url,
                page.file.read_bytes() if page.file.is_file() else None,
                text=text,
                author=" ".join(authors) if authors else None,
                date=_as_text(table["published"]) if "published" in table else None,
                expect=table,
                hints=hints,
            )
        )
    return Dataset("own", scoring.cjk_tokens, cases)


# --- running and scoring -----------------------------------------------------


@dataclass
class OwnCheck:
    """One own-fixture page's checks (None: not checked for this extractor or page)."""

    leaks: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    byline: scoring.PairCounts | None = None
    captions: scoring.PairCounts | None = None
    date_ok: bool | None = None
    title_ok: bool | None = None
    paragraphs_ok: bool | None = None
    edges: list[bool] = field(default_factory=list)
    """body_first and body_last checks, where the fixture gives them."""
    error_ok: bool | None = None
    missing_html: bool = False

    def problems(self) -> list[str]:
        out = [f"leak {s!r}" for s in self.leaks] + [f"missing {s!r}" for s in self.misses]
        if self.missing_html:
            out.append("HTML file missing")
        if self.byline and self.byline.matched < max(self.byline.extracted, self.byline.expected):
            out.append(f"byline {self.byline.matched}/{self.byline.expected} found, {self.byline.extracted} given")
        if self.captions and self.captions.matched < self.captions.expected:
            out.append(f"captions {self.captions.matched}/{self.captions.expected}")
        if self.date_ok is False:
            out.append("date")
        if self.title_ok is False:
            out.append("title")
        if self.paragraphs_ok is False:
            out.append("paragraph count")
        if not all(self.edges):
            out.append("body start/end")
        if self.error_ok is False:
            out.append("expected ExtractionError not raised")
        return out


@dataclass
class PageResult:
    id: str
    score: scoring.PageScore | None
    author_ok: bool | None
    date_ok: bool | None
    seconds: float | None
    error: str | None
    expected_error: bool = False
    own: OwnCheck | None = None


@dataclass
class OwnScores:
    pages: int
    leaks: int
    misses: int
    byline: scoring.PairCounts | None
    captions: scoring.PairCounts | None
    date_accuracy: float | None
    title_accuracy: float | None
    paragraph_accuracy: float | None
    edge_accuracy: float | None
    error_mismatches: int
    missing_html: int


@dataclass
class RunResult:
    dataset: str
    extractor: str
    body: scoring.BodyScores
    author: float | None
    author_pages: int
    date: float | None
    date_pages: int
    median_ms: float | None
    pages: list[PageResult]
    own: OwnScores | None = None

    @property
    def refused(self) -> int:
        return sum(1 for p in self.pages if p.error and p.expected_error)

    @property
    def crashed(self) -> list[PageResult]:
        return [p for p in self.pages if p.error and not p.expected_error]


def check_own(case: Case, out: Output, ex: Extractor) -> OwnCheck:
    """The own-fixture checks of one page for one extractor."""
    exp = case.expect or {}
    check = OwnCheck()
    if case.html is None:
        check.missing_html = True
        return check
    if exp.get("expect_error"):
        if ex.refusal:  # only an extractor with a documented refusal (parknews) is checked
            reason = exp["expect_error"]
            check.error_ok = out.expected_error and (not isinstance(reason, str) or out.error_reason == reason)
        return check
    check.leaks = scoring.found_strings(out.body, exp.get("must_not_contain") or [])
    check.misses = scoring.missing_strings(out.body, exp.get("must_contain") or [])
    if ex.gives_byline and out.byline is not None:
        roles = [r for r in BYLINE_ROLES if r in exp]
        want = scoring.byline_pairs({r: exp.get(r) or [] for r in roles})
        got = scoring.byline_pairs({r: out.byline.get(r) or [] for r in roles})
        if "outlet" in exp:
            want += scoring.byline_pairs({"outlet": [exp["outlet"] or ""]})
            got += scoring.byline_pairs({"outlet": [out.outlet or ""]})
        if roles or "outlet" in exp:
            check.byline = scoring.count_pairs(want, got)
    if ex.gives_captions and "captions" in exp:
        check.captions = scoring.count_captions(exp["captions"] or [], out.captions or [])
    if ex.gives_date and "published" in exp:
        check.date_ok = scoring.same_day(out.date, _as_text(exp["published"]))
    if ex.gives_title and "title" in exp:
        check.title_ok = scoring.same_title(out.title, exp["title"])
    if isinstance(exp.get("paragraphs"), int):
        check.paragraphs_ok = len(scoring.body_paragraphs(out.body)) == exp["paragraphs"]
    first, last = scoring.body_edges(out.body)
    if "body_first" in exp:
        check.edges.append(first == " ".join(str(exp["body_first"]).split()))
    if "body_last" in exp:
        check.edges.append(last == " ".join(str(exp["body_last"]).split()))
    return check


def _sum_counts(counts: list[scoring.PairCounts | None]) -> scoring.PairCounts | None:
    present = [c for c in counts if c is not None]
    return sum(present, scoring.PairCounts()) if present else None


def summarize_own(checks: list[OwnCheck]) -> OwnScores:
    return OwnScores(
        pages=len(checks),
        leaks=sum(len(c.leaks) for c in checks),
        misses=sum(len(c.misses) for c in checks),
        byline=_sum_counts([c.byline for c in checks]),
        captions=_sum_counts([c.captions for c in checks]),
        date_accuracy=scoring.accuracy(c.date_ok for c in checks if c.date_ok is not None),
        title_accuracy=scoring.accuracy(c.title_ok for c in checks if c.title_ok is not None),
        paragraph_accuracy=scoring.accuracy(c.paragraphs_ok for c in checks if c.paragraphs_ok is not None),
        edge_accuracy=scoring.accuracy(ok for c in checks for ok in c.edges),
        error_mismatches=sum(1 for c in checks if c.error_ok is False),
        missing_html=sum(1 for c in checks if c.missing_html),
    )


def score_case(ds: Dataset, case: Case, ex: Extractor, out: Output, seconds: float | None) -> PageResult:
    own = check_own(case, out, ex) if ds.name == "own" else None
    skip_body = case.html is None or (case.expect or {}).get("expect_error")
    score = None if skip_body or case.text is None else scoring.score_page(case.text, out.body, ds.tokenize)
    author_ok = date_ok = None
    if not skip_body and ex.gives_author and scoring.known_author(case.author):
        author_ok = scoring.author_matches(out.author, case.author or "")
    if not skip_body and ex.gives_date and scoring.known_date(case.date):
        date_ok = scoring.date_matches(out.date, case.date or "")
    return PageResult(case.id, score, author_ok, date_ok, seconds, out.error, out.expected_error, own)


TIMINGS = ("blocked", "interleaved")


def run_dataset(
    ds: Dataset, extractors: list[Extractor], progress: bool = True, timing: str = "blocked"
) -> list[RunResult]:
    """Run every extractor on every page and score them.

    ``timing`` "blocked": each extractor runs over all the pages, then the next one, as it
    runs in a crawler (alone in its process). "interleaved": page by page, the extractors in
    turn; each call then starts where another extractor left the CPU caches and the heap, a
    cost that weighs most on the fastest (measured: +15-25 % for parknews, +3 % for
    trafilatura), so this mode is kept for comparison, not as the default.
    """
    per_ex: dict[str, list[PageResult]] = {ex.name: [] for ex in extractors}

    def run_one(ex: Extractor, case: Case) -> None:
        if case.html is None:  # reported once per dataset, and by the own checks
            out, seconds = Output(), None
        else:
            out, seconds = ex.run(case.html, case.url, case.hints)
        per_ex[ex.name].append(score_case(ds, case, ex, out, seconds))

    def report(done: int, total: int, what: str = "") -> None:
        if progress and (done % 20 == 0 or done == total):
            print(f"  {ds.name}{what}: {done}/{total} pages", file=sys.stderr, flush=True)

    if timing == "interleaved":
        for i, case in enumerate(ds.cases, 1):
            for ex in extractors:
                run_one(ex, case)
            report(i, len(ds.cases))
    else:
        for ex in extractors:
            for i, case in enumerate(ds.cases, 1):
                run_one(ex, case)
                report(i, len(ds.cases), f" ({ex.name})")
    results = []
    for ex in extractors:
        pages = per_ex[ex.name]
        authors = [p.author_ok for p in pages if p.author_ok is not None]
        dates = [p.date_ok for p in pages if p.date_ok is not None]
        times = [p.seconds for p in pages if p.seconds is not None]
        results.append(
            RunResult(
                dataset=ds.name,
                extractor=ex.name,
                body=scoring.aggregate(p.score for p in pages if p.score is not None),
                author=scoring.accuracy(authors) if ex.gives_author else None,
                author_pages=len(authors),
                date=scoring.accuracy(dates) if ex.gives_date else None,
                date_pages=len(dates),
                median_ms=statistics.median(times) * 1000 if times else None,
                pages=pages,
                own=summarize_own([p.own for p in pages if p.own is not None]) if ds.name == "own" else None,
            )
        )
    return results


# --- cross-validation ----------------------------------------------------------

#: The knobs chosen by cross-validation and the values tried (parknews.extract.body.KNOBS);
#: every other rule, word list and threshold of the extractor is fixed.
CV_GRID: dict[str, tuple[float, ...]] = {
    "unlikely_penalty": (0.15, 0.3, 0.6),
    "sibling_share": (0.1, 0.2, 0.35),
}


@dataclass
class CrossValidated:
    dataset: str
    folds: int
    grouping: str
    body: scoring.BodyScores
    author: float | None
    date: float | None
    chosen: list[dict[str, float]]
    below_half: int


def _fold_key(case: Case) -> str:
    """Pages of one site share a fold (aeb has URLs); others are folded page by page."""
    host = urllib.parse.urlsplit(case.url).hostname if case.url.startswith("http") else None
    return host.removeprefix("www.") if host and not case.url.startswith(ZH_BASE_URL) else case.id


def cross_validate(ds: Dataset, folds: int) -> CrossValidated:
    """Choose CV_GRID's knobs on k-1 folds (best mean page F1), score the held-out fold.

    Every grid point is run once over all pages; a fold's held-out pages are then read from
    the run of the point its training folds chose. Folds are groups by site where pages
    have one (crc32 of the host, mod k), so no site is both tuned on and scored.
    """
    from parknews.extract import body as body_mod

    ex = load_parknews()
    names = list(CV_GRID)
    grid = [dict(zip(names, values, strict=True)) for values in itertools.product(*(CV_GRID[n] for n in names))]
    saved = dict(body_mod.KNOBS)
    runs: list[list[PageResult]] = []
    cases = [c for c in ds.cases if c.html is not None]
    try:
        for point in grid:
            body_mod.KNOBS.update(point)
            runs.append([score_case(ds, c, ex, ex.run(c.html, c.url, c.hints)[0], None) for c in cases])
    finally:
        body_mod.KNOBS.clear()
        body_mod.KNOBS.update(saved)
    keys = [_fold_key(c) for c in cases]
    fold_of = [zlib.crc32(k.encode()) % folds for k in keys]
    held: list[PageResult] = []
    chosen: list[dict[str, float]] = []
    default = next(i for i, p in enumerate(grid) if all(saved[n] == p[n] for n in names))

    def train_f1(i: int, fold: int) -> float:
        scores = [r.score.f1 for j, r in enumerate(runs[i]) if fold_of[j] != fold and r.score and r.score.f1 is not None]
        return statistics.fmean(scores) if scores else 0.0

    for fold in range(folds):
        # Ties go to the shipped defaults, then to the first point of the grid.
        best = max(range(len(grid)), key=lambda i: (round(train_f1(i, fold), 6), i == default))
        chosen.append(grid[best])
        held += [r for j, r in enumerate(runs[best]) if fold_of[j] == fold]
    authors = [p.author_ok for p in held if p.author_ok is not None]
    dates = [p.date_ok for p in held if p.date_ok is not None]
    grouping = "by site" if any(k != c.id for k, c in zip(keys, cases, strict=True)) else "by page"
    return CrossValidated(
        dataset=ds.name,
        folds=folds,
        grouping=grouping,
        body=scoring.aggregate(p.score for p in held if p.score is not None),
        author=scoring.accuracy(authors) if authors else None,
        date=scoring.accuracy(dates) if dates else None,
        chosen=chosen,
        below_half=sum(1 for p in held if p.score is not None and (p.score.f1 or 0.0) < 0.5),
    )


def cv_table(results: list[RunResult], cvs: list[CrossValidated]) -> str:
    lines = [
        "| dataset | folds | F1 in-sample | F1 cross-val | author in / cv | date in / cv | pages F1<0.5 in / cv | knobs chosen per fold |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for cv in cvs:
        r = next(r for r in results if r.dataset == cv.dataset and r.extractor == "parknews")
        below = sum(1 for p in r.pages if p.score is not None and (p.score.f1 or 0.0) < 0.5)
        chosen = "; ".join(",".join(f"{v:g}" for v in point.values()) for point in cv.chosen)
        lines.append(
            f"| {cv.dataset} | {cv.folds} {cv.grouping} | {_fmt(r.body.f1)} | {_fmt(cv.body.f1)} | "
            f"{_fmt(r.author)} / {_fmt(cv.author)} | {_fmt(r.date)} / {_fmt(cv.date)} | {below} / {cv.below_half} | {chosen} |"
        )
    return "\n".join(lines)


# --- gate --------------------------------------------------------------------

# floor key -> (what it reads from OwnScores, "max" or "min")
FLOOR_KEYS: dict[str, tuple[Callable[[OwnScores], float | None], str]] = {
    "max_boilerplate_leaks": (lambda s: s.leaks, "max"),
    "max_must_contain_misses": (lambda s: s.misses, "max"),
    "max_error_mismatches": (lambda s: s.error_mismatches, "max"),
    "byline_precision": (lambda s: s.byline.precision if s.byline else None, "min"),
    "byline_recall": (lambda s: s.byline.recall if s.byline else None, "min"),
    "caption_recall": (lambda s: s.captions.recall if s.captions else None, "min"),
    "date_accuracy": (lambda s: s.date_accuracy, "min"),
    "title_accuracy": (lambda s: s.title_accuracy, "min"),
    "paragraph_accuracy": (lambda s: s.paragraph_accuracy, "min"),
    "body_edge_accuracy": (lambda s: s.edge_accuracy, "min"),
}


def load_floors(path: Path) -> dict[str, float]:
    floors = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(floors) - set(FLOOR_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown floor(s) {', '.join(unknown)}; known: {', '.join(FLOOR_KEYS)}")
    return {k: float(v) for k, v in floors.items()}


def check_gate(own: OwnScores | None, floors: dict[str, float]) -> tuple[list[str], list[str]]:
    """Floors missed (each a line naming it) and notes on floors with nothing to measure."""
    if own is None or own.pages == 0:
        return ["no own fixtures were scored (tests/fixtures/*/expected.toml)"], []
    missed, notes = [], []
    if own.missing_html:
        missed.append(f"fixture pages without HTML: {own.missing_html}")
    for key, floor in floors.items():
        read, kind = FLOOR_KEYS[key]
        value = read(own)
        if value is None:
            notes.append(f"{key}: nothing to measure in the fixtures")
        elif (kind == "max" and value > floor) or (kind == "min" and value < floor):
            sign = "<=" if kind == "max" else ">="
            missed.append(f"{key}: {value:.3g} (floor {sign} {floor:g})")
    return missed, notes


# --- output ------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def main_table(results: list[RunResult]) -> str:
    lines = [
        "| dataset | extractor | F1 | P | R | author | date | ms/page |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.dataset} | {r.extractor} | {_fmt(r.body.f1)} | {_fmt(r.body.precision)} | "
            f"{_fmt(r.body.recall)} | {_fmt(r.author)} | {_fmt(r.date)} | {_fmt(r.median_ms, 1)} |"
        )
    return "\n".join(lines)


def own_table(results: list[RunResult]) -> str:
    lines = [
        "| extractor | pages | leaks | must_contain misses | byline P | byline R | caption R | date | title |"
        " paragraphs | body start/end | error as expected |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r.own
        if s is None:
            continue
        byl_p = s.byline.precision if s.byline else None
        byl_r = s.byline.recall if s.byline else None
        cap_r = s.captions.recall if s.captions else None
        errs = [p.own.error_ok for p in r.pages if p.own and p.own.error_ok is not None]
        err = f"{sum(errs)}/{len(errs)}" if errs else "–"
        lines.append(
            f"| {r.extractor} | {s.pages} | {s.leaks} | {s.misses} | {_fmt(byl_p)} | {_fmt(byl_r)} | "
            f"{_fmt(cap_r)} | {_fmt(s.date_accuracy)} | {_fmt(s.title_accuracy)} | "
            f"{_fmt(s.paragraph_accuracy)} | {_fmt(s.edge_accuracy)} | {err} |"
        )
    return "\n".join(lines)


def worst_pages(results: list[RunResult], n: int) -> str:
    blocks = []
    for r in results:
        if r.extractor != "parknews":
            continue
        scored = [p for p in r.pages if p.score is not None and p.score.f1 is not None]
        scored.sort(key=lambda p: (p.score.f1, p.score.recall or 0.0, p.id))  # type: ignore[union-attr]
        lines = []
        if scored:
            lines += [
                f"### parknews: {min(n, len(scored))} worst pages on {r.dataset}",
                "",
                "| id | F1 | P | R | note |",
                "|---|---:|---:|---:|---|",
            ]
            for p in scored[:n]:
                s = p.score
                assert s is not None
                note = (p.error or "").replace("|", "/").replace("\n", " ")[:80]
                lines.append(f"| {p.id} | {_fmt(s.f1)} | {_fmt(s.precision)} | {_fmt(s.recall)} | {note} |")
        if r.dataset == "own":
            failing = []
            for p in r.pages:
                probs = p.own.problems() if p.own else []
                if p.error and not (p.own and p.own.error_ok):
                    probs.insert(0, f"raised {p.error}")
                if probs:
                    failing.append((p.id, probs))
            if failing:
                lines += ["", f"### parknews: own-fixture pages failing checks ({len(failing)})", ""]
                lines += [f"- {pid}: " + "; ".join(probs) for pid, probs in failing[:n]]
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def as_json(results: list[RunResult], meta: dict[str, Any]) -> dict[str, Any]:
    def page(p: PageResult) -> dict[str, Any]:
        d: dict[str, Any] = {"id": p.id, "ms": None if p.seconds is None else round(p.seconds * 1000, 3)}
        if p.score is not None:
            d.update(precision=p.score.precision, recall=p.score.recall, f1=p.score.f1)
        if p.author_ok is not None:
            d["author_ok"] = p.author_ok
        if p.date_ok is not None:
            d["date_ok"] = p.date_ok
        if p.error:
            d["error"] = p.error
        if p.own is not None:
            d["problems"] = p.own.problems()
        return d

    runs = []
    for r in results:
        run: dict[str, Any] = {
            "dataset": r.dataset,
            "extractor": r.extractor,
            "f1": r.body.f1,
            "precision": r.body.precision,
            "recall": r.body.recall,
            "body_pages": r.body.pages,
            "author": r.author,
            "author_pages": r.author_pages,
            "date": r.date,
            "date_pages": r.date_pages,
            "median_ms": r.median_ms,
            "refused": r.refused,
            "crashed": len(r.crashed),
            "pages": [page(p) for p in r.pages],
        }
        if r.own is not None:
            s = r.own
            run["own"] = {
                "pages": s.pages,
                "boilerplate_leaks": s.leaks,
                "must_contain_misses": s.misses,
                "byline_precision": s.byline.precision if s.byline else None,
                "byline_recall": s.byline.recall if s.byline else None,
                "caption_recall": s.captions.recall if s.captions else None,
                "date_accuracy": s.date_accuracy,
                "title_accuracy": s.title_accuracy,
                "paragraph_accuracy": s.paragraph_accuracy,
                "body_edge_accuracy": s.edge_accuracy,
                "error_mismatches": s.error_mismatches,
                "missing_html": s.missing_html,
            }
        runs.append(run)
    return {"meta": meta, "runs": runs}


# --- command line ------------------------------------------------------------


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score parknews' extraction against trafilatura, readability-lxml and GNE.",
        epilog="Example: python benchmarks/quality.py --only parknews --datasets zh --misses 10",
    )
    parser.add_argument(
        "--eval-dir",
        type=Path,
        help="evaluation data (default: $PARKNEWS_EVAL_DIR, else ../shared/eval beside the repo)",
    )
    parser.add_argument("--only", type=_csv, help=f"comma-separated extractors among {', '.join(EXTRACTORS)}")
    parser.add_argument(
        "--datasets", type=_csv, default=list(DATASETS), help="comma-separated among aeb,zh,own (default: all)"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write all scores, per page, as JSON")
    parser.add_argument(
        "--gate", action="store_true", help=f"check parknews' own-fixture scores against {FLOORS_FILE.name}"
    )
    parser.add_argument("--floors", type=Path, default=FLOORS_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="print parknews' N worst pages per dataset")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--folds", type=int, default=5, metavar="K",
        help="cross-validate parknews' tuned knobs over K folds on aeb and zh (0: in-sample only)",
    )
    parser.add_argument(
        "--timing",
        choices=TIMINGS,
        default="blocked",
        help="blocked: each extractor over all pages in turn (default); interleaved: extractors in turn on each page",
    )
    args = parser.parse_args(argv)
    bad = [d for d in args.datasets if d not in DATASETS]
    if bad:
        parser.error(f"unknown dataset(s) {', '.join(bad)}; choose among {', '.join(DATASETS)}")
    if args.only is not None:
        args.only = [EXTRACTOR_ALIASES.get(n, n) for n in args.only]
        bad = [n for n in args.only if n not in EXTRACTORS]
        if bad:
            parser.error(f"unknown extractor(s) {', '.join(bad)}; choose among {', '.join(EXTRACTORS)}")
    return args


def resolve_eval_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    env = os.environ.get("PARKNEWS_EVAL_DIR")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "eval"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    notes: list[str] = []

    datasets = list(dict.fromkeys(args.datasets))
    if args.gate and "own" not in datasets:
        datasets.append("own")
    eval_dir = resolve_eval_dir(args.eval_dir)
    if any(d in DATASET_DIRS for d in datasets) and not eval_dir.is_dir():
        print(
            f"Evaluation data is absent ({eval_dir} does not exist): scoring only the project's own fixtures.",
            file=sys.stderr,
        )
        notes.append(f"evaluation data absent at {eval_dir}; aeb and zh not scored")
        datasets = ["own"]

    extractors: list[Extractor] = []
    for name in args.only or EXTRACTORS:
        loader, dist = LOADERS[name]
        try:
            extractors.append(loader())
        except Exception as exc:  # noqa: BLE001 - a missing or broken extractor is skipped
            if name == "parknews":
                notes.append(f"parknews skipped: parknews.extract does not import ({type(exc).__name__}: {exc})")
            else:
                notes.append(f"{name} skipped: not installed (pip install {dist}): {type(exc).__name__}: {exc}")
    if not extractors:
        for note in notes:
            print(f"- {note}", file=sys.stderr)
        print("Nothing to benchmark: no extractor could be loaded.", file=sys.stderr)
        return 2

    results: list[RunResult] = []
    cvs: list[CrossValidated] = []
    for name in datasets:
        if name == "own":
            ds = load_own()
            if not ds.cases:
                notes.append(f"own: no fixtures found under {FIXTURES_DIR.relative_to(REPO)}/*/expected.toml")
                continue
        else:
            root = eval_dir / DATASET_DIRS[name]
            if not root.is_dir():
                notes.append(f"{name}: {root} is absent; not scored")
                continue
            ds = load_aeb(root) if name == "aeb" else load_zh(root)
        no_html = [c.id for c in ds.cases if c.html is None]
        if no_html:
            notes.append(f"{name}: {len(no_html)} fixture page(s) without an HTML file, e.g. {no_html[0]}")
        if not args.quiet:
            print(f"{name}: {len(ds.cases)} pages x {len(extractors)} extractors", file=sys.stderr, flush=True)
        results += run_dataset(ds, extractors, progress=not args.quiet, timing=args.timing)
        if args.folds >= 2 and name != "own" and any(ex.name == "parknews" for ex in extractors):
            cvs.append(cross_validate(ds, args.folds))

    for r in results:
        parts = []
        if r.refused:
            parts.append(f"{r.refused} refused (ExtractionError)")
        if r.crashed:
            first = r.crashed[0]
            parts.append(f"{len(r.crashed)} failed (first: {first.id}: {first.error})")
        if parts:
            notes.append(f"{r.extractor} on {r.dataset}: " + "; ".join(parts) + "; scored as empty output")
        if r.extractor == "parknews" and r.dataset != "own" and (r.author_pages or r.date_pages):
            notes.append(
                f"parknews on {r.dataset}: author over {r.author_pages} labelled pages, date over {r.date_pages}"
            )

    versions = ", ".join(f"{ex.name} {ex.version}" for ex in extractors)
    print(f"Extractors: {versions}; timing: {args.timing} (see --timing)\n")
    print(main_table(results) if results else "(nothing was scored)")
    if cvs:
        grid = ", ".join(f"{n} in {{{', '.join(f'{v:g}' for v in vs)}}}" for n, vs in CV_GRID.items())
        print("\nparknews in-sample and cross-validated (knobs chosen on the other folds by mean page F1, "
              "scored on the held-out fold):\n")
        print(cv_table(results, cvs))
        print(f"\nTuned: {grid} (order as in the last column). Fixed: class_weight and every other rule, "
              "word list and threshold (set by hand, not fitted to these pages).")
    if any(r.own is not None for r in results):
        print("\nOwn fixtures:\n")
        print(own_table(results))
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"- {note}")
    if args.misses > 0:
        text = worst_pages(results, args.misses)
        if text:
            print("\n" + text)

    status = 0
    gate: dict[str, Any] | None = None
    if args.gate:
        floors = load_floors(args.floors)
        own = next((r.own for r in results if r.dataset == "own" and r.extractor == "parknews"), None)
        if not any(ex.name == "parknews" for ex in extractors):
            missed, gate_notes = ["parknews was not run (see the notes)"], []
        else:
            missed, gate_notes = check_gate(own, floors)
        print()
        for note in gate_notes:
            print(f"Gate note: {note}")
        if missed:
            print("Quality gate FAILED:")
            for line in missed:
                print(f"- {line}")
            status = 1
        else:
            print(f"Quality gate passed ({len(floors)} floors).")
        gate = {"floors": floors, "missed": missed, "notes": gate_notes}

    if args.json:
        meta = {
            "eval_dir": str(eval_dir),
            "datasets": [r.dataset for r in results],
            "versions": {ex.name: ex.version for ex in extractors},
            "timing": args.timing,
            "notes": notes,
            "gate": gate,
        }
        args.json.write_text(json.dumps(as_json(results, meta), ensure_ascii=False, indent=1), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
