"""Scrapy settings for parknews (also what `parknews crawl` and scrapyd use).

Polite by default: robots.txt obeyed, AutoThrottle on, one request at a time per
domain, an honest User-Agent. A site profile's [settings] table overrides the
per-site values; our own settings carry a PARKNEWS_ prefix.
"""

from parknews import __version__

BOT_NAME = "parknews"
SPIDER_MODULES = ["parknews.spiders"]
NEWSPIDER_MODULE = "parknews.spiders"

# --- politeness -------------------------------------------------------------------
USER_AGENT = f"parknews/{__version__} (news archiver; Scrapy)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- fetching ---------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# Pages larger than this are not news articles; refuse them rather than fill memory.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Article URLs first, so a listing walk does not pile up work in memory.
DEPTH_PRIORITY = 0

# --- pipelines: extract -> validate -> store ------------------------------------------
ITEM_PIPELINES = {
    "parknews.pipelines.ExtractPipeline": 100,
    "parknews.pipelines.ValidatePipeline": 200,
    "parknews.pipelines.StorePipeline": 300,
}

# --- parknews ---------------------------------------------------------------------
# A live progress line on stderr (the CLI turns it on when stderr is a terminal).
PARKNEWS_PROGRESS = False
EXTENSIONS = {"parknews.progress.Progress": 500}

# Archive path; empty means $PARKNEWS_DB or data/parknews.db.
PARKNEWS_DB = ""
# Rows written per SQLite transaction, and the longest a row waits for its batch.
PARKNEWS_BATCH_SIZE = 50
PARKNEWS_FLUSH_SECONDS = 2.0
# Every failure is recorded in the archive and summarised by the CLI; no log line per item.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"

LOG_LEVEL = "INFO"
