"""Hostile and broken pages, crawled for real: each is archived with its gap named, or recorded
as a failure with its reason; the run goes on and its exit status means something.

The site is written into a temporary folder and served by parknews.crawl.localsite on 127.0.0.1:
a small DedeCMS-style park portal in GBK whose server sends a Tomcat default
``charset=ISO-8859-1`` header, an article with no headline anywhere, one dated 2999-01-01,
bytes that are no text in any encoding, a page nested 5,000 divs deep, and a feed the
profile names but the site never had.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from conftest import FAST, run_cli
from parknews.crawl.localsite import LocalSite

PARAGRAPHS = [
    "　　本报讯 近日，嘉北工业园区新能源汽车零部件产业园二期项目正式开工，总投资约28亿元，规划建设标准厂房和研发楼共计18万平方米。",
    "　　据园区管委会介绍，二期项目聚焦电驱动系统、动力电池结构件和汽车电子三大方向，预计2026年底前全部建成投用，达产后年产值可突破百亿元。",
    "　　目前已有12家企业签订入驻协议，其中包括3家国家级专精特新“小巨人”企业。园区将提供“拿地即开工”审批服务，为企业节省前期时间约4个月。",
    "　　下一步，园区还将配套建设人才公寓和公共技术服务平台，进一步完善产业生态，吸引上下游企业集聚发展。",
]

PROFILE = """
name = "hostile"
title = "嘉北园区网"
start_urls = ["http://hostile.test/"]
allowed_domains = ["hostile.test"]
article_url = '^/news/\\d+\\.html$'
feeds = ["/feed.xml"]
"""


def _page(title: str, date_line: str, paragraphs: list[str], *, headline: bool = True, charset: str | None = None,
          depth: int = 0) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    body = "\n".join(f'<p style="text-indent:2em;">{p.replace("　　", "&nbsp;&nbsp;")}</p>' for p in paragraphs)
    if depth:
        body = "<div>" * depth + body + "</div>" * depth
    h1 = f'<h1 class="title" style="font-size:22px;color:#333;">{title}</h1>' if headline else ""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head>{meta}<title>{title if headline else ""}</title>
<script type="text/javascript">var _hmt = _hmt || []; (function() {{ var hm = 1; }})();</script>
<link href="/templets/default/style/dedecms.css" rel="stylesheet" type="text/css"></head>
<body><div class="header"><div class="top w960 center"><a href="/">嘉北园区网首页</a> | <a href="/news/">园区动态</a></div></div>
<div class="w960 center clear mt1"><div class="pleft">
<div class="place"><strong>当前位置:</strong> <a href="/">主页</a> &gt; <a href="/news/">园区动态</a> &gt;</div>
<div class="viewbox">{h1}
<div class="info"><small>时间:</small>{date_line}<small>来源:</small>嘉北园区管委会<small>点击:</small>
<script src="/plus/count.php?view=yes&aid=1234" type="text/javascript"></script> 次</div>
<div class="content"><table width="100%"><tr><td>
{body}
</td></tr></table></div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle"><div class="context"><ul><li>上一篇：<a href="/news/1.html">园区举办招商推介会</a></li></ul></div></div>
</div></div>
<div class="pright"><div class="commend"><dl class="tbox"><dt><strong>推荐内容</strong></dt>
<dd><ul class="d4"><li><a href="/news/2.html">人才公寓启用</a></li><li><a href="/news/3.html">研发平台揭牌</a></li></ul></dd></dl></div></div>
</div><div class="footer w960 center mt1 clear"><p>Copyright &copy; 2010-2024 嘉北园区网 版权所有</p></div>
</body></html>"""


@pytest.fixture()
def hostile_site(tmp_path: Path):
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    links = "".join(f'<li><a href="/news/{n}.html">园区新闻{n}</a><span>2024-10-1{n}</span></li>' for n in range(1, 6))
    (root / "index.html").write_text(
        f"<html><head><meta charset='utf-8'><title>嘉北园区网</title></head><body><div class='list'><ul>{links}</ul></div>"
        "</body></html>", "utf-8")
    # 1: GBK with no meta charset, behind a server that says ISO-8859-1.
    (root / "news/1.html").write_bytes(_page("嘉北工业园区新能源汽车零部件产业园二期开工", "2024-10-12 09:30", PARAGRAPHS).encode("gbk"))
    # 2: no headline anywhere (no <h1>, an empty <title>).
    (root / "news/2.html").write_text(_page("", "2024-10-13 10:00", PARAGRAPHS[1:], headline=False, charset="utf-8"), "utf-8")
    # 3: a date no article has.
    (root / "news/3.html").write_text(_page("园区人才公寓正式启用", "2999-01-01", PARAGRAPHS[:3], charset="utf-8"), "utf-8")
    # 4: bytes that are no text in any encoding.
    rnd = random.Random(4)
    (root / "news/4.html").write_bytes(bytes(rnd.randrange(128, 256) for _ in range(6000)))
    # 5: 5,000 nested divs around the text.
    (root / "news/5.html").write_text(_page("研发公共服务平台揭牌", "2024-10-15 08:00", PARAGRAPHS, charset="utf-8", depth=5000), "utf-8")
    (root / "site.toml").write_text('[content_type]\n"/news/1.html" = "text/html; charset=ISO-8859-1"\n'
                                    '"/news/4.html" = "text/html"\n', "utf-8")
    profile = tmp_path / "hostile.toml"
    profile.write_text(PROFILE, "utf-8")
    with LocalSite(root) as site:
        yield site, profile, tmp_path / "archive.db"


def _records(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = {r["url"].rsplit("/", 1)[1]: dict(r) for r in conn.execute("SELECT * FROM articles")}
    conn.close()
    return rows


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_hostile_pages_are_archived_with_their_gaps_or_recorded_with_their_reason(hostile_site) -> None:
    site, profile, db = hostile_site
    result = run_cli("crawl", str(profile), "--db", str(db), "--start-url", site.url + "/", *FAST)
    assert "Traceback" not in result.stderr
    # The feed the site never had is a note, not a failure: cron stays quiet.
    assert result.returncode == 0, result.stderr
    assert "note: dead link, never seen to work: " in result.stderr and "feed.xml" in result.stderr
    [(warnings, exit_status)] = _query(db, "SELECT warnings, exit_status FROM runs")
    assert exit_status == 0 and any("feed.xml" in w for w in json.loads(warnings))

    records = _records(db)
    assert sorted(records) == ["1.html", "2.html", "3.html", "5.html"]
    # GBK behind a lying ISO-8859-1 header: read as GB18030, not as Latin-1 mojibake.
    assert records["1.html"]["title"] == "嘉北工业园区新能源汽车零部件产业园二期开工"
    assert "拿地即开工" in records["1.html"]["body"] and records["1.html"]["encoding"] == "gb18030"
    # No headline: archived, the gap named.
    assert records["2.html"]["title"] is None
    assert json.loads(records["2.html"]["missing"]) == ["title"]
    assert "达产后年产值可突破百亿元" in records["2.html"]["body"]
    # 2999-01-01: not a publication date, but kept as written and named.
    assert records["3.html"]["published_at"] is None and records["3.html"]["published_raw"] == "2999-01-01"
    assert json.loads(records["3.html"]["missing"]) == ["published_at"]
    assert "outside 1990–2100" in json.loads(records["3.html"]["notes"])[0]
    # 5,000 divs deep: every paragraph kept, and the note says what parsing had to do.
    assert all(p.strip("　")[8:28] in records["5.html"]["body"] for p in PARAGRAPHS)
    assert "nested deeper" in json.loads(records["5.html"]["notes"])[0]
    # Bytes that are no text: a decode failure with its reason, the raw page kept.
    [(stage, reason)] = _query(db, "SELECT stage, reason FROM failures WHERE url LIKE '%/news/4.html'")
    assert stage == "decode" and reason
    assert _query(db, "SELECT count(*) FROM pages WHERE url LIKE '%/news/4.html'") == [(1,)]

    # reextract reaches the same records by the same rule: nothing more, nothing less.
    again = run_cli("reextract", "--db", str(db))
    assert again.returncode == 0, again.stderr
    after = _records(db)
    assert sorted(after) == sorted(records)
    for name in records:
        assert (after[name]["title"], after[name]["missing"], after[name]["notes"]) == (
            records[name]["title"], records[name]["missing"], records[name]["notes"])


def test_a_listing_page_that_answered_before_and_now_fails_makes_the_run_fail(hostile_site) -> None:
    site, profile, db = hostile_site
    first = run_cli("crawl", str(profile), "--db", str(db), "--start-url", site.url + "/", *FAST)
    assert first.returncode == 0, first.stderr
    site.status["/"] = 500  # the home page (a start URL that worked) breaks
    second = run_cli("crawl", str(profile), "--db", str(db), "--start-url", site.url + "/", *FAST)
    assert second.returncode == 1
    assert "listing page(s) that answered before failed" in second.stderr
    assert _query(db, "SELECT exit_status FROM runs ORDER BY id") == [(0,), (1,)]


def test_export_into_a_closed_pipe_ends_quietly(hostile_site) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    site, profile, db = hostile_site
    assert run_cli("crawl", str(profile), "--db", str(db), "--start-url", site.url + "/", *FAST).returncode == 0
    reader = subprocess.Popen([sys.executable, "-m", "parknews.cli", "export", "--db", str(db)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.read(50)  # like `| head -c 50`
    reader.stdout.close()
    err = reader.stderr.read().decode()
    reader.wait(timeout=30)
    assert "Traceback" not in err and "Error" not in err
