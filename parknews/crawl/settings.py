"""Scrapy settings for parknews (also what `parknews crawl` and scrapyd use).

Polite by default: robots.txt obeyed, AutoThrottle on, one request at a time per
domain, an honest User-Agent. A site profile's [settings] table overrides the
per-site values; our own settings carry a PARKNEWS_ prefix.
"""

from parknews import __version__

BOT_NAME = "parknews"
SPIDER_MODULES = ["parknews.crawl.spiders"]
NEWSPIDER_MODULE = "parknews.crawl.spiders"

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

# --- fetching: limits ----------------------------------------------------------------
# Every fault ends as a failure row (URL, stage, reason; see SiteSpider.on_error and
# describe_failure) and the crawl goes on. Tests shrink these with -s NAME=VALUE.
#
# Seconds for one whole download: connect, headers and body (Scrapy's default is 180).
# A server that hangs costs (RETRY_TIMES + 1) x this before it becomes a `timeout` failure.
DOWNLOAD_TIMEOUT = 30
# Transient faults get two more tries: the HTTP codes below and timeouts, connection
# resets and refusals, truncated bodies (Scrapy's RETRY_EXCEPTIONS). 4xx is final at once.
# After the last try a 5xx is recorded once, as `fetch: HTTP 503`.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A response with one of those codes and a Retry-After header (seconds or an HTTP-date) is
# retried only after that wait, and the other requests to the same host hold off until
# then too (RetryAfterMiddleware, parknews/crawl/middlewares.py, in place of the stock
# RetryMiddleware; other requests, to other hosts, go on meanwhile). A Retry-After longer
# than this many seconds is not waited for nor retried: the page fails at once, as
# `fetch: ignored: HTTP 503 with Retry-After: 3600, more than PARKNEWS_RETRY_AFTER_MAX (60 s):
# not retried`. The retries still count against RETRY_TIMES. Without Retry-After, retries
# go at once, as stock Scrapy does.
PARKNEWS_RETRY_AFTER_MAX = 60
# Pages larger than this are not news articles; refuse them rather than fill memory
# (`size` failure). Checked against Content-Length before the body is read, against the
# bytes received while streaming, and -- by HttpCompressionMiddleware, which needs
# COMPRESSION_ENABLED -- against the decoded size while inflating gzip/deflate/br/zstd, so a
# decompression bomb stops at this size too. A per-request meta "download_maxsize" overrides.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
# Logged as a warning (raw or decoded), still processed.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COMPRESSION_ENABLED = True
# A body shorter than its Content-Length (or a broken chunked body) is a failure
# ("response truncated"), never a half article in the archive.
DOWNLOAD_FAIL_ON_DATALOSS = True
# Redirect chains longer than this are a `redirect` failure. A redirect back into its own
# chain (A -> A, A -> B -> A) or off the allowed domains fails at once: stock Scrapy lets
# the duplicate filter or OffsiteMiddleware drop those silently (no errback, no row), so
# RedirectLoopMiddleware (parknews/crawl/middlewares.py) takes the stock middleware's place.
REDIRECT_MAX_TIMES = 5
# A redirect to anything but http(s) (file:, ftp:, data:) fails too, as "redirect off the
# site: A -> file:///etc/passwd"; stock Scrapy would hand on the 3xx response as the page.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "parknews.crawl.middlewares.RedirectLoopMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "parknews.crawl.middlewares.RetryAfterMiddleware": 550,
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control server (runs Python sent to a localhost port, and leaves a job
# file with its token in the user's state folder for every run): not for an unattended archiver.
REMOTE_CONTROL_ENABLED = False
# Article URLs first, so a listing walk does not pile up work in memory.
DEPTH_PRIORITY = 0

# --- pipelines: extract -> validate -> store ------------------------------------------
# Scrapy (2.19) starts CONCURRENT_ITEMS asyncio tasks (default 100) for the output of every
# response, even one that yields a single item; an article page yields one item and a listing page
# about twenty requests, so 8 loses no parallelism and saves the crawling process about 1 ms of CPU
# a page, a fifth of its own (docs/benchmarks.md, "Issue 15, part 3").
CONCURRENT_ITEMS = 8
ITEM_PIPELINES = {
    "parknews.crawl.pipelines.ExtractPipeline": 100,
    "parknews.crawl.pipelines.ValidatePipeline": 200,
    "parknews.crawl.pipelines.StorePipeline": 300,
}

# --- parknews ---------------------------------------------------------------------
# A live progress line on stderr (the CLI turns it on when stderr is a terminal).
PARKNEWS_PROGRESS = False
EXTENSIONS = {"parknews.crawl.progress.Progress": 500}

# Archive path; empty means $PARKNEWS_DB or data/parknews.db.
PARKNEWS_DB = ""
# Rows written per SQLite transaction, and the longest a row waits for its batch.
PARKNEWS_BATCH_SIZE = 50
PARKNEWS_FLUSH_SECONDS = 2.0
# Extraction worker processes beside the reactor (parknews/extract/pool.py): -1 is one fewer
# than the cores this process may use, 0 extracts in the crawling process.
PARKNEWS_EXTRACT_WORKERS = -1
# Largest the archive file may grow, in MiB (0: no limit). Reaching it stops the run the way a
# full disk does: the batch in hand is rolled back, the run row says disk_full, exit status 1,
# and the frontier keeps what is left for the next run.
PARKNEWS_MAX_ARCHIVE_MB = 0.0
# Pages discovery may fetch to learn a site given by its bare home URL (parknews crawl URL,
# parknews profile init URL): the home page and a few pages of every kind of URL it links to.
PARKNEWS_DISCOVERY_PAGES = 40
# Start discovery from the CMS preset the pages point to (parknews/sites/cms); False: learn
# the patterns from the pages alone (benchmarks/discovery.py --no-presets compares the two).
PARKNEWS_DISCOVERY_PRESETS = True
# Every failure is recorded in the archive and summarised by the CLI; no log line per item.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"

LOG_LEVEL = "INFO"
