"""parknews: crawl Chinese industrial-park news sites into a SQLite archive."""

__version__ = "0.1.0"
