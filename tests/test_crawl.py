"""End to end: real crawls of the rent.sh.cn copy on 127.0.0.1 into a SQLite archive."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest
import tomllib

from conftest import FIXTURES, run_cli
from parknews.archive.schema import json_schema
from parknews.crawl.localsite import DEMO_SITES, LocalSite

EXPECTED = tomllib.loads((FIXTURES / "rentsh" / "expected.toml").read_text("utf-8"))
# Our own loopback server: no politeness delay needed.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
ARTICLE_PATHS = sorted(p for p, e in EXPECTED.items() if "expect_error" not in e)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Crawl the site twice into one archive; keep the server's request counts."""
    tmp = tmp_path_factory.mktemp("crawl")
    db = tmp / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        args = ("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/", *FAST)
        first = run_cli(*args)
        first_requests = dict(site.requests)
        site.requests.clear()
        second = run_cli(*args)
        second_requests = dict(site.requests)
        base = site.url
    return {"db": db, "first": first, "second": second, "requests": first_requests,
            "second_requests": second_requests, "base": base, "tmp": tmp}


def _query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_crawl_exits_cleanly_and_reports_counts(crawled) -> None:
    assert crawled["first"].returncode == 0, crawled["first"].stderr
    assert f"{len(ARTICLE_PATHS)} new" in crawled["first"].stdout
    assert "Traceback" not in crawled["first"].stderr


def test_every_article_page_is_archived_once_after_two_crawls(crawled) -> None:
    rows = _query(crawled["db"], "SELECT url FROM articles")
    paths = sorted("/" + url.split("/", 3)[3] for (url,) in rows)
    assert paths == ARTICLE_PATHS
    assert crawled["second"].returncode == 0, crawled["second"].stderr
    assert "0 new" in crawled["second"].stdout


def test_robots_txt_is_fetched_and_every_listing_page_walked(crawled) -> None:
    requests = crawled["requests"]
    assert requests["/robots.txt"] == 1
    for page in ("/index.php/category-2.html", "/index.php/category-2_2.html", "/index.php/category-2_3.html"):
        assert requests[page] == 1, page


def test_failing_pages_are_recorded_with_stage_and_reason(crawled) -> None:
    rows = {url.split("/", 3)[3]: (stage, reason) for url, stage, reason in
            _query(crawled["db"], "SELECT url, stage, reason FROM failures WHERE run_id = 1")}
    assert rows["index.php/post/99404.html"] == ("fetch", "HTTP 404")
    assert rows["index.php/post/99500.html"][0] == "fetch"
    assert "500" in rows["index.php/post/99500.html"][1]
    assert "index.php/post/99000.html" not in rows  # an article page with no text is an article


def test_article_page_with_no_text_is_archived_with_title_date_and_empty_body(crawled) -> None:
    (row,) = _query(crawled["db"], "SELECT title, body, published_at, missing FROM articles WHERE url LIKE ?",
                    ("%/index.php/post/99000.html",))
    title, body, published, missing = row
    assert (title, body, published) == ("临港新片区一批重点产业项目集中签约", "", "2024-11-20T09:00:00+08:00")
    assert json.loads(missing) == ["body"]
    (coverage,) = _query(crawled["db"], "SELECT coverage FROM runs WHERE id = 1")[0]
    counts = json.loads(coverage)["counts"]
    assert (counts["new"], counts["title"], counts["body"]) == (len(ARTICLE_PATHS), len(ARTICLE_PATHS), len(ARTICLE_PATHS) - 1)


def test_raw_pages_are_stored_for_articles_listings_and_failures(crawled) -> None:
    kinds = dict(_query(crawled["db"], "SELECT kind, count(*) FROM pages GROUP BY kind"))
    assert kinds["article"] == len(ARTICLE_PATHS) + 2  # the two failing pages (404, 500) were fetched too
    assert kinds["listing"] >= 4
    encodings = {e for (e,) in _query(crawled["db"], "SELECT DISTINCT encoding FROM pages WHERE kind='article' AND status=200")}
    assert encodings <= {"utf-8", None}


def test_run_rows_say_what_happened(crawled) -> None:
    runs = _query(crawled["db"], "SELECT id, profile, finish_reason, articles_new, articles_skipped, failures, finished_at FROM runs ORDER BY id")
    assert len(runs) == 2
    (id1, profile, reason, new1, _, fail1, end1), (_, _, reason2, new2, skipped2, fail2, _) = runs
    assert (profile, reason, new1, fail1) == ("rentsh", "finished", len(ARTICLE_PATHS), 2)
    assert end1
    # The second run knows every article (the one with no text among them) and the page that answered 404.
    assert (reason2, new2, fail2) == ("finished", 0, 1)  # only the 500 is tried again
    # Known pages seen on the listings walked and in the feeds, not fetched: the articles and
    # the page that had a final answer (404).
    assert skipped2 == len(ARTICLE_PATHS) + 1


def test_second_run_over_an_unchanged_site_fetches_no_archived_article(crawled) -> None:
    fetched = {path for path in crawled["second_requests"] if "/post/" in path}
    assert fetched == {"/index.php/post/99500.html"}  # the server error is worth another try
    # Pagination stops after the first listing page that holds nothing new.
    assert "/index.php/category-2_2.html" not in crawled["second_requests"]
    assert crawled["second_requests"]["/index.php/category-2.html"] == 1


def test_integrity_and_wal(crawled) -> None:
    assert _query(crawled["db"], "PRAGMA integrity_check") == [("ok",)]
    assert _query(crawled["db"], "PRAGMA journal_mode") == [("wal",)]


def test_export_streams_jsonl_in_stable_order(crawled) -> None:
    out = crawled["tmp"] / "out.jsonl"
    result = run_cli("export", "--db", str(crawled["db"]), "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(ARTICLE_PATHS)
    assert [r["url"] for r in records] == sorted(r["url"] for r in records)
    validator = jsonschema.Draft202012Validator(json_schema())
    for record in records:
        validator.validate(record)
    assert "上虞" in out.read_text("utf-8")  # UTF-8, not \\u escapes
    again = run_cli("export", "--db", str(crawled["db"]))
    assert again.stdout.splitlines() == lines


def test_export_filters_by_site_and_date(crawled) -> None:
    result = run_cli("export", "--db", str(crawled["db"]), "--site", "nosuchsite")
    assert result.returncode == 0 and result.stdout == ""
    dates = sorted(e["published"][:10] for e in EXPECTED.values() if "published" in e)
    cutoff = dates[len(dates) // 2]
    result = run_cli("export", "--db", str(crawled["db"]), "--since", cutoff)
    got = [json.loads(line)["published_at"][:10] for line in result.stdout.splitlines()]
    assert got and all(d >= cutoff for d in got)
    assert len(got) == sum(1 for d in dates if d >= cutoff)


def test_reextract_reproduces_the_same_records(crawled) -> None:
    before = _query(crawled["db"], "SELECT url, title, body, captions, byline, published_at FROM articles ORDER BY url")
    result = run_cli("reextract", "--db", str(crawled["db"]))
    assert result.returncode == 0, result.stderr
    assert f"{len(ARTICLE_PATHS)} unchanged" in result.stdout
    after = _query(crawled["db"], "SELECT url, title, body, captions, byline, published_at FROM articles ORDER BY url")
    assert after == before


def test_validation_keeps_a_headed_page_with_no_text_and_refuses_a_record_with_neither() -> None:
    """One rule on every path: ``validated`` (extract, reextract) and ValidatePipeline (the crawl)."""
    from scrapy.exceptions import DropItem

    from parknews.crawl.pipelines import ValidatePipeline
    from parknews.extract import ExtractionError
    from parknews.extract.process import validated
    from parknews.items import Article, ArticlePage, RawPage

    raw = RawPage(url="http://x/1.html", final_url="http://x/1.html", status=200, headers={}, body=b"",
                  kind="article", fetched_at="2024-01-01T00:00:00+00:00")
    headed = Article(url="http://x/1.html", title="临港新片区一批重点产业项目集中签约", body=None, published_at="2024-11-20")
    kept = validated(headed)
    assert kept.body == "" and kept.missing == ["body"]
    page = ArticlePage(raw=raw, article=kept)
    assert ValidatePipeline().process_item(page) is page
    for bare in (Article(url="http://x/1.html", title=" ", body="", published_at="2024-11-20"), Article(url="")):
        with pytest.raises(ExtractionError) as exc:
            validated(bare)
        assert exc.value.reason == "empty"
        with pytest.raises(DropItem, match="^validate: "):
            ValidatePipeline().process_item(ArticlePage(raw=raw, article=bare))
