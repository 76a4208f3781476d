"""Spiders: one, driven by site profiles (parknews/spiders/site.py)."""
