"""The extraction pipeline for one page: decode, parse, locate, clean, read fields."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from parknews.extract import captions as captions_mod
from parknews.extract import rules
from parknews.extract.authors import find_authors
from parknews.extract.body import (
    Block,
    drop_element,
    find_content_root,
    is_hidden,
    linearize,
    link_density,
    prose_container,
    text_length,
)
from parknews.extract.byline import match_byline, merge_bylines, parse_credit_field
from parknews.extract.dates import (
    YEAR_DIGITS,
    collect_clues,
    find_headline,
    find_published,
    meta_site_names,
    parse_datetime,
    stated_headline,
    title_without_site,
)
from parknews.extract.encoding import DecodeError, decode_html
from parknews.extract.index import BLOCK_TAGS, TreeIndex
from parknews.extract.page import HtmlElement, Page, collapse, parse_page, text_of
from parknews.extract.rules import simplify_labels
from parknews.items import Article, Byline, Link, Removal

#: A written date (2999-01-01, 1899年5月4日) the date finder rejects for its year.
_DATE_SHAPE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


def _note_unusable_date(article: Article, info_lines: list[str]) -> None:
    """No publication date found, but the info line writes one out of range: keep what the
    page wrote in ``published_raw`` and say why it was not used, rather than lose it silently."""
    for line in info_lines:
        m = _DATE_SHAPE.search(line)
        if m and not 1990 <= int(m[1]) <= 2100:
            article.published_raw = m.group().strip()
            article.notes.append(f"date {article.published_raw!r} is outside 1990–2100; published_at left empty")
            return


class ExtractionError(ValueError):
    """A page that yields no article. ``reason`` is short and stable enough to group by."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class SiteRules:
    """Per-site selectors from a profile's [selectors] table (CSS; the first that matches wins)."""

    title: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    """The info line under the title (发布时间/来源/作者)."""
    related: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    """Elements removed from the article block before reading it."""
    encoding: str | None = None
    """Force this encoding instead of detecting it."""


def _named(root: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """(element, "class id") of root and its descendants with a class or an id, in document
    order: the only elements class rules can match (a Python loop beats an XPath here)."""
    out = []
    for el in root.iter(etree.Element):
        cls, ident = el.get("class"), el.get("id")
        if cls or ident:
            out.append((el, f"{cls or ''} {ident or ''}"))
    return out


_TITLE_SPLIT = re.compile(r"\s*(?:[-_|–—]|::|\s-\s)\s*")
_CJK = re.compile(r"[\u3400-\u9fff]")


def extract_article(
    body: bytes | str,
    url: str,
    *,
    site_rules: SiteRules | None = None,
    content_type: str | None = None,
) -> Article:
    """Extract one article from page bytes (or already-decoded text).

    Raises ExtractionError with reason "decode", "parse" or "empty" when the page
    holds no article.
    """
    site = site_rules or SiteRules()
    if isinstance(body, bytes):
        try:
            text, encoding = decode_html(body, content_type=content_type, override=site.encoding)
        except DecodeError as exc:
            raise ExtractionError("decode", str(exc)) from exc
    else:
        text, encoding = body, None
    try:
        raw = body if isinstance(body, bytes) and encoding and _keeps_ascii(encoding) else None
        # Bytes that decoded as UTF-8 without a replacement character are valid UTF-8.
        utf8 = raw if encoding == "utf-8" and "\ufffd" not in text else None
        page = parse_page(text, url, utf8=utf8, raw=raw)
    except ValueError as exc:
        raise ExtractionError("parse", str(exc)) from exc
    article = Article(url=url, encoding=encoding, canonical_url=page.canonical, notes=list(page.notes))
    clues = collect_clues(page)  # before stripping: some CMSes keep date and author only in comments
    _strip_page(page.tree)
    # One walk over the stripped tree for the finders below; the tree stays as it is until
    # the article block is cut out of it.
    index = TreeIndex(page.tree)

    title_el = _find_title_element(page, site, index)
    article.title = _title(page, title_el, index)
    article.category = _category(page.tree, site, index)
    info_lines = [simplify_labels(line) for line in _info_lines(page.tree, title_el, site)] or _meta_line(index)
    # Dates are read before the article block is cleaned: the cleaning removes the info line.
    published = None
    date_el = _select_first(page.tree, site.date)
    if date_el is not None:
        published = parse_datetime(collapse(date_el.get("datetime") or text_of(date_el)))
    if published is None:
        published = find_published(page, info_lines, clues=clues, index=index)
    if published:
        article.published_at, article.published_raw = published
    else:
        _note_unusable_date(article, info_lines)
    page_source = _page_source(page, index)
    # Read before the block is cleaned: cleaning drops the headline, info line and author elements.
    page_byline = find_authors(page, title_el, info_lines, clues=clues, index=index)
    article.related_links = _related_links(page, site, index)
    article.attachments = _attachments(page)

    root = _select_first(page.tree, site.body)
    if root is None:
        root = find_content_root(page.tree, index)
        if root is not None and _is_meta_block(root):
            # On a page with no article text the best-scoring block can be the info line
            # itself ("时间:… 来源:… 作者:… 点击:…"): that is fields, never body.
            article.notes.append("body: the block chosen was the info line; no article block")
            root = None
    context = (site, info_lines, page_byline, page_source)
    if root is not None:
        _fill_body(article, page, root, title_el, index, context)
    first = text_length(article.body) if root is not None else 0
    if first < TINY_BODY:
        # Second opinion, by a different method on a fresh copy of the page: the smallest
        # container that holds most of the page's prose, cleaned without the chrome rules
        # (which are what can empty a block). The rule for keeping it: the first block is
        # empty, or the second holds at least three times its text (a first block that is
        # one paragraph of an article whose rest sits elsewhere).
        fresh = parse_page(text, url, utf8=utf8, raw=raw)
        _strip_page(fresh.tree)
        fallback = prose_container(fresh.tree)
        if fallback is not None:
            trial = Article(url=url)
            trial.title, trial.byline = article.title, article.byline
            fresh_index = TreeIndex(fresh.tree)
            fresh_title = _find_title_element(fresh, site, fresh_index)
            _fill_body(trial, fresh, fallback, fresh_title, fresh_index, context, chrome=first == 0)
            second = text_length(trial.body)
            if second and (first == 0 or second >= 3 * first):
                for name in ("byline", "source_outlet", "original_title", "captions", "body", "body_links", "images", "language", "removed"):
                    setattr(article, name, getattr(trial, name))
                why = "empty" if first == 0 else f"{first} characters against {second}"
                article.notes.append(f"body: the first block was {why}; read from the page's prose container")
    if not (article.body or "").strip():
        # An article page whose text is missing (an empty block, a video player's script, a
        # lone picture) is still an article page when it has a headline and an info line or
        # date under it: its record keeps title, date and bylines, with an empty body. A page
        # with neither a headline nor a body is no article.
        if title_el is None or not (article.published_at or info_lines):
            if root is None:
                raise ExtractionError("empty", "no article text found")
            raise ExtractionError("empty", "article block holds no text after cleaning")
        if root is None:
            # No block was read: the fields come from the info line and the page alone.
            _fill_body(article, page, etree.Element("div"), None, index, context)
        article.body = ""
        article.notes.append("body: the article page holds no article text; title and date kept, body empty")
    return article


def _is_meta_block(el: HtmlElement) -> bool:
    """A short block that is an info line: two or more field labels, no sentence."""
    text = _spaced_text(el)
    return len(text) <= 200 and len(_META_LABELS.findall(text)) >= 2 and not re.search(r"[。！？!?]", text)


#: Below this many characters a body gets a second opinion (see extract_article).
TINY_BODY = 200


#: A template's unfilled slot shown as text: 来源：size="20".
_MARKUP_VALUE = re.compile(r"^[\w-]+\s*=\s*[\"']")


def _fill_body(
    article: Article,
    page: Page,
    root: HtmlElement,
    title_el: HtmlElement | None,
    index: TreeIndex,
    context: tuple[SiteRules, list[str], Byline, str | None],
    chrome: bool = True,
) -> None:
    """Clean the article block and read body, byline, source, captions and images from it."""
    site, info_lines, page_byline, page_source = context
    if title_el is not None and _contains(root, title_el):
        # A generic root can include the headline and info line: leave them out.
        for el in _title_and_info_elements(title_el):
            if _contains(root, el) and el is not root:
                drop_element(el)
    removed: list[Removal] = []
    field_byline, field_source = _take_field_elements(root, removed, index)
    if chrome:
        _drop_chrome(root, site, removed)
    blocks = _absolutize(linearize(root), page)
    blocks = _drop_info_line_blocks(blocks, info_lines, removed)

    blocks, source, original_title, credits = _read_labelled_lines(blocks, removed)
    blocks, editors = _take_editor_lines(blocks, removed)
    blocks = _apply_line_rules(blocks, removed)
    blocks, caps = captions_mod.split_captions(blocks)
    blocks, body_byline, dateline_outlet = _take_byline(blocks)
    body_byline = merge_bylines(body_byline, field_byline, credits, editors, _photographers(caps))

    info_byline, info_source = _byline_from_info(info_lines)
    article.byline = merge_bylines(body_byline, info_byline)
    if not article.byline.reporters:
        article.byline = merge_bylines(article.byline, page_byline)
    article.byline = _without_site_names(article.byline, _site_names(page, article.title))
    article.source_outlet = next(
        (s for s in (source, field_source, info_source, dateline_outlet, page_source)
         if s and s not in rules.NO_SOURCE and not _MARKUP_VALUE.match(s)),
        None,
    )
    article.original_title = original_title
    article.captions = caps

    paragraphs = _drop_repeated_lead([b for b in blocks if b.kind in ("p", "h") and b.text], removed)
    if article.title and paragraphs and len(paragraphs[0].text) <= len(article.title) + 12 and paragraphs[0].text.endswith(article.title):
        # The headline repeated at the top of the block ("主题： <title>").
        removed.append(Removal(rule="field.title_repeat", text=paragraphs[0].text))
        paragraphs = paragraphs[1:]
    article.body = "\n".join(b.text for b in paragraphs)
    article.body_links = _unique_links(link for b in paragraphs for link in b.links if _is_web(link.url))
    article.images = list(dict.fromkeys(b.image for b in blocks if b.kind == "img" and b.image))
    article.language = _language(article.body, page.lang)
    article.removed = removed


def _drop_info_line_blocks(blocks: list[Block], info_lines: list[str], removed: list[Removal]) -> list[Block]:
    """The info line read under the headline, when the block holds it as bare text of its own
    (a table cell with headline, info line and text separated by <br>s): not body."""
    lines = set(info_lines)
    kept: list[Block] = []
    for k, b in enumerate(blocks):
        if k < 4 and b.kind in ("p", "h") and b.text and simplify_labels(b.text) in lines:
            removed.append(Removal(rule="field.info_line", text=b.text))
            continue
        kept.append(b)
    # An entry's foot line: "发表于 2005年3月2日 10:20 - (阅读:1203;评论:2)", a date and counters.
    while kept and kept[-1].kind == "p" and _ENTRY_FOOT.search(kept[-1].text) and len(kept[-1].text) <= 80 \
            and not _SENTENCES.search(kept[-1].text) and parse_datetime(kept[-1].text):
        removed.append(Removal(rule="field.entry_foot", text=kept.pop().text))
    return kept


_ENTRY_FOOT = re.compile(r"(?:阅读|评论|点击|浏览|回复|人气)\s*[:：(（]?\s*\d")


# --- page-level helpers ---------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _keeps_ascii(codec: str) -> bool:
    """Whether ASCII text is the same bytes in this encoding (UTF-8, GBK, Big5: yes; UTF-16,
    EBCDIC: no), so the page's bytes can be searched for ASCII words."""
    sample = "<!--enpproperty js_name_nickname azAZ09-->"
    try:
        return sample.encode(codec) == sample.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def _strip_page(tree: HtmlElement) -> None:
    """Remove scripts, styles, widgets and hidden elements, keeping the text around them
    (the parser has dropped comments already)."""
    # lxml's C-level stripper; with_tail=False keeps the text that follows a removed element.
    etree.strip_elements(tree, *rules.DROP_TAGS, with_tail=False)
    hidden, forms = [], []
    for el in tree.iter(etree.Element):  # one walk for both (faster than an XPath and an iter)
        style = el.get("style")
        if (style and ("none" in style or "hidden" in style)) or el.get("hidden") is not None:
            hidden.append(el)
        if el.tag == "form":
            forms.append(el)
    for el in hidden:
        if is_hidden(el):
            drop_element(el)
    for form in forms:
        text = text_of(form)
        # A short form is a search box, a login or a comment box; an ASP.NET page wraps the
        # whole page in one, with a short post's sentences in it.
        if text_length(text) < 200 and sum(text.count(mark) for mark in "。！？") < 2:
            drop_element(form)


@functools.lru_cache(maxsize=512)
def _css(selector: str) -> CSSSelector:
    """Compiled CSS selector (compiling costs more than matching; profiles reuse a few)."""
    return CSSSelector(selector, translator="html")


def _select_first(tree: HtmlElement, selectors: list[str]) -> HtmlElement | None:
    for sel in selectors:
        try:
            found = _css(sel)(tree)
        except Exception:  # noqa: BLE001 - a bad selector in a profile must not kill a crawl
            continue
        for el in found:
            if collapse(text_of(el)) or el.find(".//img") is not None:
                return el
    return None


def _contains(root: HtmlElement, el: HtmlElement) -> bool:
    return any(a is root for a in el.iterancestors()) or el is root


def _find_title_element(page: Page, site: SiteRules, index: TreeIndex) -> HtmlElement | None:
    el = _select_first(page.tree, site.title)
    if el is not None:
        return el
    names = set(meta_site_names(page))
    texts = {h: text for h in page.tree.iter("h1", "h2")
             if (text := _headline_parts(h)[0]) and text not in names and not _is_logo(h, page)}
    candidates = list(texts)
    reference = page.meta.get("og:title") or page.meta.get("articletitle") or page.title_tag or ""
    if not candidates:
        # No heading tag: the element that states the title the <head> gives (government
        # templates put the headline in <td class="title">).
        return _stated_headline(page, index) if reference else None
    reference_chars = set(reference)

    def overlap(h: HtmlElement) -> float:
        text = texts[h]
        if not reference:
            return 0.0
        if text in reference:
            return len(text) / max(len(reference), 1) + 1
        chars = set(text)
        return len(chars & reference_chars) / max(len(chars), 1)

    overlaps = {h: overlap(h) for h in candidates}
    best = max(candidates, key=lambda h: (overlaps[h], h.tag == "h1"))
    if overlaps[best] >= 0.6:
        return best
    # A <title> that is only the site's name states no headline: the one <h1> is it.
    own = _own_names(page)
    h1s = [h for h in candidates if h.tag == "h1" and texts[h] not in own]
    if len(h1s) == 1 and (not reference or collapse(reference) in own):
        return h1s[0]
    return _stated_headline(page, index) if reference else None


_HOME_PATHS = frozenset(("", "/", "/index.html", "/index.htm", "/index.php", "/index.shtml", "/index.jsp", "/index.aspx",
                         "/default.aspx", "/default.html"))


def _own_names(page: Page) -> list[str]:
    """What the site calls itself: its meta tags' names and the texts (or logo alts) of the
    links to its home page; longest first."""
    names = set(meta_site_names(page))
    for a in page.tree.iter("a"):
        href = (a.get("href") or "").strip()
        # Cheap tests first: a home link's path is short ("/", "/index.html", "http://host/").
        if not href or len(href) > 120 or href.startswith("#") or "?" in href:
            continue
        parts = urlsplit(href)
        if parts.path not in _HOME_PATHS or not (parts.path or parts.netloc) or not _is_home_link(href, page):
            continue
        text = collapse(text_of(a))
        if not text:
            img = a.find(".//img")
            text = collapse(img.get("alt")) if img is not None else ""
        if 2 <= len(text) <= 30 and text not in rules.BREADCRUMB_SKIP:
            names.add(text)
    return sorted(names, key=len, reverse=True)


def _is_logo(heading: HtmlElement, page: Page) -> bool:
    """A heading that is only a link to the site's home page, or to a home above this page
    (<h1 class="logo"><a href="/">网站名</a></h1>, a blog's name linking to the blog)."""
    links = list(heading.iter("a"))
    if len(links) != 1 or collapse(text_of(links[0])) != collapse(text_of(heading)):
        return False
    return _is_home_link(links[0].get("href"), page)


def _is_home_link(href: str | None, page: Page) -> bool:
    href = (href or "").strip()
    if not href or href.startswith("#") or len(href) > 200:
        return False
    target, here = urlsplit(page.absolute(href) or ""), urlsplit(page.url)
    if target.netloc != here.netloc or target.query:
        return False
    if target.path in _HOME_PATHS:
        return True
    # A section or blog home above this page: /lijianzhong/ for /lijianzhong/archive/41810.aspx.
    return target.path.endswith("/") and here.path.startswith(target.path) and here.path != target.path


def _stated_headline(page: Page, index: TreeIndex) -> HtmlElement | None:
    """The element stating the <head>'s title, when it stands as a line of its own: never a
    quote of the title inside a sentence ("您在“标题”的时候发生错误")."""
    el = stated_headline(page, index)
    if el is None:
        return None
    block = next((a for a in (el, *el.iterancestors()) if a.tag in BLOCK_TAGS), None)
    if block is None or block is el:
        return el
    own = len(collapse(text_of(el)))
    if len(collapse(text_of(block))) <= own * 1.5 + 10:
        return el
    return el if _line_of_its_own(el, block) else None


def _line_of_its_own(el: HtmlElement, block: HtmlElement) -> bool:
    """el is a visual line of its own inside a larger block: nothing but <br>s, blocks or the
    block's edges on either side of it ("<td><b>标题</b><br>发布时间：…<br>　　正文…</td>")."""
    node = el
    while node is not block:
        parent = node.getparent()
        if parent is None:
            return False
        prev, nxt = node.getprevious(), node.getnext()
        before = (prev.tail if prev is not None else parent.text) or ""
        if before.strip() or (node.tail or "").strip():
            return False
        if prev is not None and not (isinstance(prev.tag, str) and (prev.tag == "br" or prev.tag in BLOCK_TAGS)):
            return False
        if nxt is not None and not (isinstance(nxt.tag, str) and (nxt.tag == "br" or nxt.tag in BLOCK_TAGS)):
            return False
        node = parent
    return True


_TRAILING_INFO = re.compile(r"(?:作者|来源|稿源|发布时间|发布日期|发表时间|时间|日期|点击|浏览|阅读|评论|编辑)\s*[:：]")


def _headline_parts(el: HtmlElement) -> tuple[str, str | None]:
    """(headline, info line) of a headline element. An info line written inside it, at its end
    (PHPCMS v9: <h1>标题<br /><span>2024-10-06 11:56:03 来源：X 点击：</span></h1>), is not
    headline: the trailing children that hold a field label, or a date after a <br>, with no
    sentence in them."""
    children = [c for c in el if isinstance(c.tag, str)]
    for k, child in enumerate(children):
        if child.tag == "br":
            continue
        rest = collapse(" ".join(t for c in children[k:] for t in (text_of(c), c.tail or "")))
        if not rest or re.search(r"[。！？]", rest):
            continue
        after_br = k > 0 and children[k - 1].tag == "br" and not (children[k - 1].tail or "").strip()
        if _TRAILING_INFO.search(rest) or (after_br and parse_datetime(rest)):
            head = collapse(" ".join([el.text or ""] + [t for c in children[:k] for t in (text_of(c), c.tail or "")]))
            if len(head) >= 4:
                return head, rest
        break  # only the trailing run of children can be the info line
    return collapse(text_of(el)), None


def _title(page: Page, title_el: HtmlElement | None, index: TreeIndex) -> str | None:
    """The headline: the headline element's text, else what the <head> states (og:title,
    twitter:title, ArticleTitle, JSON-LD), else <title> without the site's name, else the
    page's most headline-like element. A page with any of these never lacks a title."""
    if title_el is not None:
        text = _headline_parts(title_el)[0]
        if text:
            return text
    for key in ("og:title", "twitter:title", "headline", "articletitle"):
        if collapse(page.meta.get(key)):
            return collapse(re.sub(r"<[^>]+>", "", page.meta[key]))
    for obj in page.jsonld:
        if isinstance(obj.get("headline"), str) and collapse(obj["headline"]):
            return collapse(obj["headline"])
    names = _own_names(page)
    if page.title_tag:
        title = title_without_site(page.title_tag, names)
        parts = [p for p in _TITLE_SPLIT.split(title) if p]
        best = max(parts, key=len) if parts else title
        if best not in names:
            return best
    # No <title> (or one that is only the site's name): the longest <h1> that is not the
    # site's name or logo, else a *title* element that article text follows, an <h2>.
    for tag in ("h1", "h2"):
        heads = [text for h in page.tree.iter(tag) if (text := _headline_parts(h)[0])
                 and text not in names and len(text) <= 120 and not _is_logo(h, page)]
        if heads:
            return max(heads, key=len)
    el = find_headline(page, index)
    if el is not None and 0 < len(text := _headline_parts(el)[0]) <= 120 and text not in names:
        return text
    return page.title_tag or None


_CRUMB_NAMES = rules.ClassWords(
    "crumb|position|location|weizhi|local|path|dqwz|place",
    r"breadcrumb|crumb|position|location|weizhi|local|path|dqwz|(^|\s)place(\s|$)",
)
_CRUMB_LEADS = ("当前位置", "您的位置", "您现在的位置", "你的位置", "所在位置", "现在位置")

_CRUMB_TAGS = frozenset(("div", "nav", "p", "span", "ol", "ul", "td"))


def _category(tree: HtmlElement, site: SiteRules, index: TreeIndex) -> str | None:
    el = _select_first(tree, site.category)
    if el is None:
        # The breadcrumb box: a crumb class name, or a "当前位置" label at the start of its text
        # (or of its first child's). Candidates come from the index; the test below decides.
        candidates = set(index.classed_elements(_CRUMB_NAMES))
        for holder in index.holding(*_CRUMB_LEADS):  # the test below checks it starts the text
            candidates.add(holder)
            if holder.getparent() is not None:
                candidates.add(holder.getparent())
        for cand in index.in_order(candidates):
            if cand.tag not in _CRUMB_TAGS:
                continue
            names = f"{cand.get('class', '')} {cand.get('id', '')}"
            lead = (cand.text or "").strip() or (cand[0].text or "" if len(cand) and isinstance(cand[0].tag, str) else "").strip()
            if not ((names.strip() and _CRUMB_NAMES.search(names)) or lead.startswith(_CRUMB_LEADS)):
                continue
            if cand.find(".//a") is not None and len(text_of(cand)) < 300:
                el = cand
                break
    if el is None:
        return None
    trail = [collapse(text_of(a)) for a in el.iter("a")]
    trail = [t for t in trail if t and t not in rules.BREADCRUMB_SKIP]
    return " > ".join(trail) or None


_SENTENCES = re.compile(r"[。！？]")


def _title_and_info_elements(title_el: HtmlElement) -> list[HtmlElement]:
    out = [title_el]
    sib = title_el.getnext()
    for _ in range(3):
        if sib is None:
            break
        text = collapse(text_of(sib))
        # An info line holds fields, not sentences: a short article body that ends with
        # "（责任编辑：X）" is no info line.
        if text and len(text) < 200 and rules.INFO_LINE_HINT.search(text) and not _SENTENCES.search(text):
            out.append(sib)
        sib = sib.getnext()
    return out



def _info_lines(tree: HtmlElement, title_el: HtmlElement | None, site: SiteRules) -> list[str]:
    """Texts of the 发布时间/来源/作者 line(s) near the headline."""
    el = _select_first(tree, site.meta)
    if el is not None:
        return [_spaced_text(el)]
    if title_el is None:
        return []
    inside = _headline_parts(title_el)[1]  # PHPCMS writes it inside the <h1>
    lines = ([inside] if inside else []) + [_spaced_text(e) for e in _title_and_info_elements(title_el)[1:]]
    if not lines:
        tail = _tail_line(title_el)
        if tail:
            lines.append(tail)
    if not lines:
        parent = title_el.getparent()
        if parent is not None:
            for sib in parent.itersiblings():
                text = _spaced_text(sib)
                if text and len(text) < 200 and rules.INFO_LINE_HINT.search(text) and not _SENTENCES.search(text):
                    lines.append(text)
                    break
    return lines


# Inline elements a bare-text line may run through ("<font>2005-8-12</font> 16:12:21").
_INLINE_LINE_TAGS = frozenset(("font", "span", "b", "strong", "em", "i", "a", "u", "small", "label", "nobr"))


def _tail_line(title_el: HtmlElement) -> str:
    """The info line written as bare text right after the headline, in the headline's own
    container: "<b>标题</b><br>发布时间：2005-8-12 16:12:21 点击：3<br><br>　　正文…" (table
    cells of older portal templates) or "<h1>标题</h1>来源：本站 时间：…<br>". The first
    visual line after the headline (up to a <br> or a block) when it is short, holds no
    sentence and holds a field label or a date."""
    pieces: list[str] = [title_el.tail or ""]
    sib = title_el.getnext()
    while sib is not None and len(pieces) < 12:
        tag = sib.tag.lower() if isinstance(sib.tag, str) else ""
        if tag == "br":
            if collapse(" ".join(pieces)):
                break
        elif tag in _INLINE_LINE_TAGS:
            if len(sib) > 4:
                break
            pieces.append(" ".join(sib.itertext()))
        elif tag:
            break
        pieces.append(sib.tail or "")
        sib = sib.getnext()
    line = collapse(" ".join(pieces))
    if not line or len(line) >= 200 or _SENTENCES.search(line):
        return ""
    return line if rules.INFO_LINE_HINT.search(line) or parse_datetime(line) else ""


_META_LABELS = re.compile(r"(?:作者|来源|稿源|发布时间|发布日期|发表时间|时间|日期|点击|浏览|编辑)\s*[:：]")


def _meta_line(index: TreeIndex) -> list[str]:
    """The one-line meta line of older portal templates ("作者：X 来源：Y 时间：Z 点击：N"),
    where no headline element leads to it: the first short element, in page order, that
    holds two or more of its labels (as one line or as cells of one row)."""
    around = index.around(_META_LABELS, levels=4)
    for el in index.in_order(around):
        i = index.position[el]
        if index.total[i] > 120 or el.tag in ("body", "html"):
            continue
        text = _spaced_text(el)
        if len(_META_LABELS.findall(text)) >= 2 and len(text) <= 160 and not re.search(r"[。！？]", text):
            return [simplify_labels(text)]
    return []


def _spaced_text(el: HtmlElement) -> str:
    """Text with a space between child elements, so "作者:admin发布时间:…" stays separable."""
    return collapse(" ".join(t for t in el.itertext()))


_RELATED_TAGS = frozenset(("div", "ul", "section", "dl", "aside"))


def _related_links(page: Page, site: SiteRules, index: TreeIndex) -> list[Link]:
    tree = page.tree
    containers: list[HtmlElement] = []
    for sel in site.related:
        try:
            containers.extend(_css(sel)(tree))
        except Exception:  # noqa: BLE001
            continue
    if not containers:
        pattern = rules.CONTAINER_RULES["related"][0]
        containers = [el for el in index.classed_elements(pattern) if el.tag in _RELATED_TAGS]
    links = []
    for container in containers:
        for a in container.iter("a"):
            url = page.absolute(a.get("href"))
            if not url or not _is_web(url):
                continue
            text = collapse(text_of(a)) or collapse(a.get("title") or "")
            if not text:
                img = a.find(".//img")
                text = collapse(img.get("alt") or "") if img is not None else ""
            links.append(Link(url=url, text=text))
    return _unique_links(links, merge_text=True)


def _attachments(page: Page) -> list[Link]:
    found = []
    for a in page.tree.iter("a"):
        href = a.get("href") or ""
        if href and rules.ATTACHMENT_EXT.search(href):
            url = page.absolute(href)
            if url and _is_web(url) and rules.ATTACHMENT_EXT.search(urlsplit(url).path):
                found.append(Link(url=url, text=collapse(text_of(a))))
    return _unique_links(found)


def _absolutize(blocks: list[Block], page: Page) -> list[Block]:
    """Resolve image and link URLs of the article block (only these: resolving every link is costly)."""
    for b in blocks:
        if b.image:
            b.image = page.absolute(b.image)
        if b.links:
            b.links = [Link(url=u, text=link.text) for link in b.links if (u := page.absolute(link.url))]
    return blocks


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _unique_links(links, merge_text: bool = False) -> list[Link]:  # type: ignore[no-untyped-def]
    seen: dict[str, Link] = {}
    for link in links:
        if link.url in seen:
            if merge_text and not seen[link.url].text and link.text:
                seen[link.url].text = link.text
            continue
        seen[link.url] = link
    return list(seen.values())


# --- article block cleaning --------------------------------------------------------


_LABEL = re.compile(r"^\s*(作者|来源|信息来源|文章来源|稿源)\s*[:：]\s*")


def _take_field_elements(root: HtmlElement, removed: list[Removal], index: TreeIndex) -> tuple[Byline, str | None]:
    """Author/source elements inside the article block (WeChat header, CMS spans) become fields."""
    parts: list[Byline] = []
    source = None
    # The page's elements with a field class, those of them in the block (decided before any
    # is taken out), in document order.
    hits = sorted({i for pattern in rules.FIELD_ELEMENTS.values() for i in index.classed(pattern)})
    inside = [el for el in (index.elements[i] for i in hits) if el is not root and _contains(root, el)]
    for el in inside:
        if el.getparent() is None:
            continue
        names = f"{el.get('class', '')} {el.get('id', '')}"
        if not names.strip() or rules.FIELD_ELEMENT_SKIP.search(names):
            continue
        for field_name, pattern in rules.FIELD_ELEMENTS.items():
            if not pattern.search(names):
                continue
            text = collapse(text_of(el))
            if not text or len(text) > 40:
                continue
            value = _LABEL.sub("", text)
            if field_name == "source":
                source = source or value
            else:
                parts.append(parse_credit_field("作者", value))
            removed.append(Removal(rule=f"field.{field_name}_element", text=text))
            drop_element(el)
            break
    return (merge_bylines(*parts) if parts else Byline()), source


def _drop_chrome(root: HtmlElement, site: SiteRules, removed: list[Removal]) -> None:
    for sel in site.drop:
        try:
            targets = _css(sel)(root)
        except Exception:  # noqa: BLE001
            continue
        for el in targets:
            if el is not root:
                removed.append(Removal(rule=f"profile.drop[{sel}]", text=_short(el)))
                drop_element(el)
    for el in list(root.iter(*rules.CHROME_TAGS)):
        if el is not root and el.getparent() is not None:
            removed.append(Removal(rule=f"chrome.{el.tag}", text=_short(el)))
            drop_element(el)
    root_length = 0  # measured when a rule first needs it
    for el, names in _named(root):
        if el is root or el.getparent() is None:
            continue
        names = names.strip()
        if not names:
            continue
        for name in rules.container_rules_for(names):
            root_length = root_length or max(text_length(text_of(root)), 1)
            if _looks_like_chrome(el, name, root_length):
                removed.append(Removal(rule=f"container.{name}", text=_short(el)))
                drop_element(el)
                break


# Container rules whose names are unambiguous; the others (nav, tags, side...) also match
# words in article wrappers' class names, so they need the block to look like chrome too.
_STRONG_CONTAINERS = {"related", "comments", "share", "qrcode", "copyright", "ads", "permalink", "prev_next"}


def _looks_like_chrome(el: HtmlElement, rule: str, root_length: int) -> bool:
    """A container rule never removes the bulk of the article block."""
    length = text_length(text_of(el))
    if length > root_length * 0.5:
        return False
    if rule in _STRONG_CONTAINERS:
        return True
    return length < 100 or link_density(el) > 0.35


def _short(el_or_text: HtmlElement | str) -> str:
    text = el_or_text if isinstance(el_or_text, str) else collapse(text_of(el_or_text))
    return text[:200]


def _read_labelled_lines(
    blocks: list[Block], removed: list[Removal]
) -> tuple[list[Block], str | None, str | None, Byline]:
    """Take 原标题:, 来源:, and credit lines ("来源：上虞日报 作者：陈颖 编辑：徐涛") out of the body."""
    source = original_title = None
    credits: list[Byline] = []
    kept = []
    for b in blocks:
        if b.kind in ("p", "h") and len(b.text) <= 120:
            m = rules.ORIGINAL_TITLE_LINE.match(b.text)
            if m:
                original_title = original_title or m.group("value")
                removed.append(Removal(rule="field.original_title", text=b.text))
                continue
            simple = _credit_colons(simplify_labels(b.text))
            if len(b.text) <= 80 and _is_field_line(simple):
                byline, line_source = _byline_from_info([simple])
                credits.append(byline)
                source = source or line_source
                removed.append(Removal(rule="field.credits", text=b.text))
                continue
            m = rules.SOURCE_LINE.match(simple)
            if m and len(b.text) <= 60:
                source = source or m.group("value").strip()
                removed.append(Removal(rule="field.source", text=b.text))
                continue
        kept.append(b)
    return kept, source, original_title, merge_bylines(*credits) if credits else Byline()


# WeChat-style credits write the label and a bar: "来源丨澄湖发布 编辑丨陈悦 审核丨沈建国".
_BAR_LABEL = re.compile(
    r"(?<![\u4e00-\u9fff])(来源|作者|记者|通讯员|责任编辑|编辑|责编|审核|审校|校对|摄影|图片|文字|排版|美编|监制|主编|"
    r"初审|复审|终审|统筹|策划)\s*[丨|｜]\s*"
)


def _credit_colons(text: str) -> str:
    """A bar after a credit label read as its colon, only when the line has two or more of them."""
    if len(_BAR_LABEL.findall(text)) < 2:
        return text
    return _BAR_LABEL.sub(lambda m: m.group(1) + "：", text)


def _site_names(page: Page, title: str | None) -> set[str]:
    """What the site calls itself: og:site_name, application-name, and the parts of <title>
    that are not the headline ("县里新建三座桥梁_大汉网络")."""
    names = {collapse(page.meta.get(key) or "") for key in ("og:site_name", "application-name", "apple-mobile-web-app-title")}
    if page.title_tag and title:
        parts = [collapse(p) for p in _TITLE_SPLIT.split(page.title_tag) if p and p.strip()]
        if len(parts) > 1:
            names.update(p for p in parts if p != title and p not in title)
    # A personal blog is named after its writer ("…- 海姑娘"): only names that read as an
    # outlet or an organisation are the site's own.
    return {"".join(n.split()) for n in names if n and _OUTLET_WORDS.search(n)}


_OUTLET_WORDS = re.compile(
    r"网|报|台|社|中心|发布|新闻|在线|频道|门户|融媒|政府|局|委|办|公司|集团|平台|资讯|传媒|媒体|园区|开发区|"
    r"(?i:news|times|daily|post|online|\.com|\.cn)"
)


def _without_site_names(byline: Byline, sites: set[str]) -> Byline:
    """A site's own name is never a person: "作者：大汉网络" on 大汉网络 names nobody."""
    if not sites:
        return byline
    for role in ("reporters", "correspondents", "editors", "photographers"):
        names = getattr(byline, role)
        setattr(byline, role, [n for n in names if "".join(n.split()) not in sites])
    return byline


def _is_field_line(text: str) -> bool:
    """A line made only of "label:value" credit fields, nothing else."""
    if not _FIELD.search(text):
        return False
    rest = _FIELD.sub("", text)
    return not re.sub(r"[\s【】\[\]()（）|｜丨,，;；]", "", rest)


_EDITOR_LINE = re.compile(r"[【\[(（]?\s*(责任编辑|编辑|责编|审核|校对|值班编辑)\s*[:：]\s*(?P<name>[^\s】\])）]+)\s*[】\])）]?")


def _take_editor_lines(blocks: list[Block], removed: list[Removal]) -> tuple[list[Block], Byline]:
    """责任编辑:X lines can sit anywhere near the end (even after 返回搜狐); read them first."""
    kept, found = [], []
    for b in blocks:
        if b.kind in ("p", "h") and len(b.text) <= 40:
            matches = list(_EDITOR_LINE.finditer(b.text))
            rest = _EDITOR_LINE.sub("", b.text)
            # What is left may only be widget labels such as 【纠错】.
            if matches and len(re.sub(r"[\s【】\[\]]|纠错|打印|关闭", "", rest)) == 0:
                for m in matches:
                    found.append(parse_credit_field(m.group(1), m.group("name")))
                removed.append(Removal(rule="field.editor", text=b.text))
                continue
        kept.append(b)
    return kept, merge_bylines(*found) if found else Byline()


_DATE_WORDS = re.compile(
    r"(?i)\b(posted|published|updated|on|at|by|am|pm|[ap]\.m\.|gmt|utc|e[sd]t|c[sd]t|p[sd]t|bst|cet|mon|tue|wed|thu|fri|sat|sun)\w*\b|"
    r"发布|发表|更新|时间|日期|星期.|周.|上午|下午|[:：|｜/,，\s\-—()（）]"
)
_MONTHS = re.compile(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+(19|20)\d\d\b")


def _only_a_date(text: str) -> bool:
    """A paragraph that is nothing but a (publication) date: "November 19, 2019, 9:02 AM", "2024-10-12 14:35"."""
    if len(text) > 60 or not YEAR_DIGITS.search(text):
        return False  # both forms below hold a four-digit year
    found = parse_datetime(text)
    rest = text.replace(found[1], "") if found else text
    if found is None:
        month = _MONTHS.search(text)
        if month is None:
            return False
        rest = text.replace(month.group(0), "")
    rest = _DATE_WORDS.sub("", rest)
    rest = re.sub(r"\d{1,2}[:.]\d{2}|\d+", "", rest)
    return len(rest) <= 2


def _is_signature_date(text: str, before: list[Block]) -> bool:
    """Notices end with the issuing unit and a date ("上海市闵行区科学技术委员会 / 2022年6月20日"): that is text."""
    if not re.fullmatch(r"\s*(19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*", text):
        return False
    prev = next((b for b in reversed(before) if b.kind in ("p", "h")), None)
    return prev is not None and len(prev.text) <= 40 and not re.search(r"[。！？，,]", prev.text)


def _mostly_links(b: Block) -> bool:
    """A short paragraph that is nothing but links: a menu, a tag list, a name list."""
    if not b.links or len(b.text) > 300:
        return False
    if any(rules.ATTACHMENT_EXT.search(link.url) for link in b.links):
        return False  # "附件：1. 申报指南.pdf" lines are part of a notice
    linked = sum(text_length(link.text) for link in b.links)
    ratio = linked / max(text_length(b.text), 1)
    return ratio >= 0.8 or (ratio >= 0.5 and not re.search(r"[。！？!?]|\.\s|\.$", b.text))


# A blog entry's footer: "posted on 2009-04-16 21:37 周青 阅读(312) 评论(4) 编辑".
_POSTED_LINE = re.compile(r"(?i)^\s*posted\s+(?:on|@)\s+\d{4}-\d{1,2}-\d{1,2}")


def _apply_line_rules(blocks: list[Block], removed: list[Removal]) -> list[Block]:
    kept: list[Block] = []
    total = sum(len(b.text) for b in blocks)
    for i, b in enumerate(blocks):
        if b.kind == "img":
            kept.append(b)
            continue
        rule = rules.first_line_rule(b.text)
        if rule is None:
            if _mostly_links(b):
                removed.append(Removal(rule="density.links", text=b.text[:200]))
            elif _only_a_date(b.text) and not _is_signature_date(b.text, kept):
                removed.append(Removal(rule="field.date_line", text=b.text[:200]))
            elif len(b.text) <= 120 and _POSTED_LINE.match(b.text) and not _SENTENCES.search(b.text):
                removed.append(Removal(rule="field.posted_line", text=b.text[:200]))
            else:
                kept.append(b)
            continue
        removed.append(Removal(rule=rule.name, text=b.text[:200]))
        # A tail marker near the top ("发表评论" in a toolbar above the text) only drops itself.
        if rule.action == "tail" and sum(len(k.text) for k in kept) >= 0.4 * total:
            for rest in blocks[i + 1 :]:
                if rest.text:
                    removed.append(Removal(rule=rule.name, text=rest.text[:200]))
            break
    # Images left dangling at the end (QR codes after the ad block) are not article images.
    while kept and kept[-1].kind == "img":
        kept.pop()
    return kept


_DATELINE = re.compile(r"\d+月\d+日电|电\s*[(（]|讯\s*[(（]|^本报讯|消息\s*[(（]")


def _drop_repeated_lead(paragraphs: list[Block], removed: list[Removal]) -> list[Block]:
    """A summary box (DedeCMS 摘要) that repeats the lead paragraph is said once."""
    if len(paragraphs) < 2:
        return paragraphs
    first = "".join(paragraphs[0].text.split()).rstrip(".…。")
    if len(first) < 20:
        return paragraphs
    for later in paragraphs[1:4]:
        if first in "".join(later.text.split()):
            removed.append(Removal(rule="dedupe.summary", text=paragraphs[0].text[:200]))
            return paragraphs[1:]
    return paragraphs


def _page_source(page: Page, index: TreeIndex) -> str | None:
    """The publishing outlet or account named by meta tags or the page header, if any."""
    candidates = [page.meta.get(key) for key in rules.SOURCE_META]
    found = next(filter(None, map(_source_value, candidates)), None)
    # The header elements are known by their class or id (cheaper to look for among the page's
    # class strings than with the selectors).
    if found is None and index.classed(_SOURCE_HINTS):
        elements = [text_of(el) for selector in rules.SOURCE_ELEMENTS for el in _css(selector)(page.tree)[:1]]
        found = next(filter(None, map(_source_value, elements)), None)
    return found


_SOURCE_HINTS = rules.ClassWords("|".join(rules.SOURCE_ELEMENT_HINTS))


def _source_value(value: str | None) -> str | None:
    value = collapse(value)
    return value if value and len(value) <= 30 and not value.startswith(("http", "www.")) else None


def _photographers(caps: list) -> Byline:  # type: ignore[type-arg]
    """People credited for pictures in captions ((摄影 X), X 摄) are the article's photographers."""
    names = [who for c in caps if (who := captions_mod.photographer(simplify_labels(c.text)))]
    return Byline(photographers=list(dict.fromkeys(names)))


def _take_byline(blocks: list[Block]) -> tuple[list[Block], Byline, str | None]:
    """Remove byline paragraphs (first three, last four text blocks) and parse them."""
    text_idx = [i for i, b in enumerate(blocks) if b.kind in ("p", "h")]
    window = text_idx[:3] + text_idx[-4:]
    found: list[Byline] = []
    outlet = None
    drop: set[int] = set()
    for i in dict.fromkeys(window):
        match = match_byline(simplify_labels(blocks[i].text))
        if match is None:
            continue
        found.append(match.byline)
        if _DATELINE.search(match.byline.raw or ""):
            outlet = outlet or match.byline.outlet
        if match.whole_line:
            drop.add(i)
        else:
            rest = (blocks[i].text[: match.start] + blocks[i].text[match.end :]).strip()
            blocks[i] = Block(text=rest, kind=blocks[i].kind, image=blocks[i].image, links=blocks[i].links)
    kept = [b for i, b in enumerate(blocks) if i not in drop]
    return kept, merge_bylines(*found) if found else Byline(), outlet


_FIELD = re.compile(r"(作者|记者|通讯员|责任编辑|编辑|责编|审核|审校|校对|初审|复审|终审|摄影|图片|文字|排版|美编|监制|主编|统筹|策划|来源|信息来源|文章来源|发布时间|发布日期|发表时间|更新时间|时间|日期|点击|浏览|阅读|点击数|浏览次数)\s*[:：]\s*((?:[^\s:：|｜]|(?<=\d):(?=\d))+(?:\s+(?:[^\s:：|｜]|(?<=\d):(?=\d))+)*?)(?=\s+[^\s\d]\S*\s*[:：]|\s*[|｜]|$)")


_CREDIT_LABELS = {"作者", "记者", "通讯员", "责任编辑", "编辑", "责编", "审核", "审校", "校对", "摄影", "主编"}


def _byline_from_info(lines: list[str]) -> tuple[Byline, str | None]:
    parts: list[Byline] = []
    source = None
    for line in lines:
        for label, value in _FIELD.findall(line):
            value = value.strip()
            if "来源" in label:
                source = source or value
            elif label in _CREDIT_LABELS:
                parts.append(parse_credit_field(label, value))
    return (merge_bylines(*parts) if parts else Byline()), source


_NOT_LETTERS = re.compile(r"[\W\d_]+")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]+")


def _language(body: str, lang: str | None) -> str | None:
    sample = body[:3000]  # the language of the first paragraphs is the language of the article
    if not _CJK.search(sample):
        return (lang or "").split("-")[0].lower() or None
    # Counted by deleting runs of the other characters (one step per run, not per character).
    letters = len(_NOT_LETTERS.sub("", sample))
    if letters and len(_NOT_CJK.sub("", sample)) / letters > 0.3:
        return "zh"
    return (lang or "").split("-")[0].lower() or None
