"""From a fetched page to an Article: the one path shared by the crawl pipeline,
``parknews extract`` and ``parknews reextract`` (no Scrapy here)."""

from __future__ import annotations

from w3lib.url import canonicalize_url

from parknews.extract import ExtractionError, SiteRules, extract_article
from parknews.items import Article, RawPage

#: Fields whose absence is a gap worth naming in ``Article.missing``.
CORE_FIELDS = ("title", "body", "published_at")


def article_from_raw(raw: RawPage, rules: SiteRules | None = None) -> Article:
    """Extract the article of a fetched page; raises ExtractionError when there is none."""
    article = extract_article(
        raw.body, raw.final_url, site_rules=rules, content_type=raw.headers.get("content-type")
    )
    article.url = canonicalize_url(raw.final_url) if raw.final_url.startswith("http") else raw.final_url
    article.site = raw.site
    article.fetched_at = raw.fetched_at
    return validated(article)


def validated(article: Article) -> Article:
    """The one rule of what is an article, on every path (crawl, extract, reextract): a URL
    and body text. A missing title or date is a gap, named in ``missing``, not a reason to
    lose the page."""
    if not article.url or not (article.body or "").strip():
        raise ExtractionError("empty", "no article text found")
    article.missing = [name for name in CORE_FIELDS if not getattr(article, name)]
    return article
