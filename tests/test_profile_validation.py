"""Every wrong profile value is one line naming the file, the key and what it expects; nothing is fetched or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from parknews.sites.profiles import ProfileError, load_profile

GOOD = '''name = "demo"
start_urls = ["http://127.0.0.1:9/"]
article_url = '/post/\\d+\\.html$'
'''

BAD = [
    # (what the profile adds or replaces, the key named, words of the expectation)
    ("article_url = 5", "article_url", "regular expression"),
    ("listing_url = ['a', 5]", "listing_url", "regular expression"),
    ("listing_url = ['(unclosed']", "listing_url", "not a valid regular expression"),
    ("extends = 'joomla'", "extends", "names no CMS preset"),
    ("extends = 3", "extends", "must name a CMS preset"),
    ("page_offset = -1", "page_offset", "whole number from 0 to 10"),
    ("links_in_scripts = 'yes'", "links_in_scripts", "true or false"),
    ("[pagination_script]\npattern = 'page(\\d+)'\nnext = 'index_{n}.html'", "pagination_script.pattern",
     "groups count and current"),
    ("[pagination_script]\npattern = 1", "pagination_script", "strings pattern and next"),
    ("title = []", "title", "non-empty string"),
    ("next_page = 3", "next_page", "non-empty string"),
    ("next_page = 'a[[['", "next_page", "invalid CSS selector"),
    ("[settings]\ndownload_delay = 'fast'", "settings.download_delay", "number >= 0"),
    ("[settings]\ndownload_delay = true", "settings.download_delay", "number >= 0"),
    ("[settings]\ndownload_delay = -2", "settings.download_delay", "number >= 0"),
    ("[settings]\nconcurrency = '2'", "settings.concurrency", "whole number >= 1"),
    ("[settings]\nconcurrency = 0", "settings.concurrency", "whole number >= 1"),
    ("[settings]\nobey_robots = 'yes'", "settings.obey_robots", "true or false"),
    ("[settings]\nautothrottle = 1", "settings.autothrottle", "true or false"),
    ("[settings]\nuser_agent = ''", "settings.user_agent", "non-empty string"),
    ("[settings]\nencoding = 'klingon-8'", "settings.encoding", "no encoding"),
    ("[selectors]\nbody = 5", "selectors.body", "string or a list of strings"),
    ("[selectors]\nbody = ['div[[[']", "selectors.body", "invalid CSS selector"),
    ("[thresholds]\ntitle = 'high'", "thresholds", "numbers from 0 to 1"),
    ("[thresholds]\ndate = 1.5", "thresholds", "numbers from 0 to 1"),
    ("incremental = 3", "incremental", "must be a table"),
    ("selectors = 'x'", "selectors", "must be a table"),
    ("[incremental]\nstale_listing_pages = 0", "incremental.stale_listing_pages", "whole number >= 1"),
    ("feeds = ['ftp://127.0.0.1/feed.xml']", "feeds", "http(s) URLs"),
    ("allowed_domains = ['http://127.0.0.1/']", "allowed_domains", "host names"),
]

BAD_START = ["file:///etc/passwd", "ftp://127.0.0.1/", "data:text/html,hi", "http:///nohost"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(("extra", "key", "expected"), BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
def test_a_wrong_value_names_file_key_and_expectation(tmp_path: Path, extra: str, key: str, expected: str) -> None:
    lines = [line for line in GOOD.splitlines() if not line.startswith(extra.split(" ")[0] + " ")]
    path = _write(tmp_path, "\n".join(lines) + "\n" + extra + "\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message and key in message and expected in message, message
    assert "\n" not in message


@pytest.mark.parametrize("url", BAD_START)
def test_only_http_start_urls(tmp_path: Path, url: str) -> None:
    path = _write(tmp_path, GOOD.replace("http://127.0.0.1:9/", url))
    with pytest.raises(ProfileError, match="start_urls must hold http"):
        load_profile(path)


@pytest.mark.parametrize(("extra", "key"), [
    ("[settings]\ndownload_delay = 'fast'", "settings.download_delay"),
    ("[selectors]\nbody = ['div[[[']", "selectors.body"),
    ("article_url = 5", "article_url"),
])
def test_the_crawl_command_says_one_line_and_writes_nothing(tmp_path: Path, extra: str, key: str) -> None:
    text = GOOD.replace("article_url = '/post/\\d+\\.html$'\n", "") if extra.startswith("article_url") else GOOD
    path = _write(tmp_path, text + extra + "\n")
    db = tmp_path / "a.db"
    result = run_cli("crawl", str(path), "--db", str(db))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and key in errors[0], result.stderr
    assert not db.exists()


def test_a_file_url_profile_is_refused_before_any_fetch(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("http://127.0.0.1:9/", "file:///etc/passwd"))
    db = tmp_path / "a.db"
    result = run_cli("crawl", str(path), "--db", str(db))
    assert result.returncode != 0 and "start_urls must hold http(s) URLs" in result.stderr
    assert not db.exists()
