"""Generic extraction on pages of kinds no site profile was written for (issue 12).

Each page in tests/fixtures/generic/ is served over HTTP on 127.0.0.1 and fetched as the
crawl fetches it; the record comes from the crawl's own path (``article_from_raw``)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from parknews.crawl.localsite import LocalSite
from parknews.extract import ExtractionError, extract_article
from parknews.extract.body import prose_container
from parknews.extract.page import parse_page
from parknews.extract.process import article_from_raw
from parknews.items import RawPage

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
DEMO_EMPTY = Path(__file__).parent.parent / "parknews" / "demo_site" / "rentsh" / "index.php" / "post" / "99000.html"


@pytest.fixture(scope="module")
def site():
    with LocalSite(FIXTURES) as served:
        yield served


def _record(site, name: str):
    url = f"{site.url}/{name}"
    with urllib.request.urlopen(url) as response:
        body = response.read()
        headers = {"content-type": response.headers.get("content-type", "")}
    raw = RawPage(url=url, final_url=url, status=200, headers=headers, body=body, kind="article",
                  fetched_at="2026-01-01T00:00:00+00:00", site="generic")
    return article_from_raw(raw)


def test_wechat_credit_line_is_editors_not_body_nor_reporters(site) -> None:
    a = _record(site, "wechat_credits.html")
    assert a.body.splitlines()[0].startswith("3月4日，园区春季招聘会")
    assert a.body.splitlines()[-1].endswith("不少人当场达成意向。")
    assert "丨" not in a.body and "沈建国" not in a.body
    assert a.byline.reporters == []
    assert a.byline.editors == ["陈悦", "沈建国"]
    assert a.source_outlet == "澄湖发布"
    assert a.published_at == "2023-03-05T09:05:00+08:00"  # 2023-3-5 9:05:00, wall time kept


def test_site_name_in_author_field_names_nobody(site) -> None:
    a = _record(site, "site_name_author.html")  # GBK bytes
    assert a.encoding in ("gbk", "gb18030")
    assert a.title == "县里新建三座桥梁"
    assert a.body.startswith("今年以来，县交通局加快农村公路建设")
    assert a.body.endswith("设计荷载为公路二级。")
    assert "大汉网络" not in a.byline.reporters
    assert a.byline.reporters == []
    assert a.source_outlet == "县融媒体中心"
    assert a.published_at == "2020-06-01T08:30:00+08:00"


def test_block_named_like_a_widget_keeps_its_text_and_chrome_dates_are_ignored(site) -> None:
    a = _record(site, "emptied_block.html")
    lines = a.body.splitlines()
    assert lines[0].startswith("9月8日下午，开发区召开安全生产专题会议")
    assert lines[-1].endswith("各部门负责人参加会议。")
    assert "版权所有" not in a.body and "首页" not in a.body
    assert a.published_at == "2021-09-08T15:20:00+08:00"  # not the footer's 2011


def test_empty_article_page_never_takes_the_related_stories_as_its_body() -> None:
    url = "http://rent.sh.cn/index.php/post/99000.html"
    raw = RawPage(url=url, final_url=url, status=200, headers={}, body=DEMO_EMPTY.read_bytes(), kind="article",
                  fetched_at="2026-01-01T00:00:00+00:00", site="rentsh")
    # The extractor gives the page's record: its headline and date, an empty body.
    a = extract_article(raw.body, url)
    assert a.title == "临港新片区一批重点产业项目集中签约"
    assert a.published_at == "2024-11-20T09:00:00+08:00"
    assert a.body == "" and a.images == [] and a.body_links == []
    assert any("no article text" in note for note in a.notes)
    # The crawl's rule of what it stores (a title or body text) keeps it, the empty body named.
    kept = article_from_raw(raw)
    assert kept.body == "" and kept.title == a.title and kept.missing == ["body"]


def _extracted(site, name: str):
    with urllib.request.urlopen(f"{site.url}/{name}") as response:
        return extract_article(response.read(), f"{site.url}/{name}", content_type=response.headers.get("content-type"))


def test_article_page_whose_block_holds_only_a_video_script_keeps_title_date_and_source(site) -> None:
    a = _extracted(site, "script_only_body.html")
    assert a.title == "【视频】东湖高新区举行2024年秋季重点项目集中开工活动"
    assert a.published_at == "2024-09-26T17:42:00+08:00"
    assert a.source_outlet == "东湖融媒"
    assert a.body == ""  # never the sidebar's hot list, the prev/next links or the footer
    assert a.byline.reporters == []


def test_article_page_whose_block_holds_only_a_picture_keeps_title_date_and_author(site) -> None:
    a = _extracted(site, "image_only_body.html")  # the best-scoring block is the info line itself
    assert a.title == "图说园区：金秋时节的智能制造产业园"
    assert a.published_at == "2023-10-18T09:26:00+08:00"
    assert a.byline.reporters == ["王晨"]
    assert a.source_outlet == "保税区融媒体中心"
    assert a.body == ""  # not "时间:2023-10-18 09:26来源:…点击:次"


def test_a_page_with_neither_headline_nor_text_is_still_no_article() -> None:
    # A headline and its date make an article page; without them an empty page is refused
    # (and a page whose only block is a script never crashes the extractor).
    page = ("<html><head><title>东湖融媒</title></head><body><div class='nav'><a href='/'>首页</a></div>"
            "<div class='con'><script>var player = new ckplayer({video: '/v.mp4'});</script></div></body></html>")
    with pytest.raises(ExtractionError) as exc:
        extract_article(page, "http://x.test/video/1.html")
    assert exc.value.reason == "empty"
    headline_only = "<html><body><h1>园区召开安全生产专题会议</h1><div class='con'><script>x()</script></div></body></html>"
    with pytest.raises(ExtractionError):
        extract_article(headline_only, "http://x.test/video/2.html")


def test_prose_container_finds_the_block_holding_most_prose_and_refuses_story_lists() -> None:
    page = parse_page((FIXTURES / "wechat_credits.html").read_text("utf-8"), "http://x.test/")
    block = prose_container(page.tree)
    assert block is not None and block.get("class") == "content"
    listing = parse_page(DEMO_EMPTY.read_text("utf-8"), "http://x.test/")
    assert prose_container(listing.tree) is None


def test_article_continued_in_sibling_containers_is_read_whole(site) -> None:
    a = _record(site, "sibling_sections.html")
    lines = a.body.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("5月15日上午，新能源汽车产业园二期项目正式开工")
    assert lines[-1].endswith("届时园区年产值有望突破300亿元。")
    assert "相关推荐" not in a.body and "下载客户端" not in a.body
    assert a.byline.reporters == []  # the site's name in the author slot
    assert a.published_at == "2024-05-16T10:42:00+08:00"  # not the footer's "今天是 2024年12月7日"


def test_long_text_wins_over_a_list_of_other_stories_and_the_meta_line_is_read(site) -> None:
    a = _record(site, "story_list_beside_text.html")  # GBK, table layout, <br>-separated text
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("2020年8月12日，区政府召开全区优化营商环境工作推进会")
    assert lines[-1].endswith("为全区经济高质量发展提供有力保障。")
    for leak in ("企业沙龙", "发布时间", "浏览次数", "责任编辑", "今天是"):
        assert leak not in a.body, leak
    assert a.byline.reporters == ["王海峰"]
    assert a.byline.editors == ["刘芳"]
    assert a.source_outlet == "区政府办公室"
    assert a.published_at == "2020-08-12T18:30:00+08:00"  # 2020-8-12 18:30:00, no zone shift


def test_paragraphs_in_unnamed_sibling_blocks_follow_the_first(site) -> None:
    a = _record(site, "split_first_paragraph.html")
    lines = a.body.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("11月1日，高新区发布《关于加快集聚高层次人才的若干措施》")
    assert lines[-1].endswith("申报指南将在官方网站另行公布。")
    assert "ICP" not in a.body and "搜索" not in a.body
    assert a.byline.reporters == []
    assert a.published_at == "2023-11-02T08:15:00+08:00"  # the unlabelled line under the headline


def test_text_block_with_a_list_like_class_name_is_still_the_article(site) -> None:
    a = _record(site, "misnamed_text_block.html")
    lines = a.body.splitlines()
    assert lines[1].startswith("6月18日，产业园举行2022年重点项目集中签约仪式")
    assert lines[-1].endswith("招商引资工作保持良好势头。")
    for leak in ("分享到", "版权所有", "0512-12345678", "发布时间"):
        assert leak not in a.body, leak
    assert a.byline.reporters == ["张晓燕"]
    assert a.published_at == "2022-06-18T16:05:33+08:00"


def test_a_naive_local_time_keeps_its_wall_time_across_midnight(site) -> None:
    a = _record(site, "naive_time_near_midnight.html")
    # 00:30 local, no zone given, Chinese page: +08:00, never converted to the day before.
    assert a.published_at == "2021-04-01T00:30:00+08:00"
    assert a.body.splitlines()[0].startswith("一季度，保税区跨境电商进出口单量达到1860万单")
    assert a.body.splitlines()[-1].endswith("推动跨境电商与先进制造业融合发展。")
    for leak in ("今天是", "最新发布", "Copyright", "登录"):
        assert leak not in a.body, leak
    assert a.byline.reporters == []  # 保税区新闻中心 is the site, not a writer


def test_meta_cells_of_a_table_portal_give_author_source_and_date(site) -> None:
    a = _record(site, "table_portal_meta_cells.html")  # GB2312, headline in a <font>, no <h1>
    assert a.title == "市开发区召开一季度经济运行分析会"
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("4月8日，市开发区召开一季度经济运行分析会")
    assert lines[-1].endswith("确保二季度实现“双过半”。")
    for leak in ("作者", "点击", "打印本页", "关闭窗口", "技术支持", "您现在的位置"):
        assert leak not in a.body, leak
    assert a.byline.reporters == ["周建国"]
    assert a.source_outlet == "开发区经发局"
    assert a.published_at == "2019-04-09T10:07:45+08:00"  # 2019-4-9 10:07:45, not the footer's 2008-2019


def test_a_long_list_of_other_stories_never_outscores_the_article_beside_it(site) -> None:
    a = _record(site, "story_list_traditional.html")  # traditional Chinese, 40 teasers with summaries
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("（本報訊）港區管理局昨日公布")
    assert lines[-1].endswith("擴大進口食品分撥業務。")
    for leak in ("物流園區今年新增倉儲面積", "更多新聞", "快訊", "版權所有"):
        assert leak not in a.body, leak
    assert a.published_at == "2020-07-15T09:12:00+08:00"


def test_headline_in_a_table_cell_and_a_title_joined_to_the_site_name_by_a_space(site) -> None:
    a = _record(site, "cell_headline_site_title.html")  # no h1/h2, no ArticleTitle; SiteName meta
    assert a.title == "区商务局召开外贸企业稳订单拓市场座谈会"
    lines = a.body.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("7月13日，区商务局召开外贸企业稳订单拓市场座谈会")
    assert lines[-1].endswith("开拓新市场。")
    for leak in ("发布时间", "打印本页", "大汉网络", "当前位置"):
        assert leak not in a.body, leak
    assert a.source_outlet == "区商务局"
    assert a.published_at == "2022-07-14T16:20:00+08:00"


def test_info_line_inside_the_headline_is_read_as_fields_not_title(site) -> None:
    a = _record(site, "info_inside_headline.html")  # GBK; <h1>标题<br /><span>date 来源 作者 点击</span></h1>
    assert a.title == "创业园举办2023年度科技型中小企业评价政策培训会"
    assert a.published_at == "2023-03-21T15:04:10+08:00"
    assert a.source_outlet == "园区科创服务部"
    assert a.byline.reporters == ["赵明远"] and a.byline.editors == ["孙倩"]
    lines = a.body.splitlines()
    assert len(lines) == 3  # a short body ending in （责任编辑：孙倩） is no info line
    assert lines[0].startswith("3月21日下午，创业园在综合服务楼三楼会议室举办")
    assert not any("first block was empty" in note for note in a.notes)
    assert "延伸阅读" not in a.body and "上一篇" not in a.body


def test_time_in_the_entry_footer_gives_the_clock_beside_a_day_only_date(site) -> None:
    a = _record(site, "entry_footer_time.html")  # WordPress theme: <footer class="entry-meta"> in <article>
    assert a.title == "港城科技园举办产学研对接活动"
    assert a.published_at == "2023-05-09T17:26:41+08:00"  # not the sidebar's 2023年5月6日
    assert a.byline.reporters == []  # "作者 editor 分类 园区新闻": no person, and 分类 is a label
    assert len(a.body.splitlines()) == 3


def test_a_title_is_never_missing(site) -> None:
    a = _record(site, "no_title_tag.html")  # empty <title>, a logo <h1> before the headline <h1>
    assert a.title == "西山工业园污水处理厂提标改造工程通过验收"
    assert a.published_at == "2021-12-03"
    source = (FIXTURES / "no_title_tag.html").read_text("utf-8")
    url = "http://www.xsgyy.example/news/2021/1203/515.html"
    for head in ("", "<title>西山工业园</title>", '<title>西山工业园</title><meta name="SiteName" content="西山工业园">',
                 "<title>西山工业园污水处理厂提标改造工程通过验收 西山工业园</title>"):
        # A missing <title>, or one that is only the site's name (a logo link's text, SiteName).
        assert extract_article(source.replace("<title></title>", head), url).title == a.title, head
    # A site name glued to more words is never cut off them ("管理委员会" is no title).
    glued = source.replace("<title></title>", "<title>西山工业园管理委员会</title>")
    assert extract_article(glued, url).title in ("西山工业园管理委员会", a.title)


def test_blog_entry_with_no_title_tag_takes_the_post_heading_not_the_blog_masthead() -> None:
    # .Text/cnblogs-style entry: no <title>; the <h1> is the blog's name linking to the blog's
    # home above this page, the post's title is an <h2>; "posted on <date> <name>" foot line.
    body = (FIXTURES / "blog_masthead_no_title.html").read_bytes()
    a = extract_article(body, "http://blog.kfq.example/blog/zhouqing/archive/2009/04/16/1187.aspx")
    assert a.title == "一家汽配企业落户的前前后后"
    assert a.published_at == "2009-04-16T21:37:00+08:00"
    assert a.byline.reporters == ["周青"]
    lines = a.body.splitlines()
    assert len(lines) == 3 and lines[-1].endswith("园区要比企业更早把这本账算清楚。")
    for leak in ("posted on", "阅读(312)", "老刘", "产业链的账这句话"):
        assert leak not in a.body, leak


def test_a_plain_author_line_below_summary_and_note_is_the_writer_and_a_template_slot_no_source(site) -> None:
    a = _record(site, "author_line_below_summary.html")  # 作者：X after a summary box, a picture, an editor's note
    assert a.title == "高新区出台人才新政十条"
    assert a.byline.reporters == ["王立新"]
    assert a.source_outlet is None  # 来源：size="20" is an unfilled template slot, not an outlet
    assert a.published_at == "2023-11-02T08:15:00+08:00"
    lines = a.body.splitlines()
    assert lines[-1].endswith("申报指南将在官方网站另行公布。")
    assert "作者" not in a.body and "size=" not in a.body and "分享到" not in a.body
