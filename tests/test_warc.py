"""WARC export: the raw pages the crawl archived come back out as WARC/1.1, read back with
warcio's ArchiveIterator, every digest recomputed, bodies byte-identical to the archive."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sqlite3
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from conftest import run_cli
from parknews.archive.store import open_db, save_article, save_page
from parknews.items import Article, Byline, RawPage


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _records(path: Path) -> list[dict]:
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            entry = {
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "id": record.rec_headers.get_header("WARC-Record-ID"),
                "concurrent": record.rec_headers.get_header("WARC-Concurrent-To"),
                "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                "version": record.rec_headers.protocol,
                "http": record.http_headers,
            }
            entry["payload"] = record.content_stream().read()
            out.append(entry)
    return out


def test_every_article_page_is_a_request_response_and_metadata_record(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "rentsh.warc.gz"
    result = run_cli("export", "--db", str(archive), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "exported 15 articles with 15 raw pages" in result.stderr
    records = _records(out)
    assert {r["version"] for r in records} == {"WARC/1.1"}
    assert records[0]["type"] == "warcinfo"
    responses = [r for r in records if r["type"] == "response"]
    requests = [r for r in records if r["type"] == "request"]
    metadata = [r for r in records if r["type"] == "metadata"]
    assert len(responses) == len(requests) == len(metadata) == 15

    conn = sqlite3.connect(archive)
    conn.row_factory = sqlite3.Row
    for response in responses:
        page = conn.execute("SELECT * FROM pages WHERE final_url = ? OR url = ?",
                            [response["uri"], response["uri"]]).fetchone()
        body = zlib.decompress(page["body"])
        # The payload is exactly the archived body, and its digest is that body's SHA-1.
        assert response["payload"] == body
        assert response["payload_digest"] == _sha1(body)
        assert response["http"].get_statuscode() == "200"
        stored = json.loads(page["headers"])
        assert response["http"].get_header("content-type") == stored["content-type"]
        assert response["http"].get_header("etag") == stored["etag"]
        assert response["http"].get_header("Content-Length") == str(len(body))
    by_id = {r["id"]: r for r in responses}
    for request in requests:
        assert by_id[request["concurrent"]]["uri"] == request["uri"]
        line = f"{request['http'].protocol} {request['http'].statusline}"
        assert line.startswith("GET /index.php/post/") and line.endswith(" HTTP/1.1")
        assert request["http"].get_header("Host") == request["uri"].split("/")[2]
    records_by_url = {json.loads(line)["url"]: json.loads(line)
                      for line in run_cli("export", "--db", str(archive)).stdout.splitlines()}
    for meta in metadata:
        record = json.loads(meta["payload"])
        assert record == records_by_url[meta["uri"]]
        assert by_id[meta["concurrent"]]["uri"] == meta["uri"]


def test_gbk_page_keeps_its_bytes_and_a_decoded_encoding_is_renamed(tmp_path: Path) -> None:
    """The archive keeps bodies after content decoding: a Content-Encoding: gzip header would
    make readers gunzip plain bytes, so it travels as X-Archive-Orig-content-encoding."""
    db_path = tmp_path / "gbk.db"
    db = open_db(db_path)
    html = ("<html><head><meta charset='gbk'><title>临港新片区：集成电路产业园&nbsp;开园</title></head>"
            "<body><div class='nav'>首页 &gt; 园区动态</div><div id='content' style='font-size:14px'>"
            "<p>记者&nbsp;王敏 通讯员 李强</p><p>１２月６日，集成电路产业园正式开园。</p></div>"
            "<script>var x = '<p>不是正文</p>';</script></body></html>")
    body = html.encode("gbk")
    url = "http://127.0.0.1:8999/news/2024/1206/1.html"
    with db.conn:
        save_page(db, RawPage(url=url, final_url=url, status=200, body=body, kind="article", site="lingang",
                              fetched_at="2024-12-06T08:00:00+00:00",
                              headers={"content-type": "text/html; charset=gbk", "content-encoding": "gzip",
                                       "content-length": "311", "server": "nginx"}),
                  encoding="gb18030", run_id=None)
        save_article(db, Article(url=url, site="lingang", title="集成电路产业园开园", body="１２月６日，集成电路产业园正式开园。",
                                 byline=Byline(reporters=["王敏"], correspondents=["李强"]),
                                 fetched_at="2024-12-06T08:00:00+00:00"), run_id=None)
        # An imported record with no archived page still gets its metadata record.
        save_article(db, Article(url="http://127.0.0.1:8999/news/imported.html", site="lingang", title="导入的记录"),
                     run_id=None)
    db.close()
    out = tmp_path / "gbk.warc"
    result = run_cli("export", "--db", str(db_path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "exported 2 articles with 1 raw pages" in result.stderr
    assert out.read_bytes().startswith(b"WARC/1.1\r\n")  # .warc: not compressed
    records = _records(out)
    (response,) = [r for r in records if r["type"] == "response"]
    assert response["payload"] == body
    assert response["payload"].decode("gbk") == html
    assert response["http"].get_header("content-encoding") is None
    assert response["http"].get_header("X-Archive-Orig-content-encoding") == "gzip"
    assert response["http"].get_header("X-Archive-Orig-content-length") == "311"
    assert response["http"].get_header("Content-Length") == str(len(body))
    assert response["http"].get_header("server") == "nginx"
    metas = {r["uri"]: json.loads(r["payload"]) for r in records if r["type"] == "metadata"}
    assert metas[url]["byline"]["reporters"] == ["王敏"]
    assert metas["http://127.0.0.1:8999/news/imported.html"]["title"] == "导入的记录"


def test_warc_filters_and_mistakes(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "2022.warc.gz"
    result = run_cli("export", "--db", str(archive), "-o", str(out), "--since", "2022-01-01", "--until", "2022-12-31")
    assert result.returncode == 0, result.stderr
    assert "exported 2 articles with 2 raw pages" in result.stderr
    assert gzip.decompress(out.read_bytes()).startswith(b"WARC/1.1")
    no_file = run_cli("export", "--db", str(archive), "--format", "warc")
    assert no_file.returncode == 2 and "give it with -o FILE" in no_file.stderr and "Traceback" not in no_file.stderr
    fields = run_cli("export", "--db", str(archive), "-o", str(out), "--fields", "title")
    assert fields.returncode == 2 and "--fields does not apply" in fields.stderr
