"""Dates and authors on templates no profile was written for (issue 12): info lines written as
bare text, UTC machine values on Chinese pages, masthead dates, full-width dates, blog owners.

The pages in tests/fixtures/generic_meta/ were written for these tests from the common shapes
of such sites; none is a copy of a real page."""

from __future__ import annotations

from pathlib import Path

from parknews.extract import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "generic_meta"


def _extract(name: str, url: str = "http://www.example.gov.cn/xwdt/show.asp?id=1183"):
    return extract_article((FIXTURES / name).read_bytes(), url)


def test_bare_info_line_after_a_headline_line_in_a_table_cell() -> None:
    # GBK bytes; headline, info line and text in one <td>, separated by <br>s; a sidebar of
    # dated links and a footer's year range beside it.
    a = _extract("portal_cell_bare_info_line.html")
    assert a.title == "城东工业园新增标准厂房12万平方米"
    assert a.published_at == "2006-03-08T09:41:07+08:00"  # 2006-3-8 9:41:07, not the sidebar's 2006-3-6
    assert a.byline.reporters == ["刘建华"]
    assert a.source_outlet == "县工业园区管委会"
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("今年以来，城东工业园加快基础设施建设")
    assert lines[-1].endswith("力争年内引进亿元以上项目5个。")
    for leak in ("作者", "点击数", "打印本页", "版权所有", "县领导调研"):
        assert leak not in a.body, leak


def test_bare_info_line_as_the_tail_of_the_h1() -> None:
    a = _extract("headline_tail_info_line.html", "https://www.gangcheng.example.com/news/2019/0412/90.html")
    assert a.title == "保税区一季度外贸进出口增长15%"
    assert a.published_at == "2019-04-12T16:05:33+08:00"  # not the hot list's 2019-04-10
    assert a.byline.reporters == ["孙丽"]
    assert a.body.splitlines()[0].startswith("记者从保税区管委会获悉")
    assert "评论" not in a.body and "Copyright" not in a.body


def test_utc_value_of_a_chinese_page_is_read_at_beijing_time() -> None:
    # JSON-LD and article:published_time in UTC (16:45Z); the page shows "06-19 00:45" (no
    # year): the article is of the 19th in its readers' day, not the 18th.
    a = _extract("jsonld_utc_after_midnight.html", "https://www.binjiang.example.cn/local/20210619/3.html")
    assert a.published_at == "2021-06-19T00:45:00+08:00"
    assert a.published_raw == "2021-06-18T16:45:00.000Z"


def test_a_z_the_cms_does_not_mean_keeps_the_wall_time_the_page_shows() -> None:
    # <meta name="PubDate" content="2022-03-15T21:30:00Z"> on a page that shows 发布时间：2022-03-15:
    # converting would make it the 16th; the page says the 15th.
    a = _extract("meta_z_written_as_local.html", "http://www.gxq.example.gov.cn/gxdt/202203/t20220315_88.html")
    assert a.published_at == "2022-03-15T21:30:00+08:00"
    assert a.source_outlet == "高新区人才办"


def test_utc_values_of_other_pages_keep_their_zone() -> None:
    html = (
        b'<html lang="en"><head><title>Port volumes rise</title>'
        b'<meta property="article:published_time" content="2021-06-18T16:45:00Z"></head><body>'
        b"<h1>Port volumes rise</h1><p>" + b"Container volumes rose again in May, the port said on Friday. " * 8
        + b"</p></body></html>"
    )
    a = extract_article(html, "https://news.example.com/port-volumes")
    assert a.published_at == "2021-06-18T16:45:00Z"


def test_masthead_today_bar_is_not_the_date_and_full_width_dates_are_read() -> None:
    # <div id="top"><span class="date">2011年9月1日 星期四</span>: a static "today" bar above the
    # headline; the info line writes its date in full-width digits and marks.
    a = _extract("masthead_date_fullwidth_info.html")
    assert a.title == "镇工业集中区污水管网改造工程完工"
    assert a.published_at == "2020-06-12"
    assert a.published_raw == "２０２０－０６－１２"
    assert a.source_outlet == "镇建设办"
    assert a.body.splitlines()[0].startswith("近日，镇工业集中区污水管网改造工程全面完工")


def test_masthead_date_gives_way_to_the_url_or_to_nothing() -> None:
    page = (FIXTURES / "masthead_date_url_date.html").read_bytes()
    a = extract_article(page, "https://www.hubin.example.com/news/2020/06/15/8812.html")
    assert a.published_at == "2020-06-15"  # from the URL, not the header bar's 2011
    assert extract_article(page, "https://www.hubin.example.com/news/8812.html").published_at is None


def test_an_article_header_above_the_headline_still_gives_the_date() -> None:
    body = "<p>" + "园区召开年度工作会议，总结去年工作，部署今年任务，会议由管委会主任主持。" * 3 + "</p>"
    html = (
        "<html><head><meta charset='utf-8'><title>园区召开年度工作会议</title></head><body>"
        "<div class='header'><span class='date'>2011年1月1日</span></div>"
        "<div class='post'><div class='post-top'><span class='date'>2024-02-20</span></div>"
        f"<h1>园区召开年度工作会议</h1><div class='entry'>{body}</div></div></body></html>"
    ).encode()
    assert extract_article(html, "http://www.example.com/p/1.html").published_at == "2024-02-20"


def test_blog_entry_naming_no_writer_is_the_blog_owners_and_commenters_and_friends_are_not() -> None:
    # "<title>… - 冬青的博客 - 城南博客"; commenters' links say "小雨的博客", the friends box lists
    # three more blogs: only the page's own blog names its writer.
    a = _extract("blog_owner_in_title.html", "http://blog.chengnan.example.com/dongqing/archive/2009/05/17/118.html")
    assert a.title == "周末去了趟湿地公园"
    assert a.byline.reporters == ["冬青"]
    assert a.published_at == "2009-05-17T21:08:44+08:00"
    assert a.body.splitlines()[-1].endswith("回家的时候太阳都快落山了。")
    assert "照片真漂亮" not in a.body


def test_several_blogs_named_on_a_page_name_nobody() -> None:
    page = (FIXTURES / "blog_owner_in_title.html").read_text(encoding="utf-8")
    page = page.replace("周末去了趟湿地公园 - 冬青的博客 - 城南博客", "周末去了趟湿地公园 - 城南博客")
    page = page.replace("<span>冬青的博客</span>", "<span>城南博客</span>")
    a = extract_article(page.encode("utf-8"), "http://blog.chengnan.example.com/dongqing/archive/2009/05/17/118.html")
    assert a.byline.reporters == []  # 小雨, 老周 (comments), 阿兰, 石头, 远山 (friends): nobody's entry


def test_blog_masthead_naming_a_person_gives_the_owner_inside_an_aspnet_form() -> None:
    # .Text-style blog: the whole page inside <form id="Form1">, the masthead <h1> links to the
    # blog's home, the entry foot "发表于 …(阅读:1203;评论:2)" is no body text.
    a = _extract("blog_masthead_owner.html", "http://blog.devclub.example.com/zhaolei/archive/2005/03/02/52311.aspx")
    assert a.title == "用 C# 读写 INI 文件"
    assert a.byline.reporters == ["赵磊"]  # not the commenter 刘洋
    assert a.published_at == "2005-03-02T10:20:00+08:00"
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("不少老系统的配置还放在 INI 文件里。")
    assert "阅读" not in a.body and "正好用得上" not in a.body


def test_a_site_masthead_linking_to_the_root_names_nobody() -> None:
    page = (FIXTURES / "blog_masthead_owner.html").read_text(encoding="utf-8")
    page = page.replace('href="http://blog.devclub.example.com/zhaolei/">赵磊', 'href="http://www.jinqiao.example.com/">金桥')
    a = extract_article(page.encode("utf-8"), "http://www.jinqiao.example.com/news/52311.aspx")
    assert a.byline.reporters == []  # a site's name that reads like a person is no writer
