"""The crawling side: everything that runs inside a Scrapy process.

Spiders, pipelines, middlewares, settings, site profiles, the local test site, progress
reports and the one-reactor crawl session live here. This is the only side that imports
Scrapy; ``parknews.extract`` and ``parknews.archive`` never do. The pipelines are the one
bridge: they hand extracted records to the archive side's store.
"""
