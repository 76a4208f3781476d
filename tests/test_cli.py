"""The command line as a user meets it: help, demo, extract, and clean errors on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, run_cli
from parknews.crawl.localsite import DEMO_SITES

SEED_FILE = DEMO_SITES / "rentsh" / "index.php" / "post" / "11584.html"
EMPTY_FILE = DEMO_SITES / "rentsh" / "index.php" / "post" / "99000.html"


def _one_clean_error(result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_help_lists_every_command_with_an_example() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("crawl", "extract", "reextract", "export", "demo"):
        assert command in result.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "Example:" in sub.stdout, command


def test_demo_archives_the_bundled_site_offline(tmp_path: Path) -> None:
    result = run_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "15 new" in result.stdout and "2 failures" in result.stdout
    assert "field coverage of the 15 new articles: title 15, body 14, date 15" in result.stdout
    assert "no body: " in result.stdout and "/index.php/post/99000.html" in result.stdout
    assert "the 2 failures are deliberate: the demo site holds a 404 and a 500" in result.stdout
    lines = (tmp_path / "data" / "demo.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 15
    # The demo's empty article page is archived: title and date kept, body empty, named in missing.
    empty = [json.loads(line) for line in lines if "/99000.html" in line]
    assert len(empty) == 1 and empty[0]["body"] == "" and empty[0]["missing"] == ["body"]
    assert empty[0]["title"] == "临港新片区一批重点产业项目集中签约"
    assert empty[0]["published_at"] == "2024-11-20T09:00:00+08:00"
    # A second demo starts its archive afresh: still one row per article.
    again = run_cli("demo", cwd=tmp_path)
    assert again.returncode == 0 and "articles in archive: 15" in again.stdout


def test_extract_prints_one_record_per_file_with_file_uri() -> None:
    result = run_cli("extract", str(SEED_FILE))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == SEED_FILE.resolve().as_uri()
    assert record["byline"]["reporters"] == ["唐闻宜"]


def test_extract_uses_the_profile_matching_url() -> None:
    url = "http://rent.sh.cn/index.php/post/11584.html"
    result = run_cli("extract", str(SEED_FILE), "--url", url)
    record = json.loads(result.stdout)
    assert record["url"] == url and record["site"] == "rentsh"
    assert any(r["rule"].startswith("profile.drop") for r in record["removed"])


def test_extract_keeps_going_past_a_bad_page_and_exits_non_zero(tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    binary = tmp_path / "image.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    blank = tmp_path / "blank.html"  # neither headline nor article text: no article
    blank.write_text("<html><head><title></title></head><body><div class='content'></div></body></html>", "utf-8")
    result = run_cli("extract", str(EMPTY_FILE), str(missing), str(binary), str(blank), str(SEED_FILE))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5
    # An article page with no article text is a record: title and date kept, body empty.
    assert "error" not in records[0]
    assert records[0]["title"] == "临港新片区一批重点产业项目集中签约" and records[0]["body"] == ""
    assert records[0]["published_at"] == "2024-11-20T09:00:00+08:00" and records[0]["missing"] == ["body"]
    assert records[1]["error"].startswith("read")
    assert records[2]["error"].startswith("decode")
    assert records[3]["error"].startswith("empty")
    assert "error" not in records[4]
    assert _one_clean_error(result) == "3 of 5 file(s) could not be extracted"


def test_extract_with_an_unknown_encoding_is_a_clean_error() -> None:
    assert "unknown encoding" in _one_clean_error(run_cli("extract", str(SEED_FILE), "--encoding", "klingon"))


def test_crawl_with_an_unknown_profile_is_one_clear_line() -> None:
    line = _one_clean_error(run_cli("crawl", "no-such-site"))
    assert "no profile named 'no-such-site'" in line


def test_crawl_with_a_broken_profile_file_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nstart_urls = ["http://127.0.0.1:9/"]\narticle_url = "([unclosed"\n', "utf-8")
    assert "article_url is not a valid regular expression" in _one_clean_error(run_cli("crawl", str(bad)))
    bad.write_text("name = \n", "utf-8")
    assert "not valid TOML" in _one_clean_error(run_cli("crawl", str(bad)))


def test_crawl_with_a_non_http_start_url_is_one_clear_line() -> None:
    assert "--start-url must be an http(s) URL" in _one_clean_error(run_cli("crawl", "rentsh", "--start-url", "ftp://x/"))


def test_crawl_into_an_unwritable_db_path_is_one_clear_line(tmp_path: Path) -> None:
    line = _one_clean_error(run_cli("crawl", "rentsh", "--db", "/proc/parknews/archive.db"))
    assert line.startswith("Error: cannot open archive /proc/parknews/archive.db")
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("this is not a database\n" * 100, "utf-8")
    assert "cannot open archive" in _one_clean_error(run_cli("crawl", "rentsh", "--db", str(not_a_db)))


def test_export_and_reextract_without_an_archive_are_clean_errors(tmp_path: Path) -> None:
    for command in ("export", "reextract"):
        line = _one_clean_error(run_cli(command, "--db", str(tmp_path / "none.db")))
        assert "no archive at" in line


def test_export_with_a_bad_date_is_a_clean_error(tmp_path: Path) -> None:
    result = run_cli("export", "--since", "last tuesday", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2 and "is not a date" in result.stderr and "Traceback" not in result.stderr


def test_db_path_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")  # any cwd works
    result = run_cli("export", env={"PARKNEWS_DB": str(db)}, cwd=tmp_path)
    assert "no archive at " + str(db) in result.stderr


def test_scrapy_crawl_from_the_project_root_fills_the_archive(tmp_path: Path) -> None:
    """Scrapy users' way in: `scrapy crawl site -a profile=rentsh` with the project's settings."""
    import sqlite3
    import subprocess
    import sys

    from parknews.crawl.localsite import LocalSite

    db = tmp_path / "scrapy.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "site", "-a", "profile=rentsh", "-a", f"start_url={site.url}/",
             "-s", f"PARKNEWS_DB={db}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (15,)
        assert conn.execute("SELECT finish_reason FROM runs").fetchall() == [("finished",)]


def test_a_crawl_opens_no_remote_control_port_and_writes_nothing_outside_its_archive(tmp_path: Path) -> None:
    """Scrapy 2.19's remote-control extension would serve code execution on a localhost port
    and leave a job file with its token under $HOME/.local/state for every run."""
    from parknews.crawl.localsite import LocalSite

    home = tmp_path / "home"
    home.mkdir()
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = run_cli("crawl", "rentsh", "--db", str(tmp_path / "a.db"), "--start-url", site.url + "/",
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                         env={"HOME": str(home), "XDG_STATE_HOME": str(home / ".local" / "state")})
    assert result.returncode == 0, result.stderr
    assert list(home.rglob("*")) == []
