"""Pure metric functions for the extraction-quality benchmark (no I/O, no extractors).

Body text is scored the way the article-extraction-benchmark (AEB) scores it, so
figures compare with published ones:

* a text becomes tokens (``word_tokens``: ``\\w+`` runs; ``cjk_tokens``: every CJK
  character a token of its own, runs of other word characters one token);
* the tokens become a multiset of 4-token shingles (a text of fewer than four
  tokens is one shorter shingle; a text with no token has none);
* per page, tp/fp/fn are counted over the shingles and divided by their sum,
  so a long page weighs no more than a short one;
* precision and recall are means over the pages where they are defined
  (tp + fp > 0, resp. tp + fn > 0); F1 = 2PR / (P + R) of those means.

Authors and dates follow the rules in ``shared/eval/README.md`` for the
zh-cwced data; the own-fixture checks (leaks, bylines, captions) are here too.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

SHINGLE_SIZE = 4

_WORD_RE = re.compile(r"\w+")
# CJK Unified Ideographs (with Extension A) and the compatibility block: one token
# per character. Any other run of word characters (Latin words, digits, kana...)
# is one token.
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_NON_WORD_RE = re.compile(r"\W+")
_SPACE_RE = re.compile(r"[\s\u200b\ufeff]+")

Tokenizer = Callable[[str], list[str]]


def word_tokens(text: str | None) -> list[str]:
    """Tokens of the AEB metric: every ``\\w+`` run (case kept)."""
    return _WORD_RE.findall(text or "")


def cjk_tokens(text: str | None) -> list[str]:
    """Tokens of the zh metric: each CJK character alone, other word runs whole."""
    return _CJK_TOKEN_RE.findall(text or "")


def shingles(tokens: Sequence[str], n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; fewer than n tokens give one short shingle, none give none."""
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class PageScore:
    """One page's shingle counts, normalized so that tp + fp + fn == 1 (or all 0)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp); None when the extractor produced no shingle."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp > 0 else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn); None when the truth has no shingle."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn > 0 else None

    @property
    def f1(self) -> float | None:
        """Page F1 for ranking misses; an undefined P or R counts as 0 unless both are."""
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score_page(truth: str | None, extracted: str | None, tokenize: Tokenizer = word_tokens) -> PageScore:
    """Compare one page's extracted text with the truth over shingles."""
    want = shingles(tokenize(truth or ""))
    got = shingles(tokenize(extracted or ""))
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class BodyScores:
    """Dataset-level body scores: means of per-page precision and recall, and their F1."""

    f1: float | None
    precision: float | None
    recall: float | None
    pages: int


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.fmean(values) if values else None


def aggregate(pages: Iterable[PageScore]) -> BodyScores:
    """Mean precision and recall over the pages where each is defined; F1 of the means."""
    pages = list(pages)
    p = _mean(s.precision for s in pages if s.precision is not None)
    r = _mean(s.recall for s in pages if s.recall is not None)
    if p is None or r is None:
        f1 = None
    else:
        f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return BodyScores(f1=f1, precision=p, recall=r, pages=len(pages))


# --- authors -----------------------------------------------------------------

UNKNOWN = "UNKNOWN"


def normalize_author(text: str | None) -> str:
    """Author string for matching: non-word characters removed, lower-cased."""
    return _NON_WORD_RE.sub("", text or "").lower()


def author_matches(extracted: str | None, truth: str) -> bool:
    """True when the normalized extracted author contains the true one or is contained in it.

    An empty extraction never matches (the empty string is contained in everything).
    """
    got, want = normalize_author(extracted), normalize_author(truth)
    return bool(got) and bool(want) and (want in got or got in want)


def known_author(truth: str | None) -> bool:
    """Whether a zh-cwced author label counts: not UNKNOWN and not empty after normalizing."""
    return bool(truth) and truth.strip().upper() != UNKNOWN and bool(normalize_author(truth))


# --- dates -------------------------------------------------------------------

# A year, then optionally a month and a day, with -, /, . or 年/月 between them:
# "2024-10-12T14:35:06+08:00", "2005-5-7 21:23:57", "2005年5月7日", "1998-3", "2018".
_DATE_RE = re.compile(r"(?<!\d)(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?)?(?!\d)")

Ymd = tuple[int, int | None, int | None]


def parse_ymd(text: str | None) -> Ymd | None:
    """The first plausible (year, month, day) written in ``text``; missing parts are None."""
    for m in _DATE_RE.finditer(text or ""):
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        if not 1900 <= year <= 2100:
            continue
        if month is not None and not 1 <= month <= 12:
            continue
        if day is not None and not 1 <= day <= 31:
            day = None
        return (year, month, day)
    return None


def date_matches(extracted: str | None, truth: str) -> bool:
    """True when the extracted date agrees with every part (year, month, day) the truth gives.

    A truth of "1998-3" or "2018" only fixes the month or the year; the extraction must
    give at least those parts.
    """
    want, got = parse_ymd(truth), parse_ymd(extracted)
    if want is None or got is None:
        return False
    return all(w is None or w == g for w, g in zip(want, got, strict=True))


def known_date(truth: str | None) -> bool:
    """Whether a zh-cwced date label counts: it parses as a date (UNKNOWN, blanks and stray names do not)."""
    return parse_ymd(truth) is not None


def accuracy(outcomes: Iterable[bool]) -> float | None:
    """Share of True outcomes; None when there are none."""
    outcomes = list(outcomes)
    return sum(outcomes) / len(outcomes) if outcomes else None


# --- own fixtures ------------------------------------------------------------


def squeeze(text: str | None) -> str:
    """Text with all whitespace removed (full-width space, NBSP and zero-width space included)."""
    return _SPACE_RE.sub("", text or "")


def found_strings(body: str | None, needles: Iterable[str]) -> list[str]:
    """The needles that occur in the body, whitespace-insensitively."""
    hay = squeeze(body)
    return [n for n in needles if squeeze(n) and squeeze(n) in hay]


def missing_strings(body: str | None, needles: Iterable[str]) -> list[str]:
    """The needles that do not occur in the body, whitespace-insensitively."""
    hay = squeeze(body)
    return [n for n in needles if squeeze(n) not in hay]


@dataclass(frozen=True)
class PairCounts:
    """Matched, extracted and expected counts of (role, name) pairs or captions."""

    matched: int = 0
    extracted: int = 0
    expected: int = 0

    def __add__(self, other: PairCounts) -> PairCounts:
        return PairCounts(
            self.matched + other.matched,
            self.extracted + other.extracted,
            self.expected + other.expected,
        )

    @property
    def precision(self) -> float:
        """matched / extracted; 1.0 when nothing was extracted (nothing wrong was claimed)."""
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        """matched / expected; 1.0 when nothing was expected."""
        return self.matched / self.expected if self.expected else 1.0


def byline_pairs(roles: dict[str, Iterable[str]]) -> Counter[tuple[str, str]]:
    """Multiset of (role, name) with names whitespace-squeezed; empty names dropped."""
    return Counter((role, squeeze(name)) for role, names in roles.items() for name in names if squeeze(name))


def count_pairs(expected: Counter[tuple[str, str]], extracted: Counter[tuple[str, str]]) -> PairCounts:
    """How many extracted pairs match expected ones (as multisets)."""
    return PairCounts(
        matched=sum((expected & extracted).values()),
        extracted=sum(extracted.values()),
        expected=sum(expected.values()),
    )


def count_captions(expected: Sequence[str], extracted: Sequence[str]) -> PairCounts:
    """Expected caption texts found among the extracted ones (whitespace-insensitive, each used once)."""
    return count_pairs(
        Counter(("caption", squeeze(t)) for t in expected if squeeze(t)),
        Counter(("caption", squeeze(t)) for t in extracted if squeeze(t)),
    )


def same_day(extracted: str | None, expected: str | None) -> bool:
    """Whether two dates fall on the same day; an empty expectation wants no date at all."""
    if not expected:
        return not extracted
    return date_matches(extracted, expected)


def same_title(extracted: str | None, expected: str | None) -> bool:
    """Titles equal after collapsing whitespace; an empty expectation wants no title."""
    return " ".join((extracted or "").split()) == " ".join((expected or "").split())


def body_paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs (its non-blank lines), each with whitespace runs collapsed to one space."""
    paragraphs = (" ".join(line.split()) for line in (body or "").split("\n"))
    return [p for p in paragraphs if p]


def body_edges(body: str | None, width: int = 20) -> tuple[str, str]:
    """The first ``width`` characters of the first paragraph and the last ``width`` of the last."""
    paragraphs = body_paragraphs(body)
    if not paragraphs:
        return "", ""
    return paragraphs[0][:width], paragraphs[-1][-width:]
