"""The archive side: the SQLite archive and everything that reads or writes it.

Schema and migrations (``store``), full-text search, run records, exports, near-duplicate
clusters, re-extraction, and the Datasette reading room. Nothing here imports Scrapy: the
archive can be opened, searched, exported and served without a crawler installed.
"""
