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


def refusal(article: Article) -> str | None:
    """Why ``article`` is no article (None when it is one): the one rule every path shares.

    A record needs a URL, and a title or body text. An article page whose text is missing
    (an empty block, a video player's script, a lone picture) is still archived with its
    title and date and an empty body, ``missing`` naming "body"; a record with neither
    title nor body is refused."""
    if not article.url:
        return "no URL"
    if not (article.body or "").strip() and not (article.title or "").strip():
        return "no title and no article text found"
    return None


def validated(article: Article) -> Article:
    """The one rule of what is an article, on every path (crawl, extract, reextract): a URL
    and a title or body text (``refusal``). A missing title, body or date is a gap, named in
    ``missing``, not a reason to lose the page."""
    why = refusal(article)
    if why is not None:
        raise ExtractionError("empty", why)
    if article.body is None or not article.body.strip():
        article.body = ""  # an article page with no article text: an empty body, never None
    article.missing = [name for name in CORE_FIELDS if not getattr(article, name)]
    return article


def try_extract(raw: RawPage, rules: SiteRules | None = None) -> tuple[Article | None, str | None]:
    """``(article, None)``, or ``(None, reason)`` when the page gives no article: the
    ExtractionError's message (``decode: ...`` for a page that cannot be decoded), or
    ``extractor error: ...`` when the extractor itself failed on the page (a bug to report: the
    page is kept, the run goes on). ``parknews reextract`` records these reasons as they are."""
    try:
        return article_from_raw(raw, rules), None
    except ExtractionError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one page's extractor bug must not stop a run
        return None, f"extractor error: {type(exc).__name__}: {exc}"


def page_outcome(raw: RawPage, rules: SiteRules | None = None) -> tuple[Article | None, str | None]:
    """``try_extract`` with the reason as the crawl records it: ``decode: ...`` as it is, any
    other reason under the ``extract`` stage (``extract: ...``)."""
    article, reason = try_extract(raw, rules)
    if reason is not None and not reason.startswith("decode:"):
        reason = f"extract: {reason}"
    return article, reason
