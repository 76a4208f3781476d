"""Spiders: one, driven by site profiles (parknews/crawl/spiders/site.py)."""
