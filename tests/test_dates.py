"""Publication dates as Chinese CMS, news and government pages write them, and dates that are not one."""

from __future__ import annotations

import pytest

from parknews.extract.dates import collect_clues, find_published, parse_datetime
from parknews.extract.page import parse_page

# (text, expected (iso, raw)) for dates written the usual ways.
DATETIMES = [
    ("2024-10-12 14:35:06", ("2024-10-12T14:35:06+08:00", "2024-10-12 14:35:06")),
    ("2024年10月12日", ("2024-10-12", "2024年10月12日")),
    ("2024/10/12 9:05", ("2024-10-12T09:05:00+08:00", "2024/10/12 9:05")),
    ("2024.10.12", ("2024-10-12", "2024.10.12")),
    ("2024-6-5", ("2024-06-05", "2024-6-5")),
    ("2024-10-12 14:35", ("2024-10-12T14:35:00+08:00", "2024-10-12 14:35")),
    # ISO strings keep their own offset
    ("2024-10-12T06:35:06Z", ("2024-10-12T06:35:06Z", "2024-10-12T06:35:06Z")),
    ("2024-10-12T14:35:06+08:00", ("2024-10-12T14:35:06+08:00", "2024-10-12T14:35:06+08:00")),
    ("2024-10-12T14:35:06.000+0800", ("2024-10-12T14:35:06+08:00", "2024-10-12T14:35:06.000+0800")),
    ("2024-10-12T01:35:06-05:00", ("2024-10-12T01:35:06-05:00", "2024-10-12T01:35:06-05:00")),
    ("2024-10-12T14:35", ("2024-10-12T14:35:00+08:00", "2024-10-12T14:35")),
    # Chinese clock forms
    ("2024年10月12日 14:35", ("2024-10-12T14:35:00+08:00", "2024年10月12日 14:35")),
    ("2024年10月12日14时35分", ("2024-10-12T14:35:00+08:00", "2024年10月12日14时35分")),
    ("2024年10月12日 14时35分06秒", ("2024-10-12T14:35:06+08:00", "2024年10月12日 14时35分06秒")),
    ("2024年10月12日 星期六 下午3:05", ("2024-10-12T15:05:00+08:00", "2024年10月12日 星期六 下午3:05")),
    ("2024年1月2号", ("2024-01-02", "2024年1月2号")),
    # the first date in a line wins
    ("发布时间：2024-10-12 14:35 来源：松江区经委 更新：2024-10-13", ("2024-10-12T14:35:00+08:00", "2024-10-12 14:35")),
    # an impossible date is skipped, the next one is taken
    ("2024-02-30 2024-02-29", ("2024-02-29", "2024-02-29")),
    # an impossible clock keeps the day
    ("2024-10-12 25:61", ("2024-10-12", "2024-10-12")),
    # day and month before the year (ASP.NET and overseas templates): a number over 12 is the
    # day; a 12-hour clock marks the US order month/day/year
    ("9/17/2004 5:54:13 AM", ("2004-09-17T05:54:13+08:00", "9/17/2004 5:54:13 AM")),
    ("7/5/2005 9:23:57 PM", ("2005-07-05T21:23:57+08:00", "7/5/2005 9:23:57 PM")),
    ("17/9/2004", ("2004-09-17", "17/9/2004")),
    ("12/12/2004 08:00", ("2004-12-12T08:00:00+08:00", "12/12/2004 08:00")),
    # AM/PM after a 24-hour clock changes nothing; 12 AM is midnight
    ("2005-04-27 14:32PM", ("2005-04-27T14:32:00+08:00", "2005-04-27 14:32PM")),
    ("2005-04-27 12:05AM", ("2005-04-27T00:05:00+08:00", "2005-04-27 12:05AM")),
    # English dates of overseas portals and blog templates
    ("Saturday, September 10th, 2005 10:56 am", ("2005-09-10T10:56:00+08:00", "Saturday, September 10th, 2005 10:56 am")),
    ("September 19th, 2005 at 7:32 pm", ("2005-09-19T19:32:00+08:00", "September 19th, 2005 at 7:32 pm")),
    ("Sep 10, 2005", ("2005-09-10", "Sep 10, 2005")),
]


@pytest.mark.parametrize(("text", "expected"), DATETIMES)
def test_parse_datetime(text: str, expected: tuple[str, str]) -> None:
    assert parse_datetime(text) == expected


def test_parse_datetime_other_zone() -> None:
    assert parse_datetime("2024-10-12 14:35", tz="+09:00") == ("2024-10-12T14:35:00+09:00", "2024-10-12 14:35")


NOT_DATES = [
    "2024-13-01",  # month 13
    "2024-04-31",  # April has 30 days
    "1985-01-01",  # before the web sites we crawl
    "2101-01-01",
    "© 2008-2024 上海市松江区经济委员会 版权所有",  # a copyright span is two years, not a date
    "沪ICP备12345678号-1",
    "浏览次数：2024",
    "版本 1.2.3",
    "06/02/2022 13:48",  # 6 February or June 2? without a 12-hour clock the order is unknown
    "May 2005",
    "Mayor 3, 2005",
    "",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text: str) -> None:
    assert parse_datetime(text) is None


def _page(body: str, url: str = "https://www.example.gov.cn/news/show.html", head: str = ""):
    return parse_page(f"<html><head><title>t</title>{head}</head><body>{body}</body></html>", url)


# (the caller's info lines, expected (iso, raw)): which date of an info line is the publish date.
META_LINES = [
    (["来源：松江区经委 发布时间：2024-10-12 14:35 浏览次数：128"], ("2024-10-12T14:35:00+08:00", "2024-10-12 14:35")),
    (["发布日期：2024年10月12日"], ("2024-10-12", "2024年10月12日")),
    (["时间：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["日  期：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["2024-10-12 09:30 来源：新民晚报"], ("2024-10-12T09:30:00+08:00", "2024-10-12 09:30")),
    (["发文日期：2024-10-12"], ("2024-10-12", "2024-10-12")),
    # the publish label beats an update label and a bare 时间 in the same line
    (["更新时间：2024-10-20 发布时间：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["时间：2024-10-11 发布时间：2024-10-12"], ("2024-10-12", "2024-10-12")),
    # other dates in the line are skipped
    (["成文日期：2024-10-08 发布日期：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["印发日期：2024-10-08", "发布时间：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["申报时间：2024-11-01至2024-11-30 发布：2024-10-12"], ("2024-10-12", "2024-10-12")),
    (["活动时间：2024-11-01 发布日期：2024-10-12"], ("2024-10-12", "2024-10-12")),
    # an update time is used only when nothing else dates the page
    (["更新时间：2024-10-20"], ("2024-10-20", "2024-10-20")),
]


@pytest.mark.parametrize(("lines", "expected"), META_LINES)
def test_labelled_info_lines(lines: list[str], expected: tuple[str, str]) -> None:
    assert find_published(_page("<h1>标题</h1><p>正文</p>"), lines) == expected


NO_PUBLISH_DATE_LINES = [
    ["成文日期：2024-10-08"],
    ["截止日期：2024-11-30"],
    ["请于2024年11月30日前提交申报材料"],
    ["数据截至2024年9月30日"],
    ["本办法自2024年11月1日起施行"],
    ["申报时间：2024年11月1日"],
    ["© 2008-2024 上海市松江区经济委员会"],
]


@pytest.mark.parametrize("lines", NO_PUBLISH_DATE_LINES)
def test_deadlines_and_document_dates_are_not_published(lines: list[str]) -> None:
    assert find_published(_page("<h1>标题</h1><p>正文</p>"), lines) is None


# (meta tag or JSON-LD in <head>, expected (iso, raw)).
HEAD_DATES = [
    ('<meta property="article:published_time" content="2024-10-12T14:35:06+08:00">',
     ("2024-10-12T14:35:06+08:00", "2024-10-12T14:35:06+08:00")),
    ('<meta property="og:release_date" content="2024-10-12">', ("2024-10-12", "2024-10-12")),
    ('<meta name="PubDate" content="2024-10-12 14:35">', ("2024-10-12T14:35:00+08:00", "2024-10-12 14:35")),
    ('<meta name="publishdate" content="2024-10-12">', ("2024-10-12", "2024-10-12")),
    ('<meta name="publish-date" content="2024/10/12">', ("2024-10-12", "2024/10/12")),
    ('<meta name="dc.date.issued" content="2024-10-12">', ("2024-10-12", "2024-10-12")),
    ('<meta name="sailthru.date" content="2024-10-12 14:35:06">', ("2024-10-12T14:35:06+08:00", "2024-10-12 14:35:06")),
    ('<meta itemprop="datePublished" content="2024-10-12T06:35:06Z">', ("2024-10-12T06:35:06Z", "2024-10-12T06:35:06Z")),
    ('<meta property="weibo: article:create_at" content="2024-10-12 14:35:06">',
     ("2024-10-12T14:35:06+08:00", "2024-10-12 14:35:06")),
    ('<meta name="pubdate" content="20241012">', ("2024-10-12", "20241012")),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-10-12T14:35:06+08:00"}</script>',
     ("2024-10-12T14:35:06+08:00", "2024-10-12T14:35:06+08:00")),
    ('<script type="application/ld+json">{"@graph": [{"@type": "BreadcrumbList"}, '
     '{"@type": ["WebPage"], "datePublished": "2024-10-12"}]}</script>', ("2024-10-12", "2024-10-12")),
]


@pytest.mark.parametrize(("head", "expected"), HEAD_DATES)
def test_head_dates(head: str, expected: tuple[str, str]) -> None:
    page = _page("<h1>标题</h1><div class='info'>发布时间：2023-01-01</div>", head=head)
    assert find_published(page) == expected


def test_jsonld_of_other_types_is_ignored() -> None:
    head = '<script type="application/ld+json">{"@type": "Organization", "datePublished": "2020-01-01"}</script>'
    page = _page("<h1>标题</h1><div class='info'>发布时间：2024-10-12</div>", head=head)
    assert find_published(page) == ("2024-10-12", "2024-10-12")


def test_meta_tag_beats_info_line() -> None:
    page = _page("<h1>标题</h1><div>发布时间：2023-01-01</div>", head='<meta name="PubDate" content="2024-10-12">')
    assert find_published(page, ["发布时间：2023-01-01"]) == ("2024-10-12", "2024-10-12")


def test_info_lines_beat_the_page_scan() -> None:
    page = _page("<h1>标题</h1><div>发布时间：2023-01-01</div>")
    assert find_published(page, ["来源：新华网 2024-10-12"]) == ("2024-10-12", "2024-10-12")


# (URL, expected (iso, raw)) for pages that date themselves only in the path.
URLS = [
    ("https://www.songjiang.gov.cn/xxgk/202410/t20241012_123456.html", ("2024-10-12", "20241012")),
    ("https://www.example.com/2024/10/12/park-news/", ("2024-10-12", "2024/10/12")),
    ("https://www.example.com/news/2024-10-12/1234.html", ("2024-10-12", "2024-10-12")),
    ("https://www.example.com/html/202410/12/content_1.htm", ("2024-10-12", "202410/12")),
    ("https://www.example.com/content/20241012/abc.shtml", ("2024-10-12", "20241012")),
]


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_url_dates(url: str, expected: tuple[str, str]) -> None:
    assert find_published(_page("<h1>标题</h1><p>正文没有日期。</p>", url=url)) == expected


def test_url_ids_and_queries_are_not_dates() -> None:
    page = _page("<h1>标题</h1>", url="https://www.example.com/news/12345678.html?d=20241012")
    assert find_published(page) is None


def test_nothing_to_find() -> None:
    assert find_published(_page("<h1>标题</h1><p>正文</p>")) is None


# A 政府网站-style article page: a "today" bar in the header, a 信息公开 table above the title
# with 成文日期, the info line under the title, a sidebar and a list of other articles with
# their own dates, and a footer with the copyright years and a site update time.
CMS_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>松江区G60科创走廊产业园区推介会举行_松江区经委</title></head>
<body class="has-sidebar">
<div class="header">
  <div class="topbar"><span id="date">今天是：2024年11月25日 星期一</span></div>
  <div class="logo"><a href="/">上海市松江区经济委员会</a></div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li></ul>
</div>
<div class="wrap">
  <div class="main">
    <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a> &gt; 正文</div>
    <table class="xxgk">
      <tr><td>索 引 号：</td><td>SJ-2024-00123</td><td>成文日期</td><td>2024-10-08</td></tr>
      <tr><td>发布机构：</td><td>松江区经委</td><td>有 效 期：</td><td>2024-10-08至2026-10-07</td></tr>
    </table>
    <div class="article">
      <div class="article-head">
        <h1>松江区G60科创走廊产业园区推介会举行</h1>
        <div class="info">
          <span>来源：松江区经委</span>
          <span class="time">发布时间：2024-10-12 14:35</span>
          <span>浏览次数：<em id="hits">1024</em></span>
        </div>
      </div>
      <div class="content">
        <p>本报讯 10月11日，G60科创走廊产业园区推介会在松江举行。</p>
        <p>请有意入驻的企业于2024年11月30日前提交申请。</p>
      </div>
      <div class="article-bottom">责任编辑：王五</div>
    </div>
    <div class="list-more">
      <h3>最新动态</h3>
      <ul>
        <li><a href="/a/1.html">临港新片区发布新政</a><span class="date">2024-10-20</span></li>
        <li><a href="/a/2.html">漕河泾开发区签约</a><span class="date">2024-10-18</span></li>
      </ul>
    </div>
  </div>
  <div class="sidebar">
    <h3>热点新闻</h3>
    <ul><li><a href="/a/3.html">张江科学城项目开工</a> <span class="time">2024-10-19</span></li></ul>
    <p>发布时间：2024-10-01</p>
  </div>
</div>
<div class="footer">
  <p>© 2008-2024 上海市松江区经济委员会 版权所有 沪ICP备12345678号</p>
  <p>网站更新时间：2024-11-24</p>
</div>
</body>
</html>"""


def test_cms_page_takes_the_info_line_under_the_title() -> None:
    page = parse_page(CMS_PAGE, "https://jw.songjiang.gov.cn/xwzx/20241012/art_1.html")
    assert find_published(page) == ("2024-10-12T14:35:00+08:00", "2024-10-12 14:35")


def test_cms_page_without_info_line_falls_back_to_the_url() -> None:
    # Without the info line, the dates left on the page are the table's 成文日期 and 有效期,
    # other articles' dates, the header's "today" and the footer's: none is this article's,
    # so the date in the URL is used.
    html = CMS_PAGE.replace('<span class="time">发布时间：2024-10-12 14:35</span>', "")
    page = parse_page(html, "https://jw.songjiang.gov.cn/xwzx/20241012/art_1.html")
    assert find_published(page) == ("2024-10-12", "20241012")


def test_info_line_as_list_items() -> None:
    # One dated item is the article's info list, not a list of other articles.
    html = """<html><body><h1>园区新闻</h1>
    <ul class="info"><li>来源：新民晚报</li><li class="pubtime">2024-10-12 09:00</li></ul>
    <p>正文。</p></body></html>"""
    page = parse_page(html, "https://www.example.com/a.html")
    assert find_published(page) == ("2024-10-12T09:00:00+08:00", "2024-10-12 09:00")


def test_gov_table_with_publish_row() -> None:
    html = """<html><body>
    <table class="xxgk">
      <tr><td>成文日期：</td><td>2024-10-08</td></tr>
      <tr><td>发布日期：</td><td>2024-10-12</td></tr>
      <tr><td>截止日期：</td><td>2024-12-31</td></tr>
    </table>
    <h1>关于开展2024年度园区企业技术改造项目申报工作的通知</h1>
    <div class="zw"><p>申报时间：2024年11月1日至2024年11月30日。</p></div>
    </body></html>"""
    page = parse_page(html, "https://www.example.gov.cn/zcwj/index.html")
    assert find_published(page) == ("2024-10-12", "2024-10-12")


def test_time_element_datetime_attribute() -> None:
    html = """<html><body><article><header><h1>园区新闻</h1>
    <time datetime="2024-10-12T14:35:06+08:00">10月12日</time></header>
    <p>正文。</p></article><footer>© 2024</footer></body></html>"""
    page = parse_page(html, "https://www.example.com/news/1.html")
    assert find_published(page) == ("2024-10-12T14:35:06+08:00", "2024-10-12T14:35:06+08:00")


def test_unlabelled_date_in_date_class_element() -> None:
    html = """<html><body><div class="detail"><h1>园区新闻</h1>
    <div class="detail-info"><em id="publish_time">2024-10-12 09:00</em><span>来源：新民晚报</span></div>
    <p>10月11日，园区召开大会。2024年10月11日上午，……</p></div></body></html>"""
    page = parse_page(html, "https://www.example.com/news/1.html")
    assert find_published(page) == ("2024-10-12T09:00:00+08:00", "2024-10-12 09:00")


def test_update_time_only_when_nothing_else() -> None:
    html = """<html><body><h1>园区新闻</h1>
    <div class="info">更新时间：2024-10-20 发布时间：2024-10-12</div></body></html>"""
    assert find_published(parse_page(html, "https://www.example.com/a.html")) == ("2024-10-12", "2024-10-12")
    html = """<html><body><h1>园区新闻</h1><div class="info">更新时间：2024-10-20</div></body></html>"""
    assert find_published(parse_page(html, "https://www.example.com/a.html")) == ("2024-10-20", "2024-10-20")


TEXT = "<p>10月11日上午，嘉北工业园区新能源汽车零部件产业园二期项目正式开工，项目总投资约18亿元，规划用地约160亩。</p>"


def _find(body: str, title: str = "园区新闻_示例网", url: str = "https://www.example.com/show.asp?id=12") -> tuple[str, str] | None:
    page = parse_page(f"<html><head><title>{title}</title></head><body>{body}</body></html>", url)
    return find_published(page)


# (body, expected) for unlabelled info lines right under the headline: portals of the 2000s
# and many CMS templates write the date with no label at all.
UNLABELLED_UNDER_HEADLINE = [
    pytest.param(
        "<h1>园区新闻</h1><div>BUSINESS.EXAMPLE.COM 2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]</div>" + TEXT,
        ("2004-07-16T08:19:00+08:00", "2004年7月16日08:19"),
        id="portal-info-line",
    ),
    pytest.param(
        "<h1>园区新闻</h1><table><tr><td>网易商业报道</td></tr><tr><td class='graysl'> 2004-12-10 11:55:08 来源: "
        "<font>网易商业报道</font></td></tr></table>" + TEXT,
        ("2004-12-10T11:55:08+08:00", "2004-12-10 11:55:08"),
        id="table-row",
    ),
    pytest.param(
        "<h1>园区新闻</h1><div>2005-04-27 14:32更新 来源：千龙新闻网</div>" + TEXT,
        ("2005-04-27T14:32:00+08:00", "2005-04-27 14:32"),
        id="update-time-when-nothing-else",
    ),
    pytest.param(
        # the labelled publish date beats the unlabelled line nearer the headline
        "<h1>园区新闻</h1><div>2024-10-20 来源：新民晚报</div><div class='info'>发布时间：2024-10-12</div>" + TEXT,
        ("2024-10-12", "2024-10-12"),
        id="label-beats-unlabelled",
    ),
    pytest.param(
        "<h1>园区新闻</h1><div>2024-10-20 14:00更新</div><div>发布时间：2024-10-12</div>" + TEXT,
        ("2024-10-12", "2024-10-12"),
        id="publish-beats-update",
    ),
]


@pytest.mark.parametrize(("body", "expected"), UNLABELLED_UNDER_HEADLINE)
def test_unlabelled_info_line_under_the_headline(body: str, expected: tuple[str, str]) -> None:
    assert _find(body) == expected


def test_headline_without_heading_tag() -> None:
    # No h1: the headline is the element that states the <title>'s headline, and the info line
    # under it is found from there.
    body = """<table><tr><td><font size="5">拿出10万元投资房产 小两口尝试以钱生钱(图)</font></td></tr>
    <tr><td>http://house.example.com 2005年03月31日03:18 北京娱乐信报</td></tr></table>""" + TEXT
    title = "拿出10万元投资房产 小两口尝试以钱生钱(图)_示例房产_示例网"
    assert _find(body, title=title) == ("2005-03-31T03:18:00+08:00", "2005年03月31日03:18")


# Unlabelled dates under the headline that are not the publish date.
NOT_INFO_LINES = [
    # a sentence of the article
    pytest.param("<h1>园区新闻</h1><p>2024年10月11日，园区召开大会。</p>" + TEXT, id="sentence"),
    # a list of other articles right under the headline: two dates
    pytest.param(
        "<h1>园区新闻</h1><div>临港新片区发布新政 2024-10-20 漕河泾开发区签约 2024-10-18</div>" + TEXT, id="two-dates"
    ),
    # below the article text, an unlabelled date is someone else's (a comment, a related item)
    pytest.param("<h1>园区新闻</h1>" + TEXT + "<div>网友甲 2024-10-20 10:00</div>", id="after-the-text"),
]


@pytest.mark.parametrize("body", NOT_INFO_LINES)
def test_unlabelled_dates_that_are_not_info_lines(body: str) -> None:
    assert _find(body) is None


def test_label_cell_of_a_table_names_its_value() -> None:
    # <td>成文日期</td><td>2024-10-08</td>: the value cell is read with its label cell.
    body = """<h1>关于开展技术改造项目申报工作的通知</h1>
    <table class="xxgk"><tr><td>成文日期</td><td>2024-10-08</td><td>发布日期</td><td>2024-10-12</td></tr></table>
    """ + TEXT
    assert _find(body) == ("2024-10-12", "2024-10-12")
    assert _find(body.replace("<td>发布日期</td><td>2024-10-12</td>", "")) is None


def test_forum_post_header_above_the_title() -> None:
    # Discuz archive: the post's date and poster sit in the header row above the post's title.
    body = """<div class="crumb"><a href="/">论坛</a> » 社会资本与再就业</div>
    <div class="post"><div class="posthead"><span class="right">2003-5-29 09:07</span><b>高山流水</b></div>
    <div class="t_msg"><b>社会资本与再就业</b><br>""" + TEXT + "</div></div>"
    assert _find(body, title="社会资本与再就业(页 1) - 学术前沿 - 社会学论坛") == (
        "2003-05-29T09:07:00+08:00",
        "2003-5-29 09:07",
    )


def test_date_above_the_title_yields_to_the_url() -> None:
    body = "<div><span>2003-5-29 09:07</span></div><h1>园区新闻</h1>" + TEXT
    assert _find(body, url="https://www.example.com/2024/10/12/news.html") == ("2024-10-12", "2024/10/12")


def test_blog_entry_foot_is_not_page_footer() -> None:
    # "post-footer" is the entry's own foot; "footer" alone is the page's.
    body = """<table><tr><td class="post-title">昨天去金矿玩</td></tr><tr><td>""" + TEXT + """</td></tr>
    <tr><td class="post-footer">由海姑娘张贴 @ 2005-03-21 01:20:44 (359)</td></tr></table>
    <div class="footer">网站更新时间：2024-11-24</div>"""
    assert _find(body, title="海姑娘 | blog.example.com") == ("2005-03-21T01:20:44+08:00", "2005-03-21 01:20:44")


def test_first_of_several_blog_entries() -> None:
    # A blog page lists entries; the first whose title text follows is the article, not a
    # sidebar box title ("最新文章") and not a later entry.
    body = """<div class="category-title">【最新文章】</div><ul><li><a href="/1">明天出远门了</a></li></ul>
    <table><tr><td class="post-title">昨天去金矿玩</td></tr><tr><td class="post-title">2005-03-21 01:20:44</td></tr>
    <tr><td>""" + TEXT + """</td></tr>
    <tr><td class="post-title">长发剪了，感觉很轻松</td></tr><tr><td class="post-title">2005-03-18 01:58:01</td></tr>
    <tr><td>""" + TEXT + "</td></tr></table>"
    assert _find(body, title="海姑娘 | blog.example.com") == ("2005-03-21T01:20:44+08:00", "2005-03-21 01:20:44")


def test_cms_record_in_a_comment() -> None:
    # Newspaper CMSes (方正) leave the article's record in a comment after the text; comments
    # are stripped before the date is looked for, so the caller collects them first.
    html = """<html><head><title>厕所革命</title></head><body><h2>厕所革命</h2>""" + TEXT + """
    <!--enpproperty <articleid>128707</articleid><date>2022-02-13 00:00:00:0</date><author></author>/enpproperty-->
    </body></html>"""
    page = parse_page(html, "https://epaper.example.com/content_128707.html")
    clues = collect_clues(page)
    assert clues.dates == [("2022-02-13", "2022-02-13")]  # the midnight is padding
    assert clues.authors == []
    for comment in page.tree.xpath("//comment()"):
        comment.getparent().remove(comment)
    assert find_published(page) is None
    assert find_published(page, clues=clues) == ("2022-02-13", "2022-02-13")


# (body, expected) for reprinted essays that date themselves only by the print issue they cite.
CITATIONS = [
    pytest.param(TEXT + "<p>——《北京之春》1998年3月号</p>", ("1998-03", "1998年3月号"), id="month-issue"),
    pytest.param(TEXT + "<p>（原载《人民日报》2005年3月1日）</p>", ("2005-03-01", "2005年3月1日"), id="dated-reprint"),
    pytest.param(TEXT + "<p>摘自《学术季刊》2000年第2期</p>", None, id="issue-number-is-no-month"),
    pytest.param(TEXT + "<p>萧乾：《风雨平生》，北京大学出版社1999年1月第1版。</p>", None, id="footnote"),
]


@pytest.mark.parametrize(("body", "expected"), CITATIONS)
def test_citation_of_the_print_issue(body: str, expected: tuple[str, str] | None) -> None:
    assert _find("<p align='center'><b>犬儒病</b></p>" + body, title="显示") == expected


def test_utc_in_head_takes_the_pages_local_time() -> None:
    # WordPress/Yoast write the instant in UTC into meta tags and JSON-LD, the entry's <time>
    # gives the same instant in local time: the local reading is kept.
    head = '<meta property="article:published_time" content="2024-11-04T01:20:15+00:00">'
    body = """<article><h1>园区新闻</h1><time class="entry-date published" datetime="2024-11-04T09:20:15+08:00">2024年11月4日</time>
    <p>正文。</p><div class="comment"><time datetime="2024-11-04T10:15:33+08:00">2024年11月4日 10:15</time></div></article>"""
    assert find_published(_page(body, head=head)) == ("2024-11-04T09:20:15+08:00", "2024-11-04T09:20:15+08:00")
    # another instant on the page changes nothing
    other = body.replace("09:20:15", "09:30:00")
    assert find_published(_page(other, head=head)) == ("2024-11-04T01:20:15+00:00", "2024-11-04T01:20:15+00:00")
