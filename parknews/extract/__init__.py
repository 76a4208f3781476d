"""Pure extraction: page bytes in, an Article out. Nothing here imports Scrapy.

``extract_article`` is the single entry point used by the crawl pipeline, by
``parknews extract`` and ``parknews reextract`` and by the benchmarks.
"""

from __future__ import annotations

from parknews.extract.article import ExtractionError, SiteRules, extract_article

__all__ = ["ExtractionError", "SiteRules", "extract_article"]
