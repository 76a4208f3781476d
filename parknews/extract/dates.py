"""Find and normalise publication dates: JSON-LD, meta tags, the CMS record in comments, labelled
and unlabelled info lines next to the headline, the URL, then a reprint's cited print issue."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from parknews.extract.index import TreeIndex
from parknews.extract.page import Page, collapse, text_of
from parknews.extract.rules import ClassWords

_YEARS = range(1990, 2101)

# Pieces shared by the date patterns.
_WEEKDAY = r"(?:\s*[（(]?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[)）]?)?"
_CLOCK = (
    r"(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})\s*"
    r"(?:[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2})(?:[.,]\d+)?)?"  # 14:35, 14:35:06
    r"|[时点](?:\s*(?P<M2>\d{1,2})\s*分(?:\s*(?P<S2>\d{1,2})\s*秒)?)?)"  # 14时35分06秒, 10点
    r"(?!\d)"
    r"(?:\s?(?P<ap>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"  # 9:23:57 PM: US-style CMS templates
)

# Date(time) patterns; all are tried and the leftmost (then longest) match wins.
# Each marks the end of its date part with the empty group ``dend`` so a bad time can be
# dropped while the date is kept.
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 2024-10-12T14:35:06+08:00, 2024-10-12T06:35:06.000Z: JSON-LD, Open Graph and <time datetime>
    re.compile(
        r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?P<dend>)[T ](?P<H>\d{2}):(?P<M>\d{2})"
        r"(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s?(?P<off>Z|[+-]\d{2}:?\d{2})(?!\d)"
    ),
    # 2024-10-12 14:35:06, 2024/10/12 9:05, 2024.10.12, 2024-6-5: CMS info lines and meta tags;
    # full-width digits and marks of older government pages (２００５－８－１２) too
    re.compile(
        r"(?<![\d.])(?P<y>\d{4})\s*(?P<sep>[-/.－／．])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)(?P<dend>)"
        + _WEEKDAY
        + r"(?:(?:\s*|T)"
        + _CLOCK
        + r")?"
    ),
    # 9/17/2004 5:54:13 AM, 17/9/2004: day and month before the year (ASP/.NET and overseas
    # templates). Which number is the month is settled in _from_match, or the date is dropped.
    re.compile(
        r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?![\d/])(?P<dend>)"
        + r"(?:\s+"
        + _CLOCK
        + r")?"
    ),
    # Saturday, September 10th, 2005 10:56 am; Sep 10, 2005: English dates of overseas Chinese
    # portals and blog templates
    re.compile(
        r"(?<![A-Za-z])(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*)?"
        r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t|tember)?"
        r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+"
        r"(?P<y>\d{4})(?!\d)(?P<dend>)"
        + r"(?:,?\s+(?:at\s+)?"
        + _CLOCK
        + r")?"
    ),
    # 2024年10月12日, 2024年10月12日 14:35, 2024年10月12日14时35分: Chinese-written dates
    re.compile(
        r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号](?P<dend>)"
        + _WEEKDAY
        + r"(?:\s*"
        + _CLOCK
        + r")?"
    ),
)

# What each of _DATE_PATTERNS cannot match without (cheap tests that skip most of the scans).
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_PATTERN_NEEDS: tuple[Callable[[str], bool], ...] = (
    lambda text: "-" in text and ":" in text,  # 2024-10-12T14:35
    # 2024-10-12, 2024/10/12, 2024.10.12, and with full-width marks (２０２４－１０－１２)
    lambda text: "-" in text or "/" in text or "." in text or "－" in text or "／" in text or "．" in text,
    lambda text: "/" in text,  # 9/17/2004
    lambda text: _ASCII_LETTER.search(text) is not None,  # Sep 10, 2005
    lambda text: "年" in text,  # 2024年10月12日
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Dates in URL paths, a last resort (the path holds the publish day on most Chinese CMSes).
_URL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # /2024/10/12/, /2024-10-12/: blogs and WordPress-like sites
    re.compile(r"(?<!\d)(?P<y>\d{4})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?=/)"),
    # /202410/12/ : month folder then day folder (some newspaper CMSes)
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})/(?P<d>\d{2})(?=/)"),
    # /202410/t20241012_123.html, /art/20241012/, c_20241012.htm: TRS / gov CMS file names and folders
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
)

# Compact forms that only a machine-written value uses: <meta content="20241012">, "20241012143506".
_COMPACT = re.compile(
    r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<dend>)(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?\s*$"
)

# JSON-LD types whose datePublished is the article's.
_JSONLD_TYPES: frozenset[str] = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
        "webpage", "itempage", "report", "liveblogposting", "socialmediaposting", "techarticle",
        "scholarlyarticle", "creativework",
    }
)
_JSONLD_KEYS: tuple[str, ...] = ("datePublished", "dateCreated", "uploadDate")

# Meta tags holding the publish time, best first (keys as page.meta stores them: lower-cased).
_META_KEYS: tuple[str, ...] = (
    "article:published_time",  # Open Graph article
    "og:article:published_time",  # Open Graph, prefixed variant
    "og:release_date",  # Open Graph video/news
    "datepublished",  # schema.org microdata <meta itemprop="datePublished">
    "pubdate",  # Chinese government-site standard <meta name="PubDate">, also news CMSes
    "firstpublishedtime",  # 中国政府网
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "parsely-pub-date",  # Parse.ly
    "sailthru.date",  # Sailthru
    "dc.date.issued",  # Dublin Core (library and government sites)
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "weibo: article:create_at",  # Weibo share card
    "weibo:article:create_at",
    "article:create_at",
    "date",
)

# Info-line labels. Publish labels rank above the bare 时间/日期, which rank above an
# unlabelled date; update labels come last.
_PUBLISH_LABELS: tuple[str, ...] = (
    "发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "发稿日期", "发文日期", "公布日期", "公开日期",
    "刊发时间", "刊发日期", "上线时间", "添加时间", "录入时间", "发帖时间", "出版日期", "发布于", "发表于", "发布",
    "张贴于", "张贴", "发表",  # blog entries: "由X张贴 @ 2005-03-21", "X 发表 2005-9-15"
)
_GENERIC_LABELS: tuple[str, ...] = ("时间", "日期", "日期时间")
_UPDATE_LABELS: tuple[str, ...] = ("更新时间", "更新日期", "修改时间", "修改日期", "最后更新", "更新于")
# Dates that are not the publish date: a document's signing day, deadlines, validity periods.
_NOT_PUBLISH_LABELS: tuple[str, ...] = (
    "成文日期", "成文时间", "印发日期", "印发时间", "截止日期", "截止时间", "截至", "截止", "申报时间", "申报日期",
    "报名时间", "有效期", "实施日期", "施行日期", "生效日期", "废止日期", "开始时间", "结束时间", "举办时间",
    "活动时间", "会议时间", "开标时间", "公示期",
    "今天", "今日", "当前时间", "现在时间",  # the "today is …" bar of government site headers
)
# After a date: "…日前提交", "…起施行", "2024-10-12至2024-10-15" (a range).
_NOT_PUBLISH_AFTER = re.compile(r"\s*(?:前|之前|以前|止|为止|截止|起|开始|(?:至|到|~|～|—|－|-)\s*(?:\d|今))")
# After a date: "14:32更新", "10:00 修改".
_UPDATE_AFTER = re.compile(r"\s*(?:更新|修改|修订)")
# Between a label and its date: "发布时间：", "发布时间:【", "日期 ".
_POSTED_ON = re.compile(r"(?i)(?:^|\s)(?:posted|published)(?:\s+on)?$")
_LABEL_GAP = re.compile(r"[\s:：\[【(（@＠]*$")
_LABEL_RUN = re.compile(r"[\u4e00-\u9fff]+$")

_PUBLISH, _GENERIC, _PLAIN, _UPDATE = 0, 1, 2, 3

# class/id of elements that hold the date: <span class="time">, <em id="publish_time">, <div class="fbsj">.
_DATE_CLASS = ClassWords("date|time|publish|pubtime|fbsj|fbrq|riqi|shijian")
_UPDATE_CLASS = ClassWords("update|modif")
_TITLE_CLASS = ClassWords("title")
# class/id words of page chrome whose dates are never the article's: sidebars, related and hot
# lists, footers. ("header" and "top" are left out: article headers hold the real date.)
_CHROME_WORDS: frozenset[str] = frozenset(
    {
        "footer", "foot", "copyright", "banquan", "bottom", "sidebar", "side", "aside", "nav", "menu",
        "related", "hot", "rank", "recommend", "tuijian", "xgwz", "links", "friendlink", "share",
        "comment", "comments",
    }
)
_CHROME_TAGS: frozenset[str] = frozenset({"footer", "nav", "aside"})
# Chrome words that name a part of whatever they sit in, and the words that make that the
# article: "post-footer" and "entry-bottom" hold the post's own date and author.
_PART_WORDS: frozenset[str] = frozenset({"footer", "foot", "bottom"})
_ARTICLE_WORDS: frozenset[str] = frozenset({"post", "entry", "article", "blog", "content", "detail"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
# class/id words of a page's masthead: the site's header bar, whose date (a "today" widget, often
# written once into a static template) is never the article's when it sits above the headline
# and does not contain it. (An article's own header holds the headline, or says "post", "entry"…)
_MASTHEAD_WORDS: frozenset[str] = frozenset(
    {"header", "head", "top", "topbar", "toptool", "toolbar", "banner", "masthead", "logo", "sitehead"}
)
_SKIP_TAGS: frozenset[str] = frozenset({"head", "title", "script", "style", "noscript", "template", "option", "select"})
# Longest element text scanned for labelled dates: info lines are short.
_MAX_TEXT = 200
# Under the headline, the text read before the article starts (where unlabelled info lines sit),
# and the longest unlabelled info line.
_ZONE_CHARS = 160
_ABOVE_CHARS = 40
_MAX_INFO_TEXT = 100
SENTENCE_MARKS = "，。！？；"
"""The marks of Chinese sentence text."""
_SENTENCE = re.compile(f"[{SENTENCE_MARKS}]")
# Every date form has a four-digit year: text without one holds no date.
YEAR_DIGITS = re.compile(r"\d{4}")
_DIGIT = re.compile(r"\d")
_DATE_ONLY = re.compile(r"^[\d\s:：/.\-年月日号时分秒]+$")
_TITLE_SPLIT = re.compile(r"\s*(?:[-_|–—]|::|\s-\s)\s*")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class _Found:
    """A date found in text, where it starts, and how its label ranks it."""

    iso: str
    raw: str
    start: int
    rank: int = _PLAIN
    machine: bool = False
    """Read from a <time datetime> value."""


def _offset(off: str | None, tz: str) -> str:
    if off is None:
        return tz
    if off == "Z":
        return "Z"
    sign, digits = off[0], off[1:].replace(":", "")
    return f"{sign}{digits[:2]}:{digits[2:]}"


def _valid_offset(off: str | None) -> bool:
    if off is None or off == "Z":
        return True
    digits = off[1:].replace(":", "")
    return int(digits[:2]) <= 14 and int(digits[2:]) < 60


def _month_day(a: int, b: int, ap: str | None) -> tuple[int, int] | None:
    """Month and day of "a/b/yyyy": a number over 12 is the day; when both could be months, a
    12-hour clock (AM/PM) marks the US order M/D/Y. Otherwise the order is unknown: no date."""
    if a > 12 >= b:
        return b, a
    if b > 12 >= a or a == b or ap:
        return a, b
    return None


def _from_match(m: re.Match[str], text: str, tz: str) -> tuple[str, str] | None:
    """ISO string and raw text for one pattern match; None for an impossible date."""
    groups = m.groupdict()
    if groups.get("a") is not None:
        month_day = _month_day(int(m["a"]), int(m["b"]), groups.get("ap"))
        if month_day is None:
            return None
        year, (month, day) = int(m["y"]), month_day
    elif groups.get("mon") is not None:
        year, month, day = int(m["y"]), _MONTHS.index(m["mon"][:3]) + 1, int(m["d"])
    else:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    if year not in _YEARS:
        return None
    try:
        _dt.date(year, month, day)
    except ValueError:
        return None
    date_iso = f"{year:04d}-{month:02d}-{day:02d}"
    date_raw = text[m.start() : m.end("dend")].strip()
    hour = groups.get("H")
    if hour is None:
        return date_iso, date_raw
    minute = groups.get("M") or groups.get("M2") or "0"
    second = groups.get("S") or groups.get("S2") or "0"
    h, mi, s = int(hour), int(minute), int(second)
    if groups.get("ampm") in ("下午", "晚上") and h < 12:
        h += 12
    ap = (groups.get("ap") or "").lower()[:1]
    if ap == "p" and h < 12:
        h += 12
    elif ap == "a" and h == 12:
        h = 0
    off = groups.get("off")
    if off is not None and (not _valid_offset(off) or (text[m.end("dend")] == " " and groups.get("S") is None)):
        # "2024-10-12 09:00-12:00" is a time range, not an offset: let the plain reading win.
        return None
    if h > 23 or mi > 59 or s > 59:
        return date_iso, date_raw  # keep the day when the clock part is nonsense
    return f"{date_iso}T{h:02d}:{mi:02d}:{s:02d}{_offset(off, tz)}", text[m.start() : m.end()].strip()


def _iter_dates(text: str, tz: str) -> Iterator[_Found]:
    """Every valid date(time) in text, left to right (the longest reading at each start)."""
    matches: list[re.Match[str]] = []
    for pattern, needed in zip(_DATE_PATTERNS, _PATTERN_NEEDS, strict=True):
        if needed(text):
            matches.extend(pattern.finditer(text))
    matches.sort(key=lambda m: (m.start(), -(m.end() - m.start())))
    taken = -1
    for m in matches:
        if m.start() < taken:
            continue
        parsed = _from_match(m, text, tz)
        if parsed:
            taken = m.end()
            yield _Found(parsed[0], parsed[1], m.start())


def parse_datetime(text: str, *, tz: str = "+08:00") -> tuple[str, str] | None:
    """Find the first date(time) in text → (iso, raw).

    A date with a clock time gets seconds and an offset (its own, else ``tz``); a date
    alone stays a date. Impossible dates and years outside 1990–2100 are skipped.
    """
    for found in _iter_dates(text or "", tz):
        return found.iso, found.raw
    return None


def _parse_machine_value(value: str, tz: str) -> tuple[str, str] | None:
    """A meta or JSON-LD value: the usual forms, or the compact 20241012 / 20241012143506."""
    parsed = parse_datetime(value, tz=tz)
    if parsed:
        return parsed
    m = _COMPACT.match(value)
    return _from_match(m, value, tz) if m else None


# ---------------------------------------------------------------- labelled lines


def _label_rank(before: str) -> int | None:
    """Rank of a date from the text just before it; None when the label says it is another date."""
    gap = _LABEL_GAP.search(before)
    has_colon = any(c in ":：" for c in gap.group())
    head = before[: gap.start()]
    if head.endswith(("至", "到", "~", "～", "—")):
        return None  # the second date of a range
    words = head.split()
    run_match = _LABEL_RUN.search(words[-1]) if words else None
    run = run_match.group() if run_match else ""
    if len(run) == 1 and len(words) >= 2 and _LABEL_RUN.search(words[-2][-1:]):
        run = words[-2][-1] + run  # "日  期：" in government tables
    if not run:
        # Blog footers in English: "posted on 2009-04-16 21:37", "Published: 2009-04-16".
        return _PUBLISH if _POSTED_ON.search(head) else _PLAIN
    if any(label in run for label in _NOT_PUBLISH_LABELS):
        return None
    if run.endswith(_UPDATE_LABELS):
        return _UPDATE
    if run.endswith(_PUBLISH_LABELS):
        return _PUBLISH
    if run in _GENERIC_LABELS:
        return _GENERIC
    # Another label ("活动时间：") names another date; a word without a colon is just text.
    return None if has_colon or run.endswith(_GENERIC_LABELS) else _PLAIN


def _scan_line(text: str, tz: str) -> list[_Found]:
    """Dates of one short line with the rank their labels give them (excluded ones dropped)."""
    out: list[_Found] = []
    for found in _iter_dates(text, tz):
        rank = _label_rank(text[max(0, found.start - 24) : found.start])
        after = text[found.start + len(found.raw) :]
        if rank is None or _NOT_PUBLISH_AFTER.match(after):
            continue
        if rank in (_PLAIN, _GENERIC) and _UPDATE_AFTER.match(after):
            rank = _UPDATE  # "2005-04-27 14:32更新"
        found.rank = rank
        out.append(found)
    return out


def _best_of_lines(lines: Sequence[str], tz: str, *, update: bool) -> tuple[str, str] | None:
    """Best date of the caller's info lines: label rank first, then line order."""
    found = [
        (f.rank, i, f)
        for i, line in enumerate(lines)
        for f in _scan_line(collapse(line), tz)
        if (f.rank == _UPDATE) == update
    ]
    if not found:
        return None
    best = min(found, key=lambda t: (t[0], t[1], t[2].start))[2]
    return best.iso, best.raw


# ---------------------------------------------------------------- the page tree


def _element_text(el: etree._Element, *, skip_chrome: bool = False) -> str:
    """Visible text of an element, pieces separated by spaces (table cells stay apart);
    ``skip_chrome`` leaves out the chrome inside it (a page footer within a wrapper)."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str) and node.tag.lower() in _SKIP_TAGS:
            return
        if skip_chrome and node is not el and isinstance(node.tag, str) and _is_chrome(node):
            return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return collapse(" ".join(parts))


def _class_words(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def _is_chrome(el: etree._Element) -> bool:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in ("html", "body"):
        return False  # <body class="has-sidebar"> says nothing about where a date sits
    words = set(_WORD_SPLIT.split(_class_words(el)))
    if tag in _CHROME_TAGS:
        # HTML5's <footer> of an <article> (or one named for the entry: "entry-footer") is the
        # foot of the article itself: WordPress themes put the <time class=published> there.
        return not (tag == "footer" and (words & _ARTICLE_WORDS or next(el.iterancestors("article"), None) is not None))
    chrome = words & _CHROME_WORDS
    if chrome and chrome <= _PART_WORDS and words & _ARTICLE_WORDS:
        return False  # "post-footer", "entry-meta bottom": the foot of the article itself
    return bool(chrome)


def _is_masthead(el: etree._Element) -> bool:
    """The page's header bar (not the article's own header, which says post/entry/article…)."""
    names = _class_words(el).strip()
    if not names and el.tag != "header":
        return False
    words = set(_WORD_SPLIT.split(names))
    if words & _ARTICLE_WORDS or (el.tag == "header" and next(el.iterancestors("article"), None) is not None):
        return False
    return bool(words & _MASTHEAD_WORDS or el.tag == "header")


def _own_text(el: etree._Element) -> str:
    """The text an element holds directly (its text and its children's tails)."""
    return collapse(" ".join([el.text or ""] + [child.tail or "" for child in el]))


#: Meta tags naming the site itself (government portals' SiteName, Open Graph, web apps).
SITE_NAME_META = ("og:site_name", "sitename", "application-name", "apple-mobile-web-app-title")


def meta_site_names(page: Page) -> list[str]:
    """The names the page's meta tags give the site, longest first."""
    names = {collapse(page.meta.get(key) or "") for key in SITE_NAME_META}
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def title_without_site(title: str, names: Sequence[str]) -> str:
    """<title> without a site name the page states elsewhere, at either end and set off by a
    space or a separator ("标题 宁溪经济开发区管理委员会", "宁溪网 - 标题"); the title itself
    when nothing would be left."""
    for name in names:
        if title.endswith(name):
            cut = title[: -len(name)]
            rest = cut.rstrip(_TITLE_GAP)
        elif title.startswith(name):
            cut = title[len(name) :]
            rest = cut.lstrip(_TITLE_GAP)
        else:
            continue
        # Set off from the rest, never glued to it ("西山工业园管理委员会" is a name of its own).
        if len(rest) >= 2 and rest != cut:
            return rest
    return title


_TITLE_GAP = " -_|–—:：·"


def title_reference(page: Page) -> str:
    """The headline as the page's <head> states it: og:title, else the government portals'
    ArticleTitle, else the <title> without the site name ("标题_栏目_网站" and "标题 网站名"
    give "标题", the longest part with Chinese text)."""
    ref = collapse(page.meta.get("og:title") or page.meta.get("articletitle") or "")
    if not ref and page.title_tag:
        title = title_without_site(page.title_tag, meta_site_names(page))
        parts = [p for p in _TITLE_SPLIT.split(title) if p]
        cjk_parts = [p for p in parts if _CJK.search(p)]
        ref = max(cjk_parts or parts, key=len) if parts else ""
    return re.sub(r"<[^>]+>", "", ref)  # some CMSes put markup in the meta value


_title_reference = title_reference


def _matches_title(text: str, ref: str) -> bool:
    if not text or not ref or len(text) > 2 * len(ref) + 10:
        return False
    if text == ref:
        return True
    short, long = sorted((text, ref), key=len)
    return len(short) >= 6 and short in long and len(short) >= 0.6 * len(long)


def find_headline(page: Page, index: TreeIndex | None = None) -> etree._Element | None:
    """The headline element, for pages where the caller found none: the element whose text is
    the title the <head> states (a heading tag first), else the h1 with the longest text, a
    *title* element, an h2."""
    index = index or TreeIndex(page.tree)
    i = _anchor(index, _title_reference(page))
    return index.elements[i] if i is not None else None


def stated_headline(page: Page, index: TreeIndex) -> etree._Element | None:
    """The element whose text states the title the <head> gives (title_reference), or None:
    the headline of pages with no heading tag (<td class="title"> in government templates)."""
    reference = title_reference(page)
    i = _anchor(index, reference) if reference else None
    if i is None:
        return None
    el = index.elements[i]
    return el if _matches_title(collapse(text_of(el)), reference) else None


def _anchor(index: TreeIndex, reference: str = "") -> int | None:
    """Index of the headline: the element that states the title (innermost, heading tags first),
    else the h1 with the longest text, else a *title* element, else an h2."""
    if reference not in index.anchors:
        index.anchors[reference] = _find_anchor(index, reference)
    return index.anchors[reference]


def _find_anchor(index: TreeIndex, reference: str) -> int | None:
    elements = index.elements
    tags = [el.tag for el in elements]
    if reference:
        # A text that states the title (_matches_title) is 0.6 to 1/0.6 times as long as it;
        # the index bounds each element's collapsed text from below (reading units) and from
        # above (room): elements outside those bounds need not be read.
        longest, shortest = len(reference) / 0.6 + 1, 0.6 * len(reference) - 1
        sized = [
            i for i, (units, room) in enumerate(zip(index.total, index.room, strict=True))
            if units <= longest and room >= shortest
        ]
        # And it holds the title's middle fifth: a text of at least 0.6 of the title that is
        # part of it covers that stretch, a text holding the title holds it too. Any run of it
        # without spaces is then in the element's raw text as well (collapsing only touches
        # spaces and zero-width characters), which is cheap to test before collapsing.
        size = len(reference)
        middle = reference[math.ceil(0.4 * size) : math.floor(0.6 * size)].split()
        needle = max(middle, key=len) if middle else ""
        matching = []
        for i in sized:
            el = elements[i]
            if tags[i] in _SKIP_TAGS or len(el) > 8:
                continue
            raw = text_of(el)
            if needle not in raw and "\u200b" not in raw and "\ufeff" not in raw:
                continue
            text = collapse(raw)
            if _matches_title(text, reference) and not any(_is_chrome(a) for a in (el, *el.iterancestors())):
                matching.append(i)
        if matching:
            # Nested wrappers of one headline share its text: the innermost stands for them.
            inner = [i for i in matching if not any(j > i and elements[i] in elements[j].iterancestors() for j in matching)]
            return min(inner, key=lambda i: (tags[i] not in ("h1", "h2", "h3"), i))
    title_class = index.classed(_TITLE_CLASS)
    texts = {i: collapse(text_of(elements[i])) for i, tag in enumerate(tags) if tag in ("h1", "h2")}
    texts.update((i, collapse(text_of(elements[i]))) for i in title_class if i not in texts)
    h1s = [i for i, t in enumerate(tags) if t == "h1" and texts[i]]
    if h1s:
        return max(h1s, key=lambda i: len(texts[i]))
    # *title* elements: also the box headings of sidebars ("热点新闻"), and on blog pages one
    # per entry. The first that article text follows is the headline; else the longest.
    titled = [i for i in title_class if 0 < len(texts[i]) <= 100 and not _DATE_ONLY.match(texts[i])]
    for i in titled:
        if _starts_article(elements, i):
            return i
    if titled:
        return max(titled, key=lambda i: len(texts[i]))
    h2s = [i for i, t in enumerate(tags) if t == "h2" and texts[i]]
    return max(h2s, key=lambda i: len(texts[i])) if h2s else None


def _starts_article(elements: list[etree._Element], i: int) -> bool:
    """Whether sentence text follows element i closely (a headline, not a box heading)."""
    start = i + 1 + sum(1 for _ in elements[i].iterdescendants())
    seen = 0
    for el in elements[start : start + 40]:
        own = _own_text(el)
        if _is_sentence_text(own, el):
            return True
        seen += len(own)
        if seen > _ZONE_CHARS:
            return False
    return False


def _in_dated_list(lineage: list[etree._Element], tz: str, cache: dict[etree._Element, bool]) -> bool:
    """True inside a list whose items carry their own dates: a list of other articles."""
    for a in lineage:
        if a.tag != "li":
            continue
        parent = a.getparent()
        if parent is None:
            return False
        if parent not in cache:
            dated = 0
            for li in parent:  # two dated items are enough to tell
                if li.tag == "li" and parse_datetime(collapse(text_of(li)), tz=tz):
                    dated += 1
                    if dated == 2:
                        break
            cache[parent] = dated >= 2
        return cache[parent]
    return False


def _header_zone(elements: list[etree._Element], anchor: int | None) -> set[int]:
    """Indexes of the elements right under the headline, before the article text starts: where
    news and government pages put the info line, labelled or not."""
    if anchor is None:
        return set()
    start = anchor + 1 + sum(1 for _ in elements[anchor].iterdescendants())
    zone: set[int] = set()
    seen = 0
    for i in range(start, len(elements)):
        own = _own_text(elements[i])
        if seen > _ZONE_CHARS or _is_sentence_text(own, elements[i]):
            break  # the article text has started
        zone.add(i)
        seen += len(own)
    return zone


def _zone_above(elements: list[etree._Element], anchor: int | None) -> set[int]:
    """Indexes of the few elements right above the headline (a forum post's or blog entry's
    header line: "2003-5-29 09:07 作者名"), stopping at any text of more than a few words."""
    if anchor is None:
        return set()
    ancestors = set(elements[anchor].iterancestors())
    zone: set[int] = set()
    seen = 0
    for i in range(anchor - 1, -1, -1):
        el = elements[i]
        if el in ancestors:
            continue
        own = _own_text(el)
        if seen > _ABOVE_CHARS or _is_sentence_text(own, el):
            break
        zone.add(i)
        seen += len(own)
    return zone


def _is_sentence_text(text: str, el: etree._Element | None = None) -> bool:
    """Article text: a long run with sentence punctuation, not a link's text (a list item)."""
    if len(text) < 30 or not _SENTENCE.search(text):
        return False
    return el is None or not (el.tag == "a" or next(el.iterancestors("a"), None) is not None)


def _is_info_shaped(text: str) -> bool:
    """A short line with no sentence punctuation: "2024年7月16日08:19 来源：人民网", "AUTO.SOHU.COM
    2003年11月12日16:36 金羊网", not "2024年10月11日，园区召开大会。"."""
    return len(text) <= _MAX_INFO_TEXT and not _SENTENCE.search(text)


def _cell_label(el: etree._Element) -> str:
    """The label cell before a value cell: "成文日期" in <td>成文日期</td><td>2024-10-08</td>."""
    if el.tag not in ("td", "th", "dd", "span", "em", "i", "b", "strong", "font"):
        return ""
    prev = el.getprevious()
    if prev is None or (el.getparent() is not None and (el.getparent().text or "").strip()):
        return ""
    label = _element_text(prev)
    return label if 0 < len(label) <= 12 and not any(c.isdigit() for c in label) else ""


# Tiers of tree candidates, in the order the cascade uses them.
_TIER_PUBLISH, _TIER_UPDATE, _TIER_ABOVE = 0, 1, 2


def _date_candidates(index: TreeIndex) -> list[tuple[int, etree._Element, bool]]:
    """(index, element, holds a year) of the elements worth reading, in document order: <time>
    and date-class elements, and the few short ancestors of every text piece that holds a digit
    (the date, its span, its line, the line's cell).

    Reading every element's full text costs O(elements x depth); dates sit in few places. Every
    date has a four-digit year in one text piece, so only the ancestors of such pieces can hold
    one (elements above only other digits are listed as not holding a year, unread).
    """
    picked = index.around(_DIGIT, levels=4)
    picked.update(index.classed_elements(_DATE_CLASS))
    picked.update(index.root.iter("time"))
    with_year: set[etree._Element] = set()
    for holder in index.holding(YEAR_DIGITS):
        el: etree._Element | None = holder
        while el is not None and el not in with_year:
            with_year.add(el)
            el = el.getparent()
    position = index.position
    return [(position[el], el, el in with_year) for el in index.in_order(picked)]


def _tree_candidates(page: Page, tz: str, index: TreeIndex) -> list[tuple[tuple[int, ...], _Found]]:
    """Dates of short labelled texts, date-class elements and info-shaped lines next to the
    headline, outside the page chrome, with a sort key: the tier (publish, update, unlabelled
    above the headline), then dates in lists (other articles' dates), then unlabelled info
    lines, then dates above the headline, then distance to the headline."""
    elements = index.elements
    anchor = _anchor(index, _title_reference(page))
    anchor_el = elements[anchor] if anchor is not None else None
    # Containers of the headline are the article, whatever their class says.
    anchor_ancestors = set(anchor_el.iterancestors()) if anchor_el is not None else set()
    below, above = _header_zone(elements, anchor), _zone_above(elements, anchor)
    out: list[tuple[tuple[int, ...], _Found]] = []
    dated_lists: dict[etree._Element, bool] = {}
    chrome: dict[etree._Element, bool] = {}  # the candidates share most of their ancestors
    scans: dict[str, list[_Found]] = {}
    for i, el, has_year in _date_candidates(index):
        tag = el.tag.lower()
        if tag in _SKIP_TAGS:
            continue
        dated_el = tag == "time" or bool(_DATE_CLASS.search(_class_words(el)))
        found: list[_Found] = []
        if tag == "time" and el.get("datetime"):
            parsed = _parse_machine_value(el.get("datetime") or "", tz)
            if parsed:
                found.append(_Found(parsed[0], parsed[1], 0, _PLAIN, machine=True))
        if not found:
            if not has_year or index.chars[i] > _MAX_TEXT * 3:
                continue  # no year (no date), or a container: its info line is scanned as a smaller element
        # Chrome and lists of other articles are ruled out before any text is scanned.
        lineage = [a for a in (el, *el.iterancestors()) if a not in anchor_ancestors]
        if any(chrome[a] if a in chrome else chrome.setdefault(a, _is_chrome(a)) for a in lineage):
            continue
        if anchor is not None and i < anchor and any(_is_masthead(a) for a in lineage):
            continue
        if _in_dated_list(lineage, tz, dated_lists):
            continue
        if not found:
            text = _element_text(el, skip_chrome=True)
            if not text or len(text) > _MAX_TEXT or not any(c.isdigit() for c in text):
                continue
            label = _cell_label(el)
            line = f"{label} {text}" if label else text
            # Nested candidates (a span, its line, the line's cell) often read the same text.
            found = scans[line] if line in scans else scans.setdefault(line, _scan_line(line, tz))
            # An unlabelled date counts in a date-class element, or as the one date of an
            # info-shaped line next to the headline (two dates make a list of other articles).
            info_line = _is_info_shaped(text) and len(found) == 1
            plain_ok = dated_el or (i in below and info_line)
            weak_ok = i in above and info_line
            found = [f for f in found if f.rank != _PLAIN or plain_ok or weak_ok]
            weak = not plain_ok
        else:
            weak = False
        if not found:
            continue
        in_list = any(a.tag == "li" for a in lineage)
        update_el = bool(_UPDATE_CLASS.search(_class_words(el)))
        for f in found:
            if f.rank == _UPDATE or update_el:
                tier = _TIER_UPDATE
            elif f.rank == _PLAIN and weak:
                tier = _TIER_ABOVE
            else:
                tier = _TIER_PUBLISH
            place = (0, i) if anchor is None else (int(i < anchor), abs(i - anchor))
            # A labelled date (or a date-class element's) beats an unlabelled info line.
            unlabelled = int(f.rank == _PLAIN and not dated_el)
            out.append(((tier, int(in_list), unlabelled, *place, f.rank, f.start), f))
    return out


@dataclass
class PageClues:
    """What a page says about itself where the cleaner will not look: comments and scripts.

    Collect them with :func:`collect_clues` on the freshly parsed page, before scripts,
    styles, comments and hidden elements are stripped."""

    dates: list[tuple[str, str]] = field(default_factory=list)
    """(iso, raw) publish dates, most trustworthy first."""
    authors: list[str] = field(default_factory=list)
    """Author values as the page's CMS recorded them (not parsed)."""


# 方正 (Founder) newspaper CMSes leave each article's record in a comment after the text:
# <!--enpproperty <articleid>1</articleid><date>2022-02-13 00:00:00:0</date><author>张三</author>…-->
_ENP = re.compile(r"enpproperty")
_ENP_FIELD = re.compile(r"<(?P<key>date|author)>(?P<value>[^<]*)</(?P=key)>", re.I)


def collect_clues(page: Page, *, tz: str = "+08:00") -> PageClues:
    """Dates and authors from the page's comments (CMS records), read before stripping.

    The parser drops comments, so a page whose source mentions "enpproperty" is parsed again
    with them (such pages are few)."""
    clues = PageClues()
    if not page.mentions("enpproperty"):
        return clues
    records = [node.text or "" for node in page.with_comments().iter(etree.Comment) if _ENP.search(node.text or "")]
    for text in records:
        for m in _ENP_FIELD.finditer(text):
            value = collapse(m["value"])
            if not value:
                continue
            if m["key"].lower() == "author":
                clues.authors.append(value)
                continue
            parsed = _parse_machine_value(value, tz)
            if parsed:
                iso, raw = parsed
                if iso[11:19] == "00:00:00":
                    iso, raw = iso[:10], raw.split()[0]  # a date the CMS padded with midnight
                clues.dates.append((iso, raw))
    return clues


def _from_jsonld(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    for obj in page.jsonld:
        types = obj.get("@type")
        names = [types] if isinstance(types, str) else [t for t in types or [] if isinstance(t, str)] if isinstance(types, list) else []
        if not any(t.lower() in _JSONLD_TYPES for t in names):
            continue
        for key in _JSONLD_KEYS:
            value = obj.get(key)
            if isinstance(value, list):
                value = next((v for v in value if isinstance(v, str)), None)
            if isinstance(value, str):
                parsed = _parse_machine_value(value, tz)
                if parsed:
                    return parsed
    return None


def _from_meta(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    for key in _META_KEYS:
        value = page.meta.get(key)
        if value:
            parsed = _parse_machine_value(value, tz)
            if parsed:
                return parsed
    return None


def _from_labels(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    """The caller's info lines, then the page's short texts; update times only when nothing else."""
    found = _best_of_lines(meta_lines, tz, update=False)
    if found:
        return _with_clock(found, page, tz, ctx)
    candidates = ctx["tree"] = _tree_candidates(page, tz, ctx["index"] or TreeIndex(page.tree))
    for tier in (_TIER_PUBLISH, _TIER_UPDATE):
        if tier == _TIER_UPDATE:
            found = _best_of_lines(meta_lines, tz, update=True)
            if found:
                return _with_clock(found, page, tz, ctx)
        ranked = [c for c in candidates if c[0][0] == tier]
        if ranked:
            best = min(ranked, key=lambda c: c[0])[1]
            return _with_clock((best.iso, best.raw), page, tz, ctx)
    return None


def _with_clock(found: tuple[str, str], page: Page, tz: str, ctx: dict) -> tuple[str, str]:
    """A date without a clock time, made precise by a <time datetime> of the same day (outside
    the chrome and lists of other stories): "发布于 2024年10月25日" shown, the time in the tag."""
    if "T" in found[0]:
        return found
    if "tree" not in ctx:
        if next(page.tree.iter("time"), None) is None:
            return found
        ctx["tree"] = _tree_candidates(page, tz, ctx["index"] or TreeIndex(page.tree))
    same_day = [c for c in ctx["tree"] if c[1].machine and "T" in c[1].iso and c[1].iso[:10] == found[0]]
    if not same_day:
        return found
    best = min(same_day, key=lambda c: c[0])[1]
    return best.iso, best.raw


def _from_above(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    """An unlabelled date just above the headline: forum posts and blog entries."""
    ranked = [c for c in ctx.get("tree") or [] if c[0][0] == _TIER_ABOVE]
    if ranked:
        best = min(ranked, key=lambda c: c[0])[1]
        return best.iso, best.raw
    return None


# A source citation of a reprinted essay or report: "——《北京之春》1998年3月号",
# "（原载《人民日报》2005年3月1日）", "摘自《学术季刊》2000年第2期".
_CITATION = re.compile(
    r"^[\s(（\[【]*(?:—+|－+|-{2,}|原载|原文载|摘自|选自|转自|载于|刊于|来源[:：]|出处[:：])\s*《[^》]{1,40}》\s*"
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?(?P<issue>号|刊)?"
)


def _from_citation(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    """The print date a reprinted text cites for itself; a month issue ("1998年3月号") gives a
    year-month ("1998-03")."""
    body = page.tree.find("body")
    root = body if body is not None else page.tree
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() in _SKIP_TAGS:
            continue
        for piece in (el.text, el.tail):
            text = collapse(piece)
            if not text or len(text) > 80:
                continue
            m = _CITATION.match(text)
            if m is None:
                continue
            year, month = int(m["y"]), int(m["m"])
            if year not in _YEARS or not 1 <= month <= 12:
                continue
            raw = text[m.start("y") : m.end()]
            if m["d"]:
                try:
                    _dt.date(year, month, int(m["d"]))
                except ValueError:
                    continue
                return f"{year:04d}-{month:02d}-{int(m['d']):02d}", raw
            return f"{year:04d}-{month:02d}", raw
    return None


def _from_clues(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    clues: PageClues | None = ctx.get("clues")
    return clues.dates[0] if clues and clues.dates else None


def _from_url(page: Page, meta_lines: Sequence[str], tz: str, ctx: dict) -> tuple[str, str] | None:
    path = urlsplit(page.url).path
    for pattern in _URL_PATTERNS:
        for m in pattern.finditer(path):
            year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
            if year not in _YEARS:
                continue
            try:
                _dt.date(year, month, day)
            except ValueError:
                continue
            return f"{year:04d}-{month:02d}-{day:02d}", m.group()
    return None


# The cascade, most trustworthy first.
_STEPS: tuple[Callable[[Page, Sequence[str], str, dict], tuple[str, str] | None], ...] = (
    _from_jsonld,
    _from_meta,
    _from_clues,
    _from_labels,
    _from_url,
    _from_above,
    _from_citation,
)


def find_published(
    page: Page,
    meta_lines: Sequence[str] = (),
    *,
    tz: str = "+08:00",
    clues: PageClues | None = None,
    index: TreeIndex | None = None,
) -> tuple[str, str] | None:
    """Publication date of an article page → (iso, raw), or None.

    Tries JSON-LD datePublished, then meta tags, then the CMS record in ``clues`` (from
    :func:`collect_clues`, read before the page was stripped), then labelled lines (the
    caller's ``meta_lines`` first, then short texts of the page nearest the headline, and
    unlabelled info lines right under it), then the URL path, then an unlabelled date right
    above the headline (forum posts, blog entries), then the print date a reprint cites
    ("——《北京之春》1998年3月号" gives "1998-03"). 成文日期, 截止日期 and other non-publish
    labels and deadlines are skipped; 更新时间 is used only when nothing else is labelled.
    ``index`` is a :class:`~parknews.extract.index.TreeIndex` of the page as it is now (built
    here when not given).
    """
    ctx: dict = {"clues": clues, "index": index}
    for step in _STEPS:
        found = step(page, meta_lines, tz, ctx)
        if found:
            if step in (_from_jsonld, _from_meta):
                found = _local_rendering(page, found, tz)
                found = _page_zone_rendering(page, found, meta_lines, tz, ctx)
            return found
    return None


def _is_chinese_page(page: Page) -> bool:
    """<html lang="zh…">, or no language stated and a <title> in Chinese."""
    lang = (page.lang or "").strip().lower()
    if lang:
        return lang.startswith("zh")
    return bool(_CJK.search(page.title_tag or ""))


def _page_zone_rendering(
    page: Page, found: tuple[str, str], meta_lines: Sequence[str], tz: str, ctx: dict
) -> tuple[str, str]:
    """A UTC value (Z, +00:00) in the meta tags or JSON-LD of a Chinese page, read at the
    page's own zone: "2020-05-06T23:30:00Z" is 2020-05-07 07:30 in Beijing, the day the page
    shows and its readers saw. Unless the page shows the UTC reading's wall time itself as
    its local time: then the CMS wrote its local time with a "Z" it does not mean, and that
    wall time is kept, in the page's zone."""
    instant = _instant(found[0])
    if instant is None or instant.utcoffset() != _dt.timedelta(0) or tz in ("Z", "+00:00"):
        return found
    if not _is_chinese_page(page):
        return found
    sign = 1 if tz[0] == "+" else -1
    zone = _dt.timezone(sign * _dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
    local = instant.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S") + tz
    shown = _from_labels(page, meta_lines, tz, ctx)
    wall = f"{found[0][:19]}{tz}"
    if shown and len(shown[0]) > 10 and shown[0][:16] == found[0][:16]:
        return wall, found[1]  # the page shows that wall time as its own
    if local[:10] != found[0][:10] and shown and shown[0] == found[0][:10]:
        return wall, found[1]  # the page shows the UTC reading's day, not the converted one
    return local, found[1]


def _instant(iso: str) -> _dt.datetime | None:
    if "T" not in iso:
        return None
    try:
        return _dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None


def _local_rendering(page: Page, found: tuple[str, str], tz: str) -> tuple[str, str]:
    """The same instant as the page's own <time datetime> gives it: WordPress and Yoast write
    UTC into meta tags and JSON-LD ("01:20:15+00:00") and the local time into the entry's
    <time class="published"> ("09:20:15+08:00"); the local reading is kept."""
    instant = _instant(found[0])
    if instant is None or instant.utcoffset() != _dt.timedelta(0):
        return found
    for el in page.tree.iter("time"):
        value = el.get("datetime") or ""
        parsed = _parse_machine_value(value, tz) if value else None
        if parsed and parsed[0] != found[0] and _instant(parsed[0]) == instant:
            return parsed
    return found
