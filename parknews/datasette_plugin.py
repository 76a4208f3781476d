"""Datasette plugin loaded by ``parknews serve`` (and only by it): Chinese full-text search.

Datasette's table search box runs ``<fts_table> MATCH escape_fts(:search)``. Our index holds
two-character windows (see ``parknews.search``), so the raw words must be rewritten the way
``parknews search`` rewrites them: this plugin replaces ``escape_fts`` on the archive's
connections with ``parknews.search.fts_match_expression`` (registered last, after Datasette's
own), and adds SQL functions for the canned search query:

- ``parknews_fts_query(q)``: the FTS5 expression for a query;
- ``parknews_snippet(title, body, captions, q)``: a snippet with matches in <mark> tags.
"""

from __future__ import annotations

import html
from typing import Any

from datasette import hookimpl
from markupsafe import Markup

from parknews.search import fts_match_expression, snippet_marked


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
