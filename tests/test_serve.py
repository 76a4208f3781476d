"""``parknews serve``: Datasette over the archive, read-only, searched in Chinese.

The browser test starts ``parknews serve`` on 127.0.0.1 and drives Debian's headless Chromium
over the DevTools protocol: it types 上虞 into the articles table's search box, sees the seed
article, opens it and sees its title and body.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

SEED_TITLE = "从产业链、创新链发力生物医药产业上虞生命健康产业向“新”而行"
SEED_BODY = "来自全球的440余名专家学者、行业精英、虞籍乡亲云集上虞"
OTHER_TITLE = "嘉定新城加快建设智能传感器产业园 首批企业签约入驻"



def test_serve_without_datasette_says_so_in_one_line(archive: Path) -> None:
    code = "import sys; sys.modules['datasette'] = None; from parknews.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, "serve", "--db", str(archive)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Error: parknews serve needs Datasette: pip install 'parknews[serve]'"]


# --- Datasette in process ----------------------------------------------------------


def _get(ds: Any, path: str) -> Any:
    async def fetch() -> Any:
        return await ds.client.get(path)

    return asyncio.run(fetch())


@pytest.fixture(scope="module")
def datasette(archive: Path) -> Any:
    pytest.importorskip("datasette")
    from parknews.archive.serve import build_datasette

    return build_datasette(archive)


def test_every_articles_column_is_described(archive: Path) -> None:
    from parknews.archive.datasette_metadata import metadata

    conn = sqlite3.connect(archive)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(articles)")]
    described = metadata("archive")["databases"]["archive"]["tables"]["articles"]["columns"]
    assert [c for c in columns if not described.get(c)] == []


def test_datasette_search_box_understands_chinese(datasette: Any) -> None:
    def titles(query: str) -> set[str]:
        response = _get(datasette, f"/archive/articles.json?_search={query}&_shape=array&_col=title")
        assert response.status_code == 200, response.text
        return {row["title"] for row in response.json()}

    assert SEED_TITLE in titles("上虞") and len(titles("上虞")) == 2
    assert titles("虞") == titles("上虞")  # one character
    assert SEED_TITLE in titles("生命健康") and len(titles("生命健康")) == 3  # longer than two
    assert titles("2024 上虞 生物医药") == {SEED_TITLE}
    assert titles("量子计算") == set()
    assert len(titles('"上虞')) == 2  # a stray quote is taken literally, not an error


def test_canned_queries_run(datasette: Any, archive: Path) -> None:
    from parknews.archive.datasette_metadata import QUERIES

    for name in QUERIES:
        response = _get(datasette, f"/archive/{name}.json?_shape=array&q=上虞&reporter=")
        assert response.status_code == 200, (name, response.text)
        assert response.json(), name
    hits = _get(datasette, "/archive/search.json?_shape=array&q=上虞").json()
    assert hits[0]["title"] == SEED_TITLE and "<mark>上虞</mark>" in hits[0]["snippet"]
    # The canned query answers in parknews search's order (ranked among the newest 5,000 matches).
    from urllib.parse import quote

    from parknews.archive.search import search

    for q in ("上虞", "园区", "生物医药 上海", '"长三角"', "title:上虞 OR 临港"):
        canned = [h["url"] for h in _get(datasette, f"/archive/search.json?_shape=array&q={quote(q)}").json()]
        conn = sqlite3.connect(archive)
        assert canned == [h.url for h in search(conn, q, limit=100).hits], q
        conn.close()
    page = _get(datasette, "/archive/search?q=上虞").text
    assert "<mark>上虞</mark>" in page
    reporters = _get(datasette, "/archive/by_reporter.json?_shape=array&reporter=唐闻宜").json()
    assert [r["reporter"] for r in reporters] == ["唐闻宜"]
    failures = _get(datasette, "/archive/last_run_failures.json?_shape=array").json()
    assert {f["stage"] for f in failures} == {"fetch"}  # the 404 and the 500


def test_snippet_cells_escape_everything_but_the_marks() -> None:
    pytest.importorskip("datasette")
    from parknews.archive.datasette_plugin import render_cell

    assert render_cell("<b>x</b><mark>上虞</mark>", "snippet") == "&lt;b&gt;x&lt;/b&gt;<mark>上虞</mark>"
    assert render_cell("<mark>x</mark>", "title") is None


def test_the_archive_is_served_read_only(datasette: Any) -> None:
    response = _get(datasette, "/archive.json?sql=delete+from+articles")
    assert response.status_code == 400
    assert _get(datasette, "/archive/articles.json?_shape=array&_col=title").json()


# --- headless Chromium -------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """Just enough of the Chrome DevTools protocol to drive one page (websockets, sync API)."""

    def __init__(self, executable: str, profile: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self._connection = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.ws = self._connection.__enter__()
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, params: dict[str, Any] | None = None, session: bool = True) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for i, seen in enumerate(self.events):
                if seen.get("method") == event:
                    del self.events[: i + 1]
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(event)
            self.events.append(json.loads(self.ws.recv(timeout=remaining)))

    def goto(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def type_and_enter(self, selector: str, text: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})
        self.events.clear()
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                 "windowsVirtualKeyCode": 13, "text": "\r"})
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"]))

    def close(self) -> None:
        try:
            if hasattr(self, "ws"):
                self._connection.__exit__(None, None, None)
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture()
def served(archive: Path) -> Iterator[str]:
    """``parknews serve`` on a free loopback port; yields the articles table URL it prints."""
    pytest.importorskip("datasette")
    proc = subprocess.Popen([sys.executable, "-m", "parknews.cli", "serve", "--db", str(archive), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield line.split(" at ", 1)[1].split()[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_browser_search_finds_and_opens_the_seed_article(served: str, tmp_path: Path) -> None:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    browser = Browser(executable, tmp_path / "profile")
    try:
        browser.goto(served)
        assert browser.js("document.title")
        browser.type_and_enter("input[name=_search]", "上虞")
        assert "_search=" in browser.js("location.href")
        text = browser.js("document.body.innerText")
        browser.screenshot(tmp_path / "search.png")
        assert SEED_TITLE in text
        assert OTHER_TITLE not in text
        assert browser.js("document.querySelectorAll('tbody tr').length") == 2
        # Open the seed article: the link in its row leads to Datasette's row page.
        browser.events.clear()
        browser.js(f"""[...document.querySelectorAll('tbody tr')]
            .find(tr => tr.querySelector('td.col-title').innerText === {json.dumps(SEED_TITLE)})
            .querySelector('td.type-pk a').click()""")
        browser.wait_for("Page.loadEventFired")
        text = browser.js("document.body.innerText")
        browser.screenshot(tmp_path / "article.png")
        assert "/archive/articles/" in browser.js("location.pathname")
        assert SEED_TITLE in text
        assert SEED_BODY in text
    finally:
        browser.close()


def test_the_article_page_reads_like_the_article(served: str, archive: Path, tmp_path: Path) -> None:
    """Row page /DB/articles/PK: headline, date, byline as words, paragraphs, images with their
    captions, source URL and the archived raw page; the raw columns folded away below."""
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from datasette.utils import tilde_encode

    conn = sqlite3.connect(archive)
    url, body, byline, images = conn.execute(
        "select url, body, byline, images from articles where title = ?", [SEED_TITLE]).fetchone()
    conn.close()
    names = json.loads(byline)
    browser = Browser(executable, tmp_path / "profile")
    try:
        browser.goto(f"{served}/{tilde_encode(url)}")
        shot = Path(os.environ.get("PARKNEWS_SCREENSHOTS", tmp_path)) / "reader.png"
        browser.screenshot(shot)
        assert browser.js("document.querySelector('article.reader h1.headline').innerText") == SEED_TITLE
        meta = browser.js("document.querySelector('article.reader p.meta').innerText")
        expected = " · ".join(f"{word} {'、'.join(names[key])}" for key, word in
                              (("reporters", "记者"), ("correspondents", "通讯员"), ("photographers", "摄影"),
                               ("editors", "编辑")) if names[key])
        assert expected and expected in meta
        paragraphs = browser.js("[...document.querySelectorAll('article.reader p.para')].map(p => p.innerText)")
        assert paragraphs == [p for p in body.split("\n") if p.strip()]
        assert SEED_BODY in paragraphs[0] + "".join(paragraphs)
        shown = browser.js("[...document.querySelectorAll('article.reader figure img')].map(i => i.getAttribute('src'))")
        assert shown == json.loads(images)
        assert browser.js("document.querySelector('a.source').getAttribute('href')") == url
        raw = browser.js("document.querySelector('a.raw-page').getAttribute('href')")
        assert raw.startswith("/archive/pages/")
        # The raw columns are still there, folded.
        assert browser.js("document.querySelector('details.columns').open") is False
        browser.goto(f"{served.rsplit('/articles', 1)[0]}{raw.removeprefix('/archive')}")
        assert "body_size" in browser.js("document.body.innerText")
    finally:
        browser.close()


def test_the_articles_table_is_a_compact_list_with_search_snippets(served: str, tmp_path: Path) -> None:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    browser = Browser(executable, tmp_path / "profile")
    try:
        browser.goto(served)
        headers = browser.js("[...document.querySelectorAll('table.parknews-compact th')].map(t => t.innerText.trim())")
        assert headers == ["", "title", "site", "date", "outlet", "excerpt"]
        assert browser.js("document.querySelectorAll('table.parknews-compact tbody tr').length") == 15
        excerpts = browser.js("[...document.querySelectorAll('td.col-excerpt')].map(t => t.innerText)")
        assert all(len(e) <= 91 for e in excerpts) and sum(1 for e in excerpts if not e) == 1  # 99000: no text
        # The column dictionary is folded under one summary line, closed.
        assert browser.js("document.querySelector('details.column-dictionary').open") is False
        assert browser.js("document.querySelector('details.column-dictionary summary').innerText").startswith(
            "Column dictionary (")
        browser.type_and_enter("input[name=_search]", "上虞")
        marks = browser.js("[...document.querySelectorAll('td.col-excerpt mark')].map(m => m.innerText)")
        browser.screenshot(Path(os.environ.get("PARKNEWS_SCREENSHOTS", tmp_path)) / "table.png")
        assert marks and set(marks) == {"上虞"}
        assert browser.js("document.querySelector('table.parknews-compact th:last-child').innerText") == "matches"
        # Every column is one click away.
        browser.goto(browser.js("document.querySelector('p.parknews-all-columns a').href"))
        assert browser.js("document.querySelector('table.parknews-compact')") is None
        assert browser.js("document.querySelectorAll('th.col-body').length") == 1
    finally:
        browser.close()


def test_the_publication_date_facets_by_month(datasette: Any, archive: Path) -> None:
    conn = sqlite3.connect(archive)
    expected = conn.execute("select substr(published_at, 1, 7) m, count(*) from articles where published_at "
                            "is not null group by m order by m desc").fetchall()
    conn.close()
    data = _get(datasette, "/archive/articles.json?_facet_size=max").json()
    facet = data["facet_results"]["published_at"]
    assert facet["type"] == "month"
    assert [(r["value"], r["count"]) for r in facet["results"]] == [tuple(e) for e in expected]
    month, count = expected[0]
    chosen = _get(datasette, f"/archive/articles.json?published_at__startswith={month}&_facet_size=max").json()
    assert len(chosen["rows"]) == count
    assert [r["selected"] for r in chosen["facet_results"]["published_at"]["results"]] == [True]
