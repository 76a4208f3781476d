"""Parse a document once: the lxml tree, meta tags and JSON-LD every extractor reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

#: The parsed tree's element type. A plain lxml HTML parser, not lxml.html's: lxml.html looks up
#: a Python class for every element touched, which cost more than a tenth of extraction time.
HtmlElement = etree._Element
# Comments and processing instructions are dropped while parsing (their text never shows; the
# CMS records some pages keep in comments are read from the source, see dates.collect_clues).
# No table of id attributes either (nothing here looks elements up by id).
# libxml2 nests elements up to 256 deep and drops the rest of the document past that; such
# a page is parsed again flat (_flat_reparse). Its huge_tree option would allow 2048, deeper
# than the Python tree walks here can recurse.
_OPTIONS = {"remove_blank_text": False, "remove_comments": True, "remove_pis": True, "no_network": True,
            "collect_ids": False}
_PARSER = etree.HTMLParser(**_OPTIONS)
# The same for UTF-8 bytes: libxml2 reads them as they are, faster than a Python str it must convert.
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8", **_OPTIONS)
# For the rare page whose comments are wanted (Page.with_comments).
_COMMENTS_PARSER = etree.HTMLParser(**{**_OPTIONS, "remove_comments": False})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TOSTRING = etree.tostring


def text_of(el: HtmlElement) -> str:
    """All text inside an element (what lxml.html calls text_content()).

    Serialised by libxml2's text method: the same string as XPath string(), about three times
    faster for the small elements most callers read."""
    return _TOSTRING(el, method="text", encoding=str, with_tail=False)


def collapse(text: str | None) -> str:
    """Collapse runs of whitespace (including full-width and NBSP) to one space and strip."""
    if not text:
        return ""
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", "").replace("\ufeff", "")
    # str.split() splits on every Unicode space (NBSP, U+3000 included) and is far faster than a regex.
    return " ".join(text.split())


@dataclass
class Page:
    """One parsed HTML document."""

    url: str
    """Base URL for resolving relative links."""
    tree: HtmlElement
    """Root ``<html>`` element (mutable copy owned by this Page)."""
    meta: dict[str, str] = field(default_factory=dict)
    """``<meta name|property|itemprop=... content=...>`` by lower-cased key (first wins)."""
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON-LD object on the page, ``@graph`` flattened."""
    title_tag: str | None = None
    """Text of ``<title>``."""
    lang: str | None = None
    """``<html lang>``."""
    canonical: str | None = None
    """``<link rel=canonical href>``, resolved."""
    base: str = ""
    """Base URL for relative links: ``<base href>`` resolved against url, else url."""
    notes: list[str] = field(default_factory=list)
    """What parsing had to do to keep the text (see Article.notes)."""
    html: str | None = None
    """The decoded source, for cheap substring tests before a tree scan."""
    raw: bytes | None = None
    """The undecoded source when its encoding keeps ASCII as ASCII (UTF-8, GBK, Big5…)."""

    def with_comments(self) -> HtmlElement:
        """The document parsed again with its comments kept (the Page's own tree has none), or
        the Page's tree when its source is unknown."""
        if self.html is None:
            return self.tree
        try:
            tree = etree.fromstring(_XML_DECLARATION.sub("", self.html), _COMMENTS_PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return self.tree
        return tree if tree is not None else self.tree

    def mentions(self, word: str) -> bool:
        """Whether the source contains ``word`` (ASCII); True when the source is unknown.
        Searched in the bytes when the Page has them: several times faster than in a str."""
        if self.raw is not None:
            return word.encode("ascii") in self.raw
        return self.html is None or word in self.html

    def absolute(self, href: str | None) -> str | None:
        """An href resolved against the page's base URL (None for empty or unusable ones)."""
        if not href:
            return None
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            return None
        if href.startswith(("http://", "https://")):
            return href
        try:
            return urljoin(self.base or self.url, href)
        except ValueError:
            return None


_MAX_DEPTH = 256
#: Tags kept when a too-deep page is flattened: the document's frame and what holds text and images.
_FLAT_KEEP = ("html|head|body|title|meta|link|base|script|style|noscript|p|br|img|a|h[1-6]|figcaption|"
              "strong|b|em|i|time")
_CONTAINER_TAG = re.compile(rf"</?(?!(?:{_FLAT_KEEP})\b)[a-z][a-z0-9]*\b[^>]*>", re.I)


def _flat_reparse(text: str) -> HtmlElement | None:
    """A document nested past libxml2's depth limit (hostile, or a CMS that never closes its
    divs) loses everything below the limit. Parsed again with only its text tags, its
    paragraphs, headings and images come back as siblings: the text survives, the nesting does not."""
    return etree.fromstring(_XML_DECLARATION.sub("", _CONTAINER_TAG.sub("", text)), _PARSER)


def parse_page(text: str, url: str, *, utf8: bytes | None = None, raw: bytes | None = None) -> Page:
    """Build a Page from decoded HTML text; ``utf8``, when given, is the same document as the
    UTF-8 bytes it was decoded from (parsed instead of the text: same tree, less work), ``raw``
    the bytes it was decoded from when their encoding keeps ASCII as ASCII."""
    if utf8 is None:
        # lxml refuses str input that carries an XML encoding declaration.
        text = _XML_DECLARATION.sub("", text)
    try:
        if not text or text.isspace():
            tree = None
        elif utf8 is not None:
            tree = etree.fromstring(utf8, _UTF8_PARSER)
        else:
            tree = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ValueError(f"unparseable HTML: {exc}") from exc
    notes = []
    parser = _UTF8_PARSER if utf8 is not None else _PARSER
    if tree is not None and any("Excessive depth" in e.message for e in parser.error_log):
        tree = _flat_reparse(utf8.decode("utf-8") if utf8 is not None else text)
        notes.append(f"elements nested deeper than the parser's limit ({_MAX_DEPTH}): parsed again with only "
                     "paragraph, heading, link and image tags, to keep the text")
    if tree is None:
        raise ValueError("unparseable HTML: document is empty")
    page = Page(url=url, tree=tree, base=url, html=text, raw=raw if raw is not None else utf8)
    page.notes.extend(notes)
    # One walk over the tree for the tags the Page reads (the first of each kind wins).
    base = title = canonical = None
    for el in tree.iter("meta", "script", "link", "base", "title"):
        tag = el.tag
        if tag == "meta":
            key = (el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
            content = el.get("content")
            if key and content is not None and key not in page.meta:
                page.meta[key] = content.strip()
        elif tag == "script":
            if el.text and (el.get("type") or "").lower() == "application/ld+json":
                page.jsonld.extend(_flatten_jsonld(el.text))
        elif tag == "link":
            if canonical is None and el.get("href") and "canonical" in (el.get("rel") or "").lower().split():
                canonical = el.get("href")
        elif tag == "base":
            base = base if base is not None else el
        elif title is None:
            title = el
    if base is not None and base.get("href"):
        page.base = page.absolute(base.get("href")) or url
    page.title_tag = collapse(text_of(title)) if title is not None else None
    page.lang = tree.get("lang") or tree.get("xml:lang")
    if canonical is not None:
        page.canonical = page.absolute(canonical)
    return page


def _flatten_jsonld(raw: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw.strip().rstrip(";"))
    except ValueError:
        return []
    out: list[dict[str, Any]] = []
    stack = data if isinstance(data, list) else [data]
    for obj in stack:
        if not isinstance(obj, dict):
            continue
        out.append(obj)
        graph = obj.get("@graph")
        if isinstance(graph, list):
            out.extend(g for g in graph if isinstance(g, dict))
    return out
