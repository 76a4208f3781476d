"""Discovery: from a site's bare home URL to a profile (no Scrapy here; the sampling spider feeds it).

A site is learnt from a bounded sample of its pages:

1. **URL shapes.** Every on-site link is reduced to a shape: its path segments (and query)
   with digit runs abstracted (``/a/yqdt/2024/1012/1234.html`` -> ``/a/yqdt/#/#/#.html``).
   Shapes that differ in one segment whose values each name a single URL (slugs:
   ``/2024/10/new-plant/``) form one family (``/#/#/*/``).
2. **What each sampled page is**, by its content, never its URL: an *article* has a headline,
   a publication date and a block of prose with few links in it; a *listing* has many
   title-like links (usually dated) or pagination; anything else (home, about, contact,
   search, 404) is *other*.
3. **Families by vote.** A family whose sampled pages are articles (at least two, and most of
   them) becomes part of ``article_url``; families of listings become ``listing_url``. Families
   of one class that differ only in one literal segment (two sections ``yqdt`` and ``zhaoshang``)
   merge, as long as the merged pattern matches no sampled page of another class.
4. **Pagination** is read from the links whose text is a page number (``2``, ``3``) or
   ``下一页``: the digit run of the target URL that equals the number names the ``page`` group,
   the part the URL shares with the page it was found on names the ``section`` group, so
   incremental runs walk each section in order and stop early, as with a written profile.
5. **CMS presets** (``parknews/sites/cms/*.toml``) are detected from generator meta, asset
   paths and URL shapes; their patterns are checked against the sampled pages and kept when
   they agree with them (they also know what samples cannot show, such as TRS pagination
   written by a script).

``infer_profile`` returns the profile as a dict (what a TOML profile holds) with a report of
the evidence; ``profile_toml`` renders both as a commented TOML a person can review.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html

from parknews.extract import ExtractionError, extract_article
from parknews.extract.encoding import DecodeError, decode_html

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CMS_DIR = files("parknews") / "sites" / "cms"

#: Links to these are never pages (images, documents, assets).
_NOT_PAGES = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|json|pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|gz|mp[34]|avi|flv|swf|apk|exe)$",
    re.I,
)
#: Path parts of pages that are never articles nor listings worth following.
_NEVER = re.compile(r"(?:^|/)(?:search|login|register|member|user|wp-admin|wp-login|comment|feedback|print|cart)"
                    r"(?:[/._?-]|$)|[?&](?:s|q|keyword|kw)=", re.I)
_DATE_TEXT = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_NEXT_WORDS = re.compile(r"^\s*(?:下一?页|下页|后页|next(?:\s*page)?|›|»|>|&gt;)\s*$", re.I)
_SEGMENT_TOKENS = re.compile(r"\d+|[^\d]+")

DIGITS, WILD, QWILD = "#", "*", "?*"


# --- URL shapes -------------------------------------------------------------------


def path_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def _segments(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    segs = tuple((parts.path or "/").split("/")[1:])
    if parts.query:
        segs += ("?" + parts.query,)
    return segs


def _abstract(segment: str) -> str:
    return re.sub(r"\d+", DIGITS, segment)


def shape(url: str) -> tuple[str, ...]:
    """The URL's path segments (and query) with digit runs abstracted."""
    return tuple(_abstract(s) for s in _segments(url))


def families(urls: Iterable[str]) -> dict[tuple[str, ...], list[str]]:
    """Group URLs by shape, merging positions where every value is a one-off (slugs)."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for url in dict.fromkeys(urls):
        groups[shape(url)].append(url)
    changed = True
    while changed:
        changed = False
        for length in {len(k) for k in groups}:
            keys = [k for k in groups if len(k) == length]
            for pos in range(length):
                buckets: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
                for k in keys:
                    if k[pos] not in (WILD, QWILD, ""):
                        buckets[k[:pos] + (None,) + k[pos + 1:]].append(k)  # type: ignore[operator]
                for rest, members in buckets.items():
                    singles = [m for m in members if len(groups[m]) == 1 and _sluggy(m[pos])]
                    if len(singles) >= 3:
                        wild = QWILD if singles[0][pos].startswith("?") else WILD
                        merged = rest[:pos] + (wild,) + rest[pos + 1:]
                        for m in singles:
                            groups.setdefault(merged, []).extend(groups.pop(m))  # type: ignore[arg-type]
                        changed = True
            if changed:
                break
    return dict(groups)


def _sluggy(value: str) -> bool:
    """A segment that reads like a slug or a word (not a file of the CMS itself), or a query
    string that is one value (DedeCMS tag pages ``tags.php?/%D6%C7%C4%DC/``)."""
    if value.startswith("?"):
        return "=" not in value
    return bool(re.fullmatch(r"[\w%.~#+-]+", value)) and not value.lower().startswith(("index.", "default."))


def shape_text(key: tuple[str, ...]) -> str:
    """A shape as people read it: ``/news/show.aspx?id=#``."""
    path = "/" + "/".join(s for s in key if not s.startswith("?"))
    return path + "".join(s for s in key if s.startswith("?"))


def family_of(url: str, keys: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    key = shape(url)
    for k in keys:
        if len(k) == len(key) and all(a == b or (a == WILD and b != "") or (a == QWILD and b.startswith("?"))
                                      for a, b in zip(k, key, strict=True)):
            return k
    return None


def _segment_regex(seg: str) -> str:
    if seg == WILD:
        return r"[^/?]+"
    return "".join(r"\d+" if tok == DIGITS else re.escape(tok) for tok in re.findall(r"#|[^#]+", seg))


def family_regex(key: tuple[str, ...]) -> str:
    """An anchored regex for the path+query of a family's URLs."""
    path = [s for s in key if not s.startswith("?")]
    query = [s for s in key if s.startswith("?")]
    regex = "^/" + "/".join(_segment_regex(s) for s in path)
    if query:
        regex += r"\?.+" if query[0] == QWILD else r"\?" + _segment_regex(query[0][1:])
    return regex + "$"


# --- pages ------------------------------------------------------------------------


@dataclass
class Sample:
    """One fetched page, as the sampling spider saw it."""

    url: str
    status: int
    body: bytes
    content_type: str | None = None
    depth: int = 0


@dataclass
class PageView:
    """What a sampled page is, with the evidence."""

    url: str
    kind: str  # article | listing | other | error
    why: str
    title: str | None = None
    published: str | None = None
    body_chars: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)
    """(absolute URL, anchor text) of the page's on-site page links, in order."""
    generator: str | None = None
    assets: list[str] = field(default_factory=list)
    html: str = ""
    fields: dict[str, bool] = field(default_factory=dict)
    in_items: float = 0.0
    """Share of the would-be article text that sits inside a list of links to other pages."""


def _text(el: Any) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def on_site(url: str, hosts: set[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(host == h or host.endswith("." + h) for h in hosts)


def view_page(sample: Sample, hosts: set[str]) -> PageView:
    """Read one sampled page: its links, CMS clues, and whether it is an article, a listing or other."""
    if sample.status >= 400:
        return PageView(sample.url, "error", f"HTTP {sample.status}")
    try:
        text, _ = decode_html(sample.body, content_type=sample.content_type)
        tree = lxml.html.document_fromstring(text)
    except (DecodeError, ValueError, lxml.etree.ParserError) as exc:
        return PageView(sample.url, "error", f"unreadable: {exc}")
    base = sample.url
    base_el = tree.find(".//base[@href]")
    if base_el is not None:
        base = urljoin(sample.url, base_el.get("href"))
    links: list[tuple[str, str]] = []
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if on_site(url, hosts) and not _NOT_PAGES.search(urlsplit(url).path):
            links.append((url, _text(a)))
    generator = None
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "generator":
            generator = meta.get("content")
    assets = [v for el in tree.iter("script", "link", "img") for v in (el.get("src"), el.get("href")) if v][:200]
    view = PageView(sample.url, "other", "", links=links, generator=generator, assets=assets, html=text)
    _classify(view, sample, tree)
    return view


def _item_texts(tree: Any) -> list[str]:
    """Texts (whitespace removed) of the items of repeated lists: two or more siblings of one
    tag and class that each hold one or two headline-like links (a list of other pages)."""
    texts = []
    for parent in tree.iter():
        groups: dict[tuple[Any, str], list[Any]] = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str):
                groups[(child.tag, child.get("class") or "")].append(child)
        for members in groups.values():
            if len(members) < 2:
                continue
            linked = [m for m in members if 1 <= sum(1 for a in m.iter("a") if len(_text(a)) >= 6) <= 2]
            targets = {a.get("href") for m in linked for a in m.iter("a") if len(_text(a)) >= 6}
            if len(linked) >= 0.75 * len(members) and len(targets) >= len(linked):
                texts += [re.sub(r"\s", "", m.text_content() or "") for m in linked]
    return texts


def _machine_date(tree: Any) -> str | None:
    """A publication date given for machines: ``<time datetime>`` (one, or the one marked
    published), ``article:published_time``, JSON-LD ``datePublished``."""
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("article:published_time", "pubdate",
                                                                         "publishdate", "datepublished"):
            if _DATE_TEXT.search(meta.get("content") or ""):
                return meta.get("content")
    times = [t for t in tree.iter("time") if _DATE_TEXT.search(t.get("datetime") or "")]
    marked = [t for t in times if "publish" in (t.get("class") or "") or t.get("itemprop") == "datePublished"]
    if marked or len(times) == 1:
        return (marked or times)[0].get("datetime")
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json":
            m = re.search(r'"datePublished"\s*:\s*"([^"]+)"', script.text or "")
            if m and _DATE_TEXT.search(m.group(1)):
                return m.group(1)
    return None


def _date_by_headline(tree: Any) -> str | None:
    """A date written in the block of the page's first headline (h1, else h2)."""
    for tag in ("h1", "h2"):
        for h in tree.iter(tag):
            block = h.getparent() if h.getparent() is not None and len(_text(h.getparent())) < 400 else h
            m = _DATE_TEXT.search(_text(block))
            if m:
                return m.group(0)
            break
    return None


def _classify(view: PageView, sample: Sample, tree: Any) -> None:
    """Article, listing or other, from what the page holds."""
    title_links = [t for _, t in view.links if len(t) >= 8]
    dated_items = 0
    for el in tree.iter("li", "tr", "dd", "p"):
        anchors = [a for a in el.iter("a") if len(_text(a)) >= 6]
        if len(anchors) == 1 and _DATE_TEXT.search(_text(el)) and len(_text(el)) < 160:
            dated_items += 1
    numbers = [t for _, t in view.links if re.fullmatch(r"\d{1,3}", t)]
    has_pager = len(numbers) >= 2 or any(_NEXT_WORDS.match(t) for _, t in view.links)
    try:
        article = extract_article(sample.body, sample.url, content_type=sample.content_type)
    except ExtractionError:
        article = None
    except Exception:  # noqa: BLE001 - an extractor bug on one page must not end the discovery of a site
        article = None
    body = (article.body or "") if article else ""
    view.body_chars = len(re.sub(r"\s", "", body))
    if article is not None:
        view.title = article.title
        view.published = article.published_at
        view.fields = {"title": bool(article.title), "body": bool(body.strip()), "date": bool(article.published_at),
                       "byline": bool(article.byline.reporters or article.byline.outlet or article.source_outlet)}
    published = article.published_at if article else None
    if article is not None and not published:
        # <time datetime> in a theme's entry footer, article:published_time; a date written in
        # the headline's own block (PHPCMS puts it in a <span> inside the <h1>).
        published = _machine_date(tree) or _date_by_headline(tree)
        view.published = published
    lines = [ln for ln in body.split("\n") if ln.strip()]
    dated_lines = sum(1 for ln in lines if _DATE_TEXT.search(ln) and len(ln) < 120)
    body_links = len(article.body_links) if article else 0
    # A list's excerpts read like prose: the text that would be the article is a listing when
    # most of it sits inside repeated items that each lead to another page.
    items = _item_texts(tree)
    in_items = sum(len(k) for k in (re.sub(r"\s", "", ln) for ln in lines) if k and any(k in t for t in items))
    view.in_items = in_items / view.body_chars if view.body_chars else 0.0
    listy_body = (dated_lines >= 4 or body_links >= max(5, len(lines) // 2)
                  or (view.in_items >= 0.5 and len(lines) >= 2))
    if (article is not None and view.body_chars >= 150 and article.title and published
            and not listy_body and dated_items < 12):
        view.kind, view.why = "article", (f"headline, date {published}, {view.body_chars} characters of text "
                                          f"in {len(lines)} paragraphs")
        return
    prose = article is not None and view.body_chars >= 150 and not listy_body
    if (listy_body or (dated_items >= 4 and not prose) or (len(title_links) >= 8 and has_pager and not prose)
            or (has_pager and dated_items >= 2 and not prose)):
        view.kind = "listing"
        view.why = f"{dated_items} dated links, {len(title_links)} title-like links" + (", pagination" if has_pager else "")
        return
    missing = [name for name, ok in (("a headline", article and article.title), ("a date", published),
                                     ("150 characters of text", view.body_chars >= 150)) if not ok]
    view.why = "no " + ", no ".join(missing) if missing else f"{len(title_links)} title-like links, no list"


# --- presets ----------------------------------------------------------------------


def load_presets() -> dict[str, dict[str, Any]]:
    """The CMS presets shipped in parknews/sites/cms/, by name."""
    presets = {}
    for entry in sorted(CMS_DIR.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            presets[entry.name.removesuffix(".toml")] = tomllib.loads(entry.read_text(encoding="utf-8"))
    return presets


def detect_cms(views: list[PageView], presets: dict[str, dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    """Presets ranked by the clues the pages give: (name, score, clues), best first, score > 0 only."""
    ranked = []
    generators = {v.generator for v in views if v.generator}
    assets = {a for v in views for a in v.assets}
    paths = {path_query(u) for v in views for u, _ in v.links} | {path_query(v.url) for v in views}
    html = "\n".join(v.html[:200_000] for v in views[:5])
    for name, preset in presets.items():
        detect = preset.get("detect", {})
        score, clues = 0, []
        for rx in detect.get("generator", []):
            hit = next((g for g in generators if re.search(rx, g, re.I)), None)
            if hit:
                score += 5
                clues.append(f"generator meta {hit!r}")
        for rx in detect.get("assets", []):
            hit = next((a for a in assets if re.search(rx, a)), None)
            if hit:
                score += 2
                clues.append(f"asset path {hit}")
        for rx in detect.get("markup", []):
            m = re.search(rx, html)
            if m:
                score += 2
                clues.append(f"markup {m.group(0)[:60]!r}")
        for rx in detect.get("urls", []):
            hits = [p for p in paths if re.search(rx, p)]
            if len(hits) >= 2:
                score += 3
                clues.append(f"{len(hits)} links like {sorted(hits)[0]}")
        if score:
            ranked.append((name, score, clues))
    return sorted(ranked, key=lambda r: -r[1])


# --- inference --------------------------------------------------------------------


class DiscoveryError(ValueError):
    """Discovery could not tell the site's articles apart (the message says what it found)."""


@dataclass
class Inference:
    profile: dict[str, Any]
    report: dict[str, Any]


def _any_match(patterns: list[str], url: str) -> bool:
    pq = path_query(url)
    return any(re.search(p, pq) for p in patterns)


def _merge_class(keys: list[tuple[str, ...]], forbid: list[str]) -> list[tuple[str, ...]]:
    """Merge families of one class that differ in one literal segment, unless the merged
    pattern would match a sampled URL of another class."""
    keys = list(dict.fromkeys(keys))
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if len(a) != len(b):
                    continue
                diff = [p for p in range(len(a)) if a[p] != b[p]]
                if len(diff) != 1 or a[diff[0]].startswith("?") or "" in (a[diff[0]], b[diff[0]]):
                    continue
                pos = diff[0]
                if _abstract_letters(a[pos]) != _abstract_letters(b[pos]):
                    continue
                merged = a[:pos] + (WILD,) + a[pos + 1:]
                rx = family_regex(merged)
                if any(re.search(rx, path_query(u)) for u in forbid):
                    continue
                keys = [k for k in keys if k not in (a, b)] + [merged]
                changed = True
                break
            if changed:
                break
    return keys


def _abstract_letters(seg: str) -> str:
    """The segment's skeleton: letters, digits and punctuation runs as classes."""
    return re.sub(r"[A-Za-z_]+", "a", seg.replace(DIGITS, "0"))


def _pagination(views: list[PageView], listing_keys: list[tuple[str, ...]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Listing regexes with ``section``/``page`` groups read from page-number links, and the evidence."""
    pairs: list[dict[str, Any]] = []
    for view in views:
        if view.kind not in ("listing", "other"):
            continue
        here = path_query(view.url)
        for url, text in view.links:
            number = int(text) if re.fullmatch(r"\d{1,3}", text) else None
            if number is None or number < 2:
                continue
            there = path_query(url)
            if there == here:
                continue
            shared = len(_common_prefix(here, there))
            for m in re.finditer(r"\d+", there):
                if m.end() <= shared:
                    continue  # a number this page's URL has too (a section id), not the page
                value = int(m.group(0))
                offset = number - value
                if offset not in (0, 1):
                    continue
                start = m.start()
                common = len(_common_prefix(here, there[:start]))
                pairs.append({"from": here, "to": there, "number": number, "offset": offset, "start": start,
                              "end": m.end(), "common": common})
    if not pairs:
        return [], []
    # The page-number position that explains most pairs (one position per shape of the target).
    votes: Counter[tuple[tuple[str, ...], int, int]] = Counter()
    for p in pairs:
        votes[(shape("http://x" + p["to"]), _digit_index(p["to"], p["start"]), p["offset"])] += 1
    chosen: dict[tuple[str, ...], tuple[int, int]] = {}
    for (key, index, offset), _count in votes.most_common():
        if key not in chosen:
            chosen[key] = (index, offset)
    regexes: list[str] = []
    evidence: list[dict[str, Any]] = []
    offsets = set()
    # Per target shape, the pair whose pages share the least: page 1 -> page N shows where the
    # section ends (page 2 -> page 3 would take the page separator into it).
    best: dict[tuple[str, ...], dict[str, Any]] = {}
    for p in pairs:
        key = shape("http://x" + p["to"])
        if chosen.get(key) != (_digit_index(p["to"], p["start"]), p["offset"]):
            continue
        offsets.add(p["offset"])
        if key not in best or min(p["common"], p["start"]) < min(best[key]["common"], best[key]["start"]):
            best[key] = p
        if len(evidence) < 6:
            evidence.append({"page": p["from"], "links to": p["to"], "as page": p["number"]})
    for p in best.values():
        first, later = _section_regexes(p["from"], p["to"], p["start"], p["end"], p["common"], listing_keys)
        for rx in (first, later):
            if rx and rx not in regexes:
                regexes.append(rx)
    if len(offsets) > 1:
        return [], evidence  # inconsistent numbering: follow listings without walking pages in order
    return regexes, [{"offset": offsets.pop() if offsets else 0}, *evidence]


def _digit_index(pq: str, start: int) -> int:
    return sum(1 for m in re.finditer(r"\d+", pq) if m.start() < start)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _fragment(text: str) -> str:
    """Regex for a literal piece of path: digits abstracted, the rest escaped."""
    return "".join(r"\d+" if tok.isdigit() else re.escape(tok) for tok in _SEGMENT_TOKENS.findall(text))


def _wild_sections(section: str, keys: list[tuple[str, ...]]) -> str:
    """The section part as a regex: segments that listing families leave open stay open."""
    parts = section.split("/")
    wild_positions = {i for k in keys for i, s in enumerate(k, start=1) if s == WILD}
    out = []
    for i, part in enumerate(parts):
        out.append(r"[^/?]+" if i in wild_positions and part and i < len(parts) - 1 else _fragment(part))
    return "/".join(out)


def _section_regexes(first: str, later: str, start: int, end: int, common: int,
                     keys: list[tuple[str, ...]]) -> tuple[str | None, str]:
    """(page-1 regex, page-N regex) for a pair "page `first` links to page N at `later`"."""
    cut = min(common, start)
    # The section ends at a separator so that ``/list_3_2.html`` and ``/`` share ``/a/yqdt/``.
    while cut > 0 and later[cut - 1] not in "/-_=&?" and later[cut - 1].isalpha():
        cut -= 1
    section = _wild_sections(later[:cut], keys)
    later_rx = f"^(?P<section>{section}){_fragment(later[cut:start])}(?P<page>\\d+){_fragment(later[end:])}$"
    first_rx = None
    if first.startswith(later[:cut]):
        first_rx = f"^(?P<section>{section}){_fragment(first[cut:])}(?P<page>)$"
    return first_rx, later_rx


def infer_profile(home: str, samples: list[Sample], *, name: str, presets: dict[str, dict[str, Any]] | None = None,
                  min_articles: int = 3) -> Inference:
    """The profile for a site from its sampled pages; raises DiscoveryError when articles cannot be told apart."""
    hosts = {(urlsplit(home).hostname or "").lower()}
    for s in samples:
        hosts.add((urlsplit(s.url).hostname or "").lower())
    views = [view_page(s, hosts) for s in samples]
    presets = load_presets() if presets is None else presets
    pages = [v for v in views if v.kind != "error"]
    if not pages:
        reasons = "; ".join(f"{v.url}: {v.why}" for v in views[:3]) or "no page answered"
        raise DiscoveryError(f"nothing to learn from ({reasons})")
    link_urls = [u for v in pages for u, _ in v.links if not _NEVER.search(path_query(u))]
    fams = families(link_urls + [v.url for v in pages])
    by_family: dict[tuple[str, ...], list[PageView]] = defaultdict(list)
    for v in views:
        key = family_of(v.url, fams)
        if key is not None and path_query(v.url) != path_query(home) and v.kind != "error":
            by_family[key].append(v)
    classes: dict[tuple[str, ...], str] = {}
    family_report = []
    for key, members in by_family.items():
        kinds = Counter(v.kind for v in members)
        kind, count = kinds.most_common(1)[0]
        if kind == "article" and (count < 2 and len(fams[key]) > 1 or count / len(members) < 0.6):
            kind = "other"
        classes[key] = kind
        family_report.append({"shape": shape_text(key), "class": kind, "urls": len(fams[key]),
                              "sampled": dict(kinds), "examples": [path_query(v.url) for v in members[:3]]})
    article_views = [v for v in views if v.kind == "article"]
    non_article_urls = [v.url for v in views if v.kind in ("listing", "other")] + [home]
    article_urls = [v.url for v in views if v.kind == "article"]
    art_keys = _merge_class([k for k, c in classes.items() if c == "article"], non_article_urls)
    lst_keys = _merge_class([k for k, c in classes.items() if c == "listing"], article_urls)
    article_res = [family_regex(k) for k in art_keys]
    listing_res = [family_regex(k) for k in lst_keys]
    paged, page_evidence = _pagination(pages, lst_keys)
    offset = 0
    if page_evidence and "offset" in page_evidence[0]:
        offset = page_evidence.pop(0)["offset"]
    if paged:
        # Paginated patterns first: they give the walk its order; plain ones still follow the rest.
        listing_res = paged + [rx for rx in listing_res if not any(_regex_covers(p, rx, fams) for p in paged)]
    detected = detect_cms(pages, presets)
    cms, cms_clues, preset_used = None, [], None
    profile: dict[str, Any] = {}
    for preset_name, _score, clues in detected:
        preset = presets[preset_name]
        verdict = _check_preset(preset, views, home)
        if verdict is None:
            cms, cms_clues, preset_used = preset_name, clues, preset_name
            break
        cms_clues.append(f"{preset_name} preset rejected: {verdict}")
    if preset_used:
        preset = presets[preset_used]
        profile["extends"] = preset_used
        # The preset's patterns cover what it knows; inferred ones are kept only for families
        # of this install the preset does not place at all.
        # A verified preset already names the listings worth walking; an article family it does
        # not know is added only on strong evidence (three sampled articles).
        known = _as_list(preset.get("article_url")) + _as_list(preset.get("listing_url"))
        strong = {family_regex(k) for k in art_keys
                  if sum(1 for v in by_family.get(k, []) if v.kind == "article") >= 3}
        article_res = [rx for rx in article_res if rx in strong
                       and not any(_any_match(known, u) for u in _urls_of(rx, fams))]
        listing_res = []
        preset_pages = _as_list(preset.get("listing_url"))
        if offset and not all(_any_match(preset_pages, "http://x" + ev["links to"]) for ev in page_evidence):
            profile["page_offset"] = offset
    elif offset:
        profile["page_offset"] = offset
    all_articles = _as_list(presets[preset_used].get("article_url")) if preset_used else []
    all_articles += article_res
    covered = [v for v in article_views if _any_match(all_articles, v.url)]
    report = {
        "home": home,
        "pages_sampled": len(samples),
        "cms": cms,
        "cms_clues": cms_clues,
        "families": sorted(family_report, key=lambda f: (-f["urls"], f["shape"])),
        "articles_sampled": [{"url": v.url, "title": v.title, "published": v.published, "why": v.why}
                             for v in article_views],
        "pagination": page_evidence,
        "coverage": {f: sum(1 for v in covered if v.fields.get(f)) / len(covered) if covered else 0.0
                     for f in ("title", "body", "date", "byline")},
        "non_articles": [{"url": v.url, "kind": v.kind, "why": v.why} for v in views if v.kind != "article"][:30],
    }
    if len(covered) < min(min_articles, max(1, len(article_views))) or not all_articles or len(covered) < 2:
        found = Counter(v.kind for v in views)
        raise DiscoveryError(
            f"could not tell article pages apart: {len(samples)} pages sampled "
            f"({', '.join(f'{n} {k}' for k, n in found.most_common())}), "
            f"{len(covered)} article pages matched by a pattern (need {min_articles})"
        )
    # The complete patterns go into the profile, the preset's included, so a person reviews what runs.
    all_listings = (_as_list(presets[preset_used].get("listing_url")) if preset_used else []) + listing_res
    profile["article_url"] = all_articles[0] if len(all_articles) == 1 else all_articles
    if all_listings:
        profile["listing_url"] = all_listings[0] if len(all_listings) == 1 else all_listings
    seen = list(dict.fromkeys(u for urls in fams.values() for u in urls))
    listing_patterns = [re.compile(p) for p in all_listings]
    sections = sorted({m.group("section") for u in seen for p in listing_patterns
                       if "section" in p.groupindex and (m := p.search(path_query(u))) and m.group("section")})
    report["would_crawl"] = {
        "article_urls_seen": sum(1 for u in seen if _any_match(all_articles, u)),
        "listing_pages_seen": sum(1 for u in seen if any(p.search(path_query(u)) for p in listing_patterns)),
        "sections": sections[:20],
    }
    # Thresholds a little under what the sample reached: a later redesign that breaks
    # extraction shows as a run below them (exit 1, and discovery runs again).
    profile["thresholds"] = {f: round(max(0.0, min(0.9, report["coverage"][f] - 0.1)), 2)
                             for f in ("title", "body", "date")}
    titles = [v for v in views if path_query(v.url) == path_query(home)]
    report["site_title"] = _site_title(titles[0].html) if titles else None
    thresholds = profile.pop("thresholds")
    profile = {"name": name, "title": report["site_title"], "start_urls": [home],
               "allowed_domains": sorted(h for h in hosts if h), **profile, "thresholds": thresholds}
    if profile["title"] is None:
        del profile["title"]
    return Inference(profile=profile, report=report)


def _regex_covers(paged: str, plain: str, fams: dict[tuple[str, ...], list[str]]) -> bool:
    urls = _urls_of(plain, fams)
    return bool(urls) and all(re.search(paged, path_query(u)) for u in urls)


def _urls_of(regex: str, fams: dict[tuple[str, ...], list[str]]) -> list[str]:
    return [u for urls in fams.values() for u in urls if re.search(regex, path_query(u))]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _check_preset(preset: dict[str, Any], views: list[PageView], home: str) -> str | None:
    """None when the preset's patterns agree with the sampled pages, else why not."""
    articles = _as_list(preset.get("article_url"))
    if not articles:
        return "it has no article pattern"
    sampled_articles = [v for v in views if v.kind == "article"]
    matched = [v for v in sampled_articles if _any_match(articles, v.url)]
    wrong = [v for v in views if v.kind in ("listing", "other") and _any_match(articles, v.url)
             and path_query(v.url) != path_query(home)]
    if len(wrong) > max(1, len(matched) // 10):
        return f"its article pattern matches {len(wrong)} sampled non-article pages, e.g. {path_query(wrong[0].url)}"
    if len(matched) < 2:
        return f"its article pattern matches {len(matched)} of {len(sampled_articles)} sampled article pages"
    return None


def _site_title(html: str) -> str | None:
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    if not m:
        return None
    title = re.sub(r"\s+", " ", lxml.html.fromstring(f"<p>{m.group(1)}</p>").text_content()).strip()
    parts = [p for p in re.split(r"\s*[-_|–—]\s*", title) if p and p.lower() not in _GENERIC_TITLES]
    return parts[0][:80] if parts else None


#: Title parts that name the page, not the site ("首页_江北高新区管委会").
_GENERIC_TITLES = {"首页", "网站首页", "主页", "home", "index", "欢迎访问", "welcome"}


# --- sampling ---------------------------------------------------------------------


class Sampler:
    """Which links to fetch next: a few pages of every URL family, busiest families first.

    Title-like links (the anchors of article lists) and page-number links come first, so a
    bounded sample sees articles, listings and their pagination.
    """

    def __init__(self, home: str, *, max_pages: int = 40, per_family: int = 3) -> None:
        self.home = home
        self.hosts = {(urlsplit(home).hostname or "").lower()}
        self.max_pages = max_pages
        self.per_family = per_family
        self.requested: list[str] = [home]
        self.links: dict[str, str] = {}
        self.views: list[PageView] = []

    def add(self, sample: Sample) -> None:
        host = (urlsplit(sample.url).hostname or "").lower()
        if host:
            self.hosts.add(host)
        view = view_page(sample, self.hosts)
        self.views.append(view)
        for url, text in view.links:
            if not _NEVER.search(path_query(url)) and len(text) > len(self.links.get(url, "")):
                self.links[url] = text
            self.links.setdefault(url, text)

    def next_urls(self, room: int) -> list[str]:
        """Up to ``room`` URLs to fetch now (fewer when the sample is complete)."""
        budget = min(room, self.max_pages - len(self.requested))
        if budget <= 0:
            return []
        fams = families(list(self.links) + self.requested)
        taken = Counter(family_of(u, fams) for u in self.requested)
        ranked = sorted(fams.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        picks: list[str] = []
        for want in range(1, self.per_family + 1):
            for key, urls in ranked:
                if taken[key] >= want or len(picks) >= budget:
                    continue
                candidates = [u for u in urls if u not in self.requested and u not in picks and u in self.links]
                if not candidates:
                    continue
                # Prefer the link with the longest anchor (a headline), then page-number links.
                candidates.sort(key=lambda u: (-min(len(self.links[u]), 30), u))
                picks.append(candidates[0])
                taken[key] += 1
        self.requested += picks
        return picks


def site_name(url: str) -> str:
    """A profile name for a home URL: its host without ``www.``, and the port when not the default."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower().removeprefix("www.")
    name = host + (f"-{parts.port}" if parts.port else "")
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


# --- TOML -------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "'" not in value and "\n" not in value:
            return f"'{value}'"
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        if len(value) <= 1 and all(isinstance(v, str) and len(v) < 60 for v in value):
            return "[" + ", ".join(_toml_value(v) for v in value) + "]"
        return "[\n" + "".join(f"    {_toml_value(v)},\n" for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def profile_toml(inference: Inference) -> str:
    """The inferred profile as a commented TOML file a person can review and edit."""
    p, r = inference.profile, inference.report
    out = [f"# Site profile inferred by `parknews profile init {r['home']}`.",
           f"# {r['pages_sampled']} pages sampled; review the patterns below before scheduling crawls.", "#"]
    if r.get("cms"):
        out.append(f"# CMS: {r['cms']} (preset parknews/sites/cms/{r['cms']}.toml), because: {'; '.join(r['cms_clues'])}")
    else:
        out.append("# CMS: none of the presets recognised"
                   + (f" ({'; '.join(r['cms_clues'])})" if r.get("cms_clues") else "") + "; patterns learnt from the pages alone")
    cov = r.get("coverage", {})
    out.append("# Sampled articles' field coverage: " + ", ".join(f"{k} {v:.0%}" for k, v in cov.items()))
    would = r.get("would_crawl")
    if would:
        out.append(f"# Would crawl: the {would['article_urls_seen']} article URLs seen so far and what the "
                   f"{would['listing_pages_seen']} listing pages seen lead to"
                   + (f"; sections {', '.join(would['sections'][:8])}" if would["sections"] else ""))
    out.append("")
    for key in ("name", "title", "start_urls", "allowed_domains", "extends", "page_offset"):
        if key in p:
            out.append(f"{key} = {_toml_value(p[key])}")
    articles = r.get("articles_sampled", [])
    if "article_url" in p:
        out.append("")
        out.append("# Article pages, e.g.:")
        for a in articles[:4]:
            out.append(f"#   {path_query(a['url'])}  {a.get('title') or ''}  ({a.get('published') or 'no date'})")
        out.append(f"article_url = {_toml_value(p['article_url'])}")
    if "listing_url" in p:
        out.append("")
        out.append("# Listing pages to follow (section / page groups: walked in order, incremental stop rules).")
        for ev in r.get("pagination", [])[:3]:
            out.append(f"#   {ev['page']} links to {ev['links to']} as page {ev['as page']}")
        out.append(f"listing_url = {_toml_value(p['listing_url'])}")
    out.append("")
    out.append("# What the sample showed, family by family (shape: class, URLs seen, sampled kinds):")
    for fam in r.get("families", [])[:25]:
        sampled = ", ".join(f"{n} {k}" for k, n in fam["sampled"].items())
        out.append(f"#   {fam['shape']}: {fam['class']}, {fam['urls']} URLs ({sampled})")
    out.append("")
    out.append("[thresholds]")
    out.append("# A run whose new articles fall below these shares warns, exits 1 and discovery runs again.")
    for k, v in p.get("thresholds", {}).items():
        out.append(f"{k} = {v}")
    return "\n".join(out) + "\n"
