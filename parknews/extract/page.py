"""Parse a document once: the lxml tree, meta tags and JSON-LD every extractor reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

_WS = re.compile(r"[ \t\r\n\u3000\xa0\u200b\ufeff]+")


def collapse(text: str | None) -> str:
    """Collapse runs of whitespace (including full-width and NBSP) to one space and strip."""
    return _WS.sub(" ", text or "").strip()


@dataclass
class Page:
    """One parsed HTML document."""

    url: str
    """Base URL for resolving relative links."""
    tree: lxml.html.HtmlElement
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


def parse_page(text: str, url: str) -> Page:
    """Build a Page from decoded HTML text."""
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"unparseable HTML: {exc}") from exc
    try:
        tree.make_links_absolute(url, resolve_base_href=True, handle_failures="ignore")
    except ValueError:
        pass
    page = Page(url=url, tree=tree)
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        content = el.get("content")
        if key and content is not None and key not in page.meta:
            page.meta[key] = content.strip()
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() == "application/ld+json" and el.text:
            page.jsonld.extend(_flatten_jsonld(el.text))
    title = tree.find(".//title")
    page.title_tag = collapse(title.text_content()) if title is not None else None
    page.lang = tree.get("lang") or tree.get("xml:lang")
    for el in tree.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
            page.canonical = el.get("href").strip()
            break
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
