"""``-s NAME=VALUE``: values checked against each setting's type; a wrong one is one line, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from parknews.crawl.settings_check import SettingsError, parse_setting_overrides


@pytest.mark.parametrize(("item", "expected"), [
    ("DOWNLOAD_DELAY=2", {"DOWNLOAD_DELAY": 2.0}),
    ("DOWNLOAD_DELAY=0.25", {"DOWNLOAD_DELAY": 0.25}),
    ("CONCURRENT_REQUESTS_PER_DOMAIN=4", {"CONCURRENT_REQUESTS_PER_DOMAIN": 4}),
    ("AUTOTHROTTLE_ENABLED=False", {"AUTOTHROTTLE_ENABLED": False}),
    ("ROBOTSTXT_OBEY=yes", {"ROBOTSTXT_OBEY": True}),
    ("RETRY_HTTP_CODES=[500,503]", {"RETRY_HTTP_CODES": [500, 503]}),
    ("USER_AGENT=parknews-test (ops@example.org)", {"USER_AGENT": "parknews-test (ops@example.org)"}),
    ("PARKNEWS_BATCH_SIZE=5", {"PARKNEWS_BATCH_SIZE": 5}),
    ("DOWNLOAD_TIMEOUT=2.5", {"DOWNLOAD_TIMEOUT": 2.5}),  # seconds take fractions, whatever the default
    ("DOWNLOAD_TIMEOUT=30", {"DOWNLOAD_TIMEOUT": 30}),
    ("PARKNEWS_RETRY_AFTER_MAX=0.5", {"PARKNEWS_RETRY_AFTER_MAX": 0.5}),
    ("PARKNEWS_MAX_ARCHIVE_MB=0.5", {"PARKNEWS_MAX_ARCHIVE_MB": 0.5}),
    ("MY_EXTENSION_SETTING=anything", {"MY_EXTENSION_SETTING": "anything"}),  # unknown: passed on as text
])
def test_good_values_are_converted_to_the_settings_type(item: str, expected: dict) -> None:
    assert parse_setting_overrides([item]) == expected


@pytest.mark.parametrize(("item", "message"), [
    ("DOWNLOAD_DELAY=abc", "DOWNLOAD_DELAY must be a number, got 'abc'"),
    ("DOWNLOAD_DELAY=-1", "must be a number >= 0"),
    ("DOWNLOAD_DELAY=nan", "a finite number"),
    ("CONCURRENT_REQUESTS=1.5", "CONCURRENT_REQUESTS must be a whole number"),
    ("AUTOTHROTTLE_ENABLED=maybe", "must be true or false"),
    ("RETRY_HTTP_CODES={\"a\": 1}", "a JSON list"),
    ("RETRY_HTTP_CODES=[500,", "JSON"),
    ("DOWNLOAD_DELAY", "expected NAME=VALUE"),
    ("=3", "expected NAME=VALUE"),
    ("download_delay=3", "is not a setting name"),
])
def test_bad_values_say_which_setting_and_what_it_expects(item: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_setting_overrides([item])


def test_the_crawl_command_prints_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    result = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", "http://127.0.0.1:9/", "-s", "DOWNLOAD_DELAY=abc")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DOWNLOAD_DELAY must be a number, got 'abc'" in result.stderr
    assert not db.exists()
