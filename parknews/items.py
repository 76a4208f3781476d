"""The article record: one documented schema for SQLite, JSON Lines and the extractors.

Every field but ``url`` has a default. Each field's docstring (the string literal
below it) fixes its format; ``parknews.archive.schema`` turns these into the shipped JSON
Schema and the README table, so there is no second hand-written list of fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Version of the exported record. Bump the minor part when fields are added,
#: the major part when a field changes meaning or is removed. 1.2: ``cluster_id``.
SCHEMA_VERSION = "1.2"


@dataclass
class Link:
    """A hyperlink found in the page."""

    url: str
    """Absolute URL."""
    text: str = ""
    """The link's visible text, whitespace-collapsed."""


@dataclass
class Caption:
    """An image caption, separated from the body text."""

    text: str
    """Caption text without its marker (图说:, ▲, 图为 is kept as it is part of the sentence)."""
    image_url: str | None = None
    """Absolute URL of the image the caption belongs to, when the page allows tying them."""
    credit: str | None = None
    """Who supplied the picture: 上虞区委宣传部供图 gives "上虞区委宣传部", (摄影 X) gives "X"."""


@dataclass
class Byline:
    """Who wrote the article, parsed from the byline, dateline and 作者/责任编辑 fields."""

    outlet: str | None = None
    """The outlet named in the byline or dateline: "新民晚报", "新华网"."""
    reporters: list[str] = field(default_factory=list)
    """Reporters (记者, 文/, 作者:), in page order."""
    correspondents: list[str] = field(default_factory=list)
    """Correspondents (通讯员)."""
    editors: list[str] = field(default_factory=list)
    """Editors (责任编辑, 编辑); never counted as reporters."""
    photographers: list[str] = field(default_factory=list)
    """Photographers (摄影, X 摄)."""
    raw: str | None = None
    """The byline text exactly as found, for audit; several lines joined with " | "."""


@dataclass
class Removal:
    """One piece of text the cleaner removed, and the rule that removed it."""

    rule: str
    """Rule name, "<table>.<entry>" as in ``parknews/extract/rules.py``."""
    text: str
    """The removed text, shortened to 200 characters."""


@dataclass
class Article:
    """One article as archived and exported."""

    url: str
    """Canonical URL of the article page (w3lib-canonicalized, fragment dropped)."""
    site: str | None = None
    """Name of the site profile that crawled it ("rentsh"), or None for ``parknews extract``."""
    title: str | None = None
    """Headline of the article, without the site name that ``<title>`` appends."""
    body: str | None = None
    """Clean article text: paragraphs in page order separated by a single newline;
    no captions, no byline line, no boilerplate; subheadings kept as paragraphs."""
    captions: list[Caption] = field(default_factory=list)
    """Image captions, in page order."""
    byline: Byline = field(default_factory=Byline)
    """Authorship; empty lists when the page names nobody."""
    published_at: str | None = None
    """Publication time, ISO 8601; "+08:00" when the page gives local time without a zone;
    a date alone stays a date ("2024-10-12")."""
    published_raw: str | None = None
    """The publication time exactly as the page wrote it."""
    source_outlet: str | None = None
    """Where the text comes from (来源:, 信息来源:, the dateline's outlet)."""
    original_title: str | None = None
    """The upstream title given by 原标题:, when the article is republished."""
    category: str | None = None
    """Section from the breadcrumb, levels joined with " > " (home and 正文 left out)."""
    body_links: list[Link] = field(default_factory=list)
    """Links inside the article text, absolute."""
    related_links: list[Link] = field(default_factory=list)
    """Links of the related / latest / hot article lists around the article."""
    attachments: list[Link] = field(default_factory=list)
    """Links to .pdf/.doc/.docx/.xls/.xlsx/.zip/.rar/.wps files."""
    images: list[str] = field(default_factory=list)
    """Absolute URLs of the images inside the article text, in order."""
    language: str | None = None
    """Language of the body: "zh" when most letters are CJK, else the page's lang attribute."""
    canonical_url: str | None = None
    """The URL the page declares with ``<link rel="canonical">``, if any."""
    encoding: str | None = None
    """Encoding the page was decoded with (Python codec name, e.g. "utf-8", "gb18030")."""
    fetched_at: str | None = None
    """When the page was fetched, ISO 8601 UTC."""
    removed: list[Removal] = field(default_factory=list)
    """Audit of the boilerplate removed from the body, by rule."""
    missing: list[str] = field(default_factory=list)
    """Core fields the page did not yield, by name ("title", "published_at"): an article
    with a gap is archived with the gap named, the same way by the crawl, ``parknews
    extract`` and ``parknews reextract``."""
    notes: list[str] = field(default_factory=list)
    """What the extractor noticed and could not use, in words (a date outside 1990–2100
    stays in ``published_raw`` and is named here)."""

    #: Export-only field (schema 1.2), not a dataclass field: the archive keeps it with the
    #: article's signature (``parknews.archive.clusters``), exports add it; see ``CLUSTER_ID_DOC``.

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, with its schema version."""
        data = dataclasses.asdict(self)
        data["schema_version"] = SCHEMA_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Rebuild an Article from ``to_dict`` output (unknown keys are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["captions"] = [Caption(**c) for c in kwargs.get("captions") or []]
        kwargs["byline"] = Byline(**(kwargs.get("byline") or {}))
        for name in ("body_links", "related_links", "attachments"):
            kwargs[name] = [Link(**x) for x in kwargs.get(name) or []]
        kwargs["removed"] = [Removal(**r) for r in kwargs.get("removed") or []]
        return cls(**kwargs)


#: Description of the export-only ``cluster_id`` field of the record.
CLUSTER_ID_DOC = ("The syndication cluster of the article (parknews clusters): copies of one story "
                  "republished across sites share it; it is the number of the first-seen copy's "
                  "signature and never changes once given. None when the body is too short to "
                  "compare or the article was not clustered yet.")


@dataclass
class RawPage:
    """A fetched page as the spider hands it to the pipelines (and the archive stores it)."""

    url: str
    """The URL that was requested."""
    final_url: str
    """The URL of the response after redirects."""
    status: int
    """HTTP status code."""
    headers: dict[str, str] = field(repr=False)
    """Response headers (names lower-cased, repeated headers joined with ", ")."""
    body: bytes = field(repr=False)
    """Response body, as received (decompressed transfer encoding)."""
    kind: str
    """"article" or "listing"."""
    fetched_at: str
    """ISO 8601 UTC."""
    site: str | None = None
    """Profile name."""
    recheck: bool = False
    """True when this was a conditional re-fetch of an archived article (--recheck)."""
    via: list[str] = field(default_factory=list, repr=False)
    """Earlier URLs of a redirect chain that ended here, first the one the spider asked for."""
    discovered: list[dict[str, Any]] = field(default_factory=list, repr=False)
    """Requests this page led to (url, kind, stale_run, full): the frontier entries that the
    store writes in the same transaction as the page."""


@dataclass
class FetchFailure:
    """A request that produced no response (timeout, DNS, connection refused, robots.txt)."""

    url: str
    kind: str
    """"article" or "listing"."""
    stage: str
    """Where it failed: "fetch" or "robots"."""
    reason: str
    site: str | None = None


@dataclass
class ArticlePage:
    """A fetched article page and the record extracted from it (what the pipelines pass on)."""

    raw: RawPage
    article: Article
    signature: bytes | None = None
    """The body's MinHash signature for syndication clusters, when the extraction worker made it
    (``parknews.archive.clusters.sign``; b"" for a body too short to cluster); None: the
    archive makes it."""
