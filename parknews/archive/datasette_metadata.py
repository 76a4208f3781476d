"""Datasette metadata for the archive: titles, column descriptions, search, facets, canned queries.

Column descriptions of the articles table come from the field docstrings in
``parknews.items`` (as the JSON Schema does), so they cannot drift from the record.
``python -m parknews.archive.datasette_metadata [DBNAME]`` prints the metadata as JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from parknews.archive.schema import field_docs
from parknews.archive.search import FTS_TABLE, RANK_BOUND, RANK_SQL
from parknews.items import Article

JSON_FIELDS = ("captions", "byline", "body_links", "related_links", "attachments", "images", "removed")

ARCHIVE_COLUMNS = {
    "schema_version": "Version of the record schema the row was written with.",
    "first_seen_at": "When parknews first stored this article (UTC).",
    "updated_at": "When parknews last wrote this row (UTC).",
    "run_id": "The crawl run that last wrote the row (runs.id).",
    "content_hash": "Hash of the article's content, to tell real changes from re-crawls.",
    "deleted_at": "When the article was found gone from its site; empty while it is online.",
    "revision_count": "How many times the content changed after the first crawl (see revisions).",
}

QUERIES: dict[str, dict[str, Any]] = {
    "search": {
        "title": "Full-text search",
        "description": "Titles, bodies and captions; any term length (虞, 上虞, 生命健康), "
                       '"phrases", OR, -exclude, title:term. Best matches first, in the order of '
                       f"parknews search: when more than {RANK_BOUND:,} articles match, the best of the "
                       f"{RANK_BOUND:,} most recently stored (parknews search --all ranks every match).",
        "sql": (
            f"with m as (select rowid, {RANK_SQL} as score from {FTS_TABLE}\n"
            f"  where {FTS_TABLE} match parknews_fts_query(:q) order by rowid desc limit {RANK_BOUND})\n"
            "select a.url, a.title, a.site, substr(a.published_at, 1, 10) as published,\n"
            "  parknews_snippet(a.title, a.body, a.captions, :q) as snippet\n"
            "from m join articles a on a.rowid = m.rowid\n"
            "order by m.score, a.published_at desc, a.url\nlimit 100"
        ),
    },
    "compact": {
        "title": "Articles, compact",
        "description": "One line per article: headline, site, date, outlet and the start of the text.",
        "sql": "select url, title, site, substr(published_at, 1, 10) as date, source_outlet as outlet,\n"
               "  substr(replace(body, char(10), ' '), 1, 80) as excerpt\n"
               "from articles order by published_at desc limit 200",
    },
    "latest_articles": {
        "title": "Latest articles",
        "description": "The 100 most recently published articles.",
        "sql": "select published_at, title, site, source_outlet, url from articles\n"
               "order by published_at desc limit 100",
    },
    "by_site": {
        "title": "Articles by site",
        "description": "How many articles each site profile archived, and their publication span.",
        "sql": "select site, count(*) as articles, min(published_at) as earliest, max(published_at) as latest,\n"
               "  max(updated_at) as last_written\nfrom articles group by site order by articles desc",
    },
    "by_reporter": {
        "title": "Articles by reporter",
        "description": "Reporters named in bylines, with their article counts (fill in a name to list theirs).",
        "sql": "select r.value as reporter, count(*) as articles, max(a.published_at) as latest,\n"
               "  group_concat(a.title, ' | ') as titles\n"
               "from articles a, json_each(json_extract(a.byline, '$.reporters')) r\n"
               "where :reporter = '' or r.value = :reporter\n"
               "group by r.value order by articles desc, reporter",
    },
    "by_month": {
        "title": "Articles by month",
        "description": "Articles per publication month and site.",
        "sql": "select substr(published_at, 1, 7) as month, site, count(*) as articles\n"
               "from articles where published_at is not null\n"
               "group by month, site order by month desc, site",
    },
    "last_run_failures": {
        "title": "Failures of the last run",
        "description": "Pages the most recent crawl run could not fetch, decode, extract or validate.",
        "sql": "select f.stage, f.reason, f.status, f.url, f.at, r.profile\n"
               "from failures f join runs r on r.id = f.run_id\n"
               "where f.run_id = (select max(id) from runs)\norder by f.stage, f.url",
    },
}


def article_columns() -> dict[str, str]:
    docs = field_docs(Article)
    columns = {}
    for name, doc in docs.items():
        columns[name] = doc + (" (JSON)" if name in JSON_FIELDS else "")
    return {**columns, **ARCHIVE_COLUMNS}


def metadata(db_name: str) -> dict[str, Any]:
    """Datasette metadata for an archive served under ``db_name`` (the file name without .db)."""
    return {
        "title": "parknews archive",
        "description": "Chinese industrial-park news, crawled and cleaned by parknews. "
                       "Search the articles table with its search box (上虞 finds 上虞), or use the canned queries.",
        "databases": {
            db_name: {
                "description": "One row per article in articles; raw pages, crawl runs and failures beside it.",
                "tables": {
                    "articles": {
                        "description": "One row per article, keyed by canonical URL. The search box searches "
                                       "titles, bodies and captions; single characters and phrases work.",
                        "label_column": "title",
                        "sort_desc": "published_at",
                        "fts_table": FTS_TABLE,
                        "fts_pk": "rowid",
                        "facets": ["site", "category", "source_outlet", {"month": "published_at"}],
                        "columns": article_columns(),
                    },
                    "pages": {
                        "description": "The raw response of every page fetched (latest fetch per URL), for re-extraction.",
                        "columns": {
                            "url": "URL requested.", "final_url": "URL after redirects.", "site": "Site profile.",
                            "kind": "article or listing.", "status": "HTTP status.", "headers": "Response headers (JSON).",
                            "body": "Response body, zlib-compressed.", "body_size": "Uncompressed body size in bytes.",
                            "encoding": "Encoding the page was decoded with.", "fetched_at": "Fetch time (UTC).",
                            "run_id": "Crawl run (runs.id).",
                        },
                        "facets": ["site", "kind", "status"],
                    },
                    "runs": {
                        "description": "One row per crawl run: what it fetched, stored and failed.",
                        "sort_desc": "id",
                    },
                    "failures": {
                        "description": "One row per page that failed, with the stage (fetch, robots, extract, "
                                       "validate, reextract) and the reason.",
                        "facets": ["stage", "run_id", "site"],
                        "sort_desc": "id",
                    },
                    "revisions": {"description": "Earlier versions of articles whose content changed."},
                    "article_changes": {
                        "description": "Latest change number (seq) per article; parknews export --after reads it.",
                    },
                    FTS_TABLE: {"hidden": True},
                    # Internal bookkeeping: the clusters view shows what these mean.
                    "article_signatures": {"hidden": True},
                    "signature_bands": {"hidden": True},
                    "clusters": {
                        "description": "Stories republished across sites: one row per copy, the first-seen copy "
                                       "first (first_seen_copy = 1), with its site, date and credited source.",
                        "facets": ["site", "credited_source"],
                    },
                },
                "queries": QUERIES,
            }
        },
    }


if __name__ == "__main__":
    print(json.dumps(metadata(sys.argv[1] if len(sys.argv) > 1 else "parknews"), ensure_ascii=False, indent=2))
