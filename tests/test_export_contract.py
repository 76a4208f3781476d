"""The JSON Lines contract: every exported line validates against the shipped schema; --fields,
--until, gzip, stable order, incremental export by cursor, and flat memory while streaming."""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import tracemalloc
from pathlib import Path

import jsonschema

from conftest import run_cli
from parknews.archive.schema import SCHEMA_FILE
from parknews.archive.store import article_row, change_cursor, open_db, save_article
from parknews.cli import write_jsonl
from parknews.items import Article, Byline, Caption

VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text("utf-8")))




def _export(*args: str) -> tuple[list[dict], str]:
    result = run_cli("export", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def _cursor(stderr: str) -> int:
    match = re.search(r"cursor (\d+) \(next: --after \1\)", stderr)
    assert match, stderr
    return int(match.group(1))


def test_every_exported_line_validates_against_the_shipped_schema(archive: Path) -> None:
    records, _ = _export("--db", str(archive))
    assert len(records) == 15
    for record in records:
        VALIDATOR.validate(record)
    # The demo's article page with no text: exported like any record, its empty body named in missing.
    (empty,) = [r for r in records if r["body"] == ""]
    assert empty["url"].endswith("/index.php/post/99000.html") and empty["missing"] == ["body"] and empty["title"]
    assert VALIDATOR.schema["$id"].endswith(records[0]["schema_version"])


def test_fields_keep_url_and_version_and_still_validate(archive: Path) -> None:
    records, _ = _export("--db", str(archive), "--fields", "published_at,title")
    assert records and all(list(r) == ["url", "title", "published_at", "schema_version"] for r in records)
    for record in records:
        VALIDATOR.validate(record)
    bad = run_cli("export", "--db", str(archive), "--fields", "title,nosuch")
    assert bad.returncode == 2 and "unknown field nosuch" in bad.stderr and "Traceback" not in bad.stderr


def test_until_and_since_bound_the_publication_date(archive: Path) -> None:
    records, _ = _export("--db", str(archive), "--since", "2022-01-01", "--until", "2022-12-31")
    assert sorted(r["published_at"][:10] for r in records) == ["2022-05-27", "2022-06-28"]
    for record in records:
        VALIDATOR.validate(record)


def test_gzip_output_is_the_same_lines_in_the_same_order_byte_stable(archive: Path, tmp_path: Path) -> None:
    plain, _ = _export("--db", str(archive))
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    _export("--db", str(archive), "-o", str(first))
    _export("--db", str(archive), "-o", str(second))
    lines = gzip.decompress(first.read_bytes()).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == plain
    assert [r["url"] for r in plain] == sorted(r["url"] for r in plain)
    assert first.read_bytes() == second.read_bytes()
    for line in lines:
        VALIDATOR.validate(json.loads(line))


def _changed(article: Article, **changes: object) -> Article:
    data = article.to_dict() | changes
    return Article.from_dict(data)


def test_incremental_export_misses_nothing_and_repeats_nothing(scratch: Path, tmp_path: Path) -> None:
    full, stderr = _export("--db", str(scratch))
    cursor = _cursor(stderr)
    nothing, stderr = _export("--db", str(scratch), "--after", str(cursor))
    assert nothing == [] and _cursor(stderr) == cursor

    db = open_db(scratch, create=False)
    seed = next(Article.from_dict(r) for r in full if r["url"].endswith("/11584.html"))
    other = next(Article.from_dict(r) for r in full if r["url"].endswith("/12033.html"))
    untouched = next(Article.from_dict(r) for r in full if r["url"].endswith("/5634.html"))
    with db.conn:
        save_article(db, _changed(seed, body=seed.body + "\n补记一段。"), run_id=None)  # changed
        save_article(db, _changed(untouched, fetched_at="2030-01-01T00:00:00+00:00"), run_id=None)  # re-crawled only
        save_article(db, Article(url="http://example.invalid/new.html", site="rentsh", title="新文章", body="正文",
                                 captions=[Caption(text="图")], byline=Byline(reporters=["某人"])), run_id=None)
    db.close()
    raw = sqlite3.connect(scratch)  # a writer that is not parknews: still logged, by trigger
    raw.execute("UPDATE articles SET category = '园区动态 > 嘉定' WHERE url = ?", [other.url])
    raw.commit()
    raw.close()

    delta, stderr = _export("--db", str(scratch), "--after", str(cursor))
    assert sorted(r["url"].rsplit("/", 1)[1] for r in delta) == ["11584.html", "12033.html", "new.html"]
    for record in delta:
        VALIDATOR.validate(record)
    assert next(r for r in delta if r["url"].endswith("11584.html"))["body"].endswith("补记一段。")
    cursor2 = _cursor(stderr)
    assert cursor2 > cursor
    assert _export("--db", str(scratch), "--after", str(cursor2))[0] == []
    # Filters combine with the cursor.
    assert [r["url"] for r in _export("--db", str(scratch), "--after", str(cursor), "--since", "2024-10-01")[0]] == [
        other.url]


def test_cursor_file_round_trip(scratch: Path, tmp_path: Path) -> None:
    state = tmp_path / "state" / "cursor"
    out = tmp_path / "batch.jsonl.gz"
    _export("--db", str(scratch), "--cursor-file", str(state), "-o", str(out))
    assert len(gzip.decompress(out.read_bytes()).splitlines()) == 15
    first = int(state.read_text())
    _export("--db", str(scratch), "--cursor-file", str(state), "-o", str(out))
    assert gzip.decompress(out.read_bytes()) == b"" and int(state.read_text()) == first
    db = open_db(scratch, create=False)
    with db.conn:
        save_article(db, Article(url="http://example.invalid/late.html", title="迟到的文章", body="正文"), run_id=None)
    db.close()
    _export("--db", str(scratch), "--cursor-file", str(state), "-o", str(out))
    assert [json.loads(x)["url"] for x in gzip.decompress(out.read_bytes()).splitlines()] == ["http://example.invalid/late.html"]
    assert int(state.read_text()) > first


def test_a_cursor_from_elsewhere_is_refused(scratch: Path, tmp_path: Path) -> None:
    result = run_cli("export", "--db", str(scratch), "--after", "999999")
    assert result.returncode == 1 and "ahead of this archive" in result.stderr and "Traceback" not in result.stderr
    junk = tmp_path / "junk"
    junk.write_text("yesterday")
    result = run_cli("export", "--db", str(scratch), "--cursor-file", str(junk))
    assert result.returncode == 1 and "does not hold a cursor" in result.stderr


def _fill(path: Path, count: int) -> None:
    db = open_db(path)
    body = "\n".join(["上虞生命健康产业园区推进会召开，与会企业代表围绕生物医药产业链展开交流。" * 4] * 6)
    rows = (article_row(Article(url=f"http://synthetic.invalid/{i:06d}.html", site="synthetic", title=f"第{i}篇",
                                body=body, published_at="2024-01-01")) for i in range(count))
    with db.conn:
        db["articles"].insert_all(rows, batch_size=500)
    db.close()


def _peak_export_memory(path: Path) -> int:
    class Discard(io.TextIOBase):
        def write(self, text: str) -> int:  # like a pipe: nothing accumulates on our side
            return len(text)

    db = open_db(path, create=False)
    tracemalloc.start()
    try:
        write_jsonl(db, Discard())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        db.close()


def test_export_streams_in_flat_memory(tmp_path: Path) -> None:
    small, large = tmp_path / "small.db", tmp_path / "large.db"
    _fill(small, 200)
    _fill(large, 4000)
    assert change_cursor(open_db(large, create=False)) == 4000
    small_peak, large_peak = _peak_export_memory(small), _peak_export_memory(large)
    # Twenty times the articles (about 6 MB of text) may not cost more than a small constant extra.
    assert large_peak < small_peak + 512 * 1024, (small_peak, large_peak)
