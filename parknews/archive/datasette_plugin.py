"""Datasette plugin loaded by ``parknews serve`` (and only by it): Chinese full-text search.

Datasette's table search box runs ``<fts_table> MATCH escape_fts(:search)``. Our index holds
two-character windows (see ``parknews.archive.search``), so the raw words must be rewritten the way
``parknews search`` rewrites them: this plugin replaces ``escape_fts`` on the archive's
connections with ``parknews.archive.search.fts_match_expression`` (registered last, after Datasette's
own), and adds SQL functions for the canned search query:

- ``parknews_fts_query(q)``: the FTS5 expression for a query;
- ``parknews_snippet(title, body, captions, q)``: a snippet with matches in <mark> tags.
"""

from __future__ import annotations

import html
from typing import Any

from datasette import hookimpl
from markupsafe import Markup

from parknews.archive.search import fts_match_expression, snippet_marked


@hookimpl(trylast=True)
def prepare_connection(conn: Any) -> None:
    conn.create_function("escape_fts", 1, fts_match_expression, deterministic=True)
    conn.create_function("parknews_fts_query", 1, fts_match_expression, deterministic=True)
    conn.create_function("parknews_snippet", 4, snippet_marked, deterministic=True)


@hookimpl
def render_cell(value: Any, column: str) -> Markup | None:
    """Show ``snippet`` columns with their highlights: everything escaped but the mark tags."""
    if column != "snippet" or not isinstance(value, str) or "<mark>" not in value:
        return None
    escaped = html.escape(value).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    return Markup(escaped)


# --- the reader view: an article's row page reads like the article -------------------------

#: Byline roles as a reader sees them, in the order they are written.
_ROLES = (("reporters", "记者"), ("correspondents", "通讯员"), ("photographers", "摄影"), ("editors", "编辑"))


def byline_words(byline: dict[str, Any] | None) -> str:
    """记者 X、Y · 通讯员 Z · 摄影 W · 编辑 V: the byline as words, outlet first."""
    byline = byline or {}
    parts = [byline["outlet"]] if byline.get("outlet") else []
    for key, word in _ROLES:
        names = byline.get(key) or []
        if names:
            parts.append(f"{word} {'、'.join(names)}")
    return " · ".join(parts)


def _json(value: Any, default: Any) -> Any:
    import json

    if not isinstance(value, str):
        return default if value is None else value
    try:
        return json.loads(value)
    except ValueError:
        return default


async def reader_article(datasette: Any, database: str, url: str) -> dict[str, Any] | None:
    """What the article row page shows: the record parsed, its revisions, its archived raw page
    and the other copies of its story."""
    from datasette.utils import tilde_encode

    db = datasette.get_database(database)
    found = (await db.execute("select * from articles where url = ?", [url])).rows
    if not found:
        return None
    row = dict(found[0])
    tables = set(await db.table_names())
    views = set(await db.view_names())
    captions = _json(row.get("captions"), [])
    article = {
        "url": url, "title": row.get("title"), "site": row.get("site"), "published_at": row.get("published_at"),
        "source_outlet": row.get("source_outlet"), "original_title": row.get("original_title"),
        "category": row.get("category"), "byline": byline_words(_json(row.get("byline"), {})),
        "paragraphs": [p for p in (row.get("body") or "").split("\n") if p.strip()],
        "images": [{"url": u, "caption": next((c for c in captions if c.get("image_url") == u), None)}
                   for u in _json(row.get("images"), [])],
        "captions": [c for c in captions if not c.get("image_url")],
        "body_links": _json(row.get("body_links"), []), "attachments": _json(row.get("attachments"), []),
        "deleted_at": row.get("deleted_at"), "first_seen_at": row.get("first_seen_at"),
        "revisions": [], "page": None, "copies": [],
    }
    if "revisions" in tables:
        article["revisions"] = [dict(r) for r in (await db.execute(
            "select revised_at, changed, old_title from revisions where url = ? order by id desc", [url])).rows]
    if "pages" in tables:
        page = (await db.execute("select url, fetched_at, status, body_size, encoding from pages "
                                 "where url = ? or final_url = ? limit 1", [url, url])).rows
        if page:
            article["page"] = {**dict(page[0]), "href": f"/{database}/pages/{tilde_encode(page[0]['url'])}"}
    if "clusters" in views:
        article["copies"] = [{**dict(r), "href": f"/{database}/articles/{tilde_encode(r['url'])}"} for r in (await db.execute(
            "select url, site, title, published_at, credited_source, first_seen_copy from clusters "
            "where cluster_id = (select cluster_id from article_signatures where url = ?) and url != ? "
            "order by arrival", [url, url])).rows]
    return article


def _row_href(database: str, url: str) -> str:
    from datasette.utils import tilde_encode

    return f"/{database}/articles/{tilde_encode(url)}"


def _raw(row: Any) -> dict[str, Any]:
    """A display row of the table view as {column: raw value}."""
    return {cell["column"]: cell.get("raw") for cell in row}


def _excerpt(raw: dict[str, Any], query: str | None) -> Markup:
    """The table's excerpt cell: the search snippet (matches marked) or the text's start."""
    if query:
        marked = snippet_marked(raw.get("title"), raw.get("body"), raw.get("captions"), query) or ""
        escaped = html.escape(marked).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
        return Markup(escaped)
    text = " ".join((raw.get("body") or "").split())
    return Markup(html.escape(text[:90] + ("…" if len(text) > 90 else "")))


@hookimpl
def extra_template_vars(view_name: str, database: str | None, table: str | None, request: Any, datasette: Any) -> Any:
    if view_name == "table" and table == "articles":
        return {"parknews_compact": True, "parknews_raw": _raw, "parknews_row_href": _row_href,
                "parknews_excerpt": _excerpt}
    if view_name != "row" or table != "articles" or request is None:
        return None

    async def inner() -> dict[str, Any]:
        from datasette.utils import tilde_decode

        pks = request.url_vars.get("pks") or ""
        return {"reader": await reader_article(datasette, database or "", tilde_decode(pks))}

    return inner


# --- a by-month facet: articles per publication month, a click filters to that month ------


def _month_facet_class() -> type:
    from datasette.facets import Facet
    from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

    class MonthFacet(Facet):  # type: ignore[misc, valid-type]
        """``{"month": "published_at"}`` in metadata, or ``?_facet_month=published_at``: counts
        per YYYY-MM, newest month first; choosing one adds ``published_at__startswith=YYYY-MM``."""

        type = "month"

        async def suggest(self) -> list[dict[str, Any]]:
            return []

        async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
            results, timed_out = [], []
            chosen = dict(self.get_querystring_pairs())
            size = self.get_facet_size()
            for entry in self.get_configs():
                config = entry["config"]
                column = config.get("column") or config["simple"]
                sql = (f"select substr({escape_sqlite(column)}, 1, 7) as value, count(*) as count "
                       f"from ({self.sql}) where {escape_sqlite(column)} glob '[12][0-9][0-9][0-9]-[01][0-9]*' "
                       f"group by value order by value desc limit {size + 1}")
                try:
                    rows = (await self.ds.execute(self.database, sql, self.params, truncate=False,
                                                  custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
                except Exception:  # noqa: BLE001 - Datasette's own facets give up the same way on a timeout
                    timed_out.append(column)
                    continue
                key = f"{column}__startswith"
                values = []
                for row in rows[:size]:
                    selected = chosen.get(key) == row["value"]
                    change = path_with_removed_args if selected else path_with_added_args
                    values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                                   "selected": selected,
                                   "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(
                                       change(self.request, {key: row["value"]})))})
                results.append({"name": column, "type": self.type, "results": values,
                                "hideable": entry["source"] != "metadata",
                                "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
                                "truncated": len(rows) > size})
            return results, timed_out

    return MonthFacet


@hookimpl
def register_facet_classes() -> list[type]:
    return [_month_facet_class()]
