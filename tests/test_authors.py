"""Authors read from the page around the article text: info lines, JSON-LD, meta tags, labelled
elements, "posted by" lines and the name line of an essay header; and what is never an author."""

from __future__ import annotations

from typing import Any

import pytest

from parknews.extract.authors import find_authors
from parknews.extract.dates import collect_clues
from parknews.extract.page import parse_page
from parknews.items import Byline

URL = "https://www.example.com/news/2024/1012/1234.html"


def _page(body: str, head: str = "", title: str = "园区新闻_示例网"):
    return parse_page(f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>", URL)


def _fields(b: Byline) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role in ("reporters", "correspondents", "editors", "photographers"):
        if getattr(b, role):
            out[role] = getattr(b, role)
    return out


def _authors(body: str, head: str = "", info: list[str] | None = None, title: str = "园区新闻_示例网") -> dict[str, Any]:
    page = _page(body, head, title)
    h1 = page.tree.find(".//h1")
    return _fields(find_authors(page, h1, info or []))


ARTICLE = "<p>10月11日上午，嘉北工业园区新能源汽车零部件产业园二期项目正式开工，项目总投资约18亿元。</p>"

# (what the page shows, the caller's info lines, expected fields)
INFO_LINES = [
    # the CMS info line under the headline
    ("来源：新华网 作者：张三 编辑：李四", {"reporters": ["张三"], "editors": ["李四"]}),
    ("发布时间：2024-10-12 作者：唐闻宜 袁伟江 点击：128", {"reporters": ["唐闻宜", "袁伟江"]}),
    ("2024-10-12 文/唐闻宜 图/袁伟江", {"reporters": ["唐闻宜"], "photographers": ["袁伟江"]}),
    ("新民晚报记者 唐闻宜 通讯员 袁伟江 2024-10-12", {"reporters": ["唐闻宜"], "correspondents": ["袁伟江"]}),
    # a portal's "date [ author ] 来源：[ paper ]" line
    ("2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]", {"reporters": ["黄宇"]}),
    # a source is not an author; placeholders and the site's account name nobody
    ("来源：松江区经委 发布时间：2024-10-12", {}),
    ("发布时间：2024-10-12 作者：admin", {}),
    ("作者：本站 来源：本站原创", {}),
    ("作者：L_104485 发布时间：2022-02-13", {}),
    ("作者： 来源： 发布日期：2024-10-12", {}),
]


@pytest.mark.parametrize(("line", "expected"), INFO_LINES)
def test_info_lines(line: str, expected: dict[str, Any]) -> None:
    body = f"<h1>园区新闻</h1><div class='info'>{line}</div>{ARTICLE}"
    assert _authors(body, info=[line]) == expected


# (head markup, expected fields) for pages whose only credit is structured data.
HEAD_AUTHORS = [
    ('<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", "name": "张三"}}</script>',
     {"reporters": ["张三"]}),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "author": [{"name": "张三"}, {"name": "李四"}]}</script>',
     {"reporters": ["张三", "李四"]}),
    # an organisation as the author is the publisher, not a writer
    ('<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "示例网"}}</script>',
     {}),
    ('<meta name="author" content="李楠">', {"reporters": ["李楠"]}),
    # a journal page's citation tags pad two-character names: "赵  培" is one person
    ('<meta name="citation_authors" content="赵  培">', {"reporters": ["赵培"]}),
    ('<meta name="citation_author" content="宋怡 杨志华">', {"reporters": ["宋怡", "杨志华"]}),
    # the site's own name, a profile URL or an organisation is not an author
    ('<meta property="og:site_name" content="示例网"><meta name="author" content="示例网">', {}),
    ('<meta name="author" content="示例网">', {}),
    ('<meta property="article:author" content="https://www.facebook.com/example">', {}),
    ('<meta name="author" content="上海市松江区经济委员会">', {}),
]


@pytest.mark.parametrize(
    ("head", "expected"),
    HEAD_AUTHORS,
    ids=[
        "jsonld-person", "jsonld-list", "jsonld-organization", "meta-author", "citation-padded-name",
        "citation-two-names", "meta-site-name", "meta-title-suffix", "meta-profile-url", "meta-organisation",
    ],
)
def test_structured_authors(head: str, expected: dict[str, Any]) -> None:
    assert _authors(f"<h1>园区新闻</h1>{ARTICLE}", head=head) == expected


def test_visible_credit_beats_meta_tag() -> None:
    body = f"<h1>园区新闻</h1><div class='info'>作者：张三</div>{ARTICLE}"
    assert _authors(body, head='<meta name="author" content="admin2">', info=["作者：张三"]) == {"reporters": ["张三"]}


# (body, expected fields) for credits in the page's own elements.
PAGE_ELEMENTS = [
    # the label and the name in separate elements next to the headline (a broadcaster's page)
    (
        "<h1>马克龙星期一在莫斯科与普京会面</h1><p class='m-pub-dates'>发表时间： 06/02/2022 - 13:48</p>"
        "<div class='m-from-author'><span>作者：</span> <span>安东尼</span> 7 分钟</div>" + ARTICLE,
        {"reporters": ["安东尼"]},
    ),
    # the name as a link to the author's page
    ("<h1>园区新闻</h1><div>作者：<a href='/author/12'>张三丰</a></div>" + ARTICLE, {"reporters": ["张三丰"]}),
    # the class is the label
    ("<h1>园区新闻</h1><div class='meta'><span class='author'>张三</span></div>" + ARTICLE, {"reporters": ["张三"]}),
    ("<h1>园区新闻</h1><div class='meta'><span class='author'>作者：张三</span></div>" + ARTICLE, {"reporters": ["张三"]}),
    # a table cell of an old portal page
    ("<table><tr><td><h1>民资进入城市基础设施</h1></td></tr><tr><td>作者：郭励弘</td></tr></table>" + ARTICLE,
     {"reporters": ["郭励弘"]}),
    # a book excerpt's info line
    ("<h1>乔冠华才情人生</h1><p>连载：乔冠华才情人生 出版社：团结出版社 作者：罗银胜</p>" + ARTICLE,
     {"reporters": ["罗银胜"]}),
    # a blog entry's foot, after the text; "编辑" there is an edit link, not an editor
    (
        "<h1>13岁女孩辍学后生下女婴</h1>" + ARTICLE
        + "<div class='rightcom'>作者:zboygirl 阅读(1660) 评论(5) <a href='/edit'>编辑</a> 发表于:2005-07-31 12:30</div>",
        {"reporters": ["zboygirl"]},
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    PAGE_ELEMENTS,
    ids=["label-and-name-apart", "name-as-link", "author-class", "author-class-with-label", "table-cell", "book-excerpt", "blog-entry-foot"],
)
def test_labelled_elements(body: str, expected: dict[str, Any]) -> None:
    assert _authors(body) == expected


# Credits in the page chrome or in text are not this article's authors.
NOT_AUTHORS = [
    # a sidebar's and a footer's credits
    "<h1>园区新闻</h1>" + ARTICLE + "<div class='sidebar'><h3>专栏</h3><p>作者：王五</p></div>",
    "<h1>园区新闻</h1>" + ARTICLE + "<div class='footer'><p>网站编辑：王五 技术支持：示例公司</p><p>作者：王五</p></div>",
    # readers' comments
    "<h1>园区新闻</h1>" + ARTICLE + "<div class='comments'><p>记者 王五 说得对</p><p>作者：游客甲</p></div>",
    # a list of other articles, each with its own credit and date
    "<h1>园区新闻</h1>" + ARTICLE
    + "<ul><li>作者：王五 2024-10-01</li><li>作者：赵六 2024-10-02</li></ul>",
    # a forum's board menu ("记者江湖" is a board's name)
    "<h1>园区新闻</h1><div><a href='/b/1'>麻辣杂谈</a> <a href='/b/2'>记者江湖</a></div>" + ARTICLE,
    # the article speaking of a reporter
    "<h1>园区新闻</h1><p>本报记者张三获悉，园区新增企业120家。</p>" + ARTICLE,
    # nothing at all
    "<h1>园区新闻</h1>" + ARTICLE,
]


@pytest.mark.parametrize(
    "body", NOT_AUTHORS, ids=["sidebar", "footer", "comments", "list-of-articles", "board-menu", "sentence", "nothing"]
)
def test_not_authors(body: str) -> None:
    assert _authors(body) == {}


def test_editor_only_page_names_no_author() -> None:
    # 编辑/责任编辑 fill editors; they never become reporters, even when no one else is named.
    body = "<h1>园区新闻</h1><ul class='info'><li>来源：巴彦淖尔日报 编辑：苏亮</li></ul>" + ARTICLE
    assert _authors(body, info=["来源：巴彦淖尔日报 编辑：苏亮"]) == {"editors": ["苏亮"]}


# (body, expected fields) for forum and blog "posted by" lines; each carries the post's date.
POSTED_BY = [
    ("<h1>对比试车</h1>" + ARTICLE + "<div class='postinfo'><a href='/u/1'>ggjjzhzz</a> 发表于 2005-9-15 11:46:00</div>",
     {"reporters": ["ggjjzhzz"]}),
    # the entry's foot is the article's, not the page footer
    ("<table><tr><td class='post-title'>昨天去金矿玩</td></tr><tr><td>" + ARTICLE + "</td></tr>"
     "<tr><td class='post-footer'>由<a href='/u/2'>海姑娘</a>张贴 @ 2005-03-21 01:20:44 (359)</td></tr></table>",
     {"reporters": ["海姑娘"]}),
    ("<h1>明星话题</h1>" + ARTICLE + "<p>〓 明星话题 发布时间 2005/03/15 22:36:13 by <a href='/u/3'>duscha</a> 〓</p>",
     {"reporters": ["duscha"]}),
    # "by" without a date is not a post line
    ("<h1>园区新闻</h1>" + ARTICLE + "<p>Powered by Discuz</p>", {}),
]


@pytest.mark.parametrize(("body", "expected"), POSTED_BY, ids=["forum-post", "blog-entry-foot", "by-after-date", "by-without-date"])
def test_posted_by(body: str, expected: dict[str, Any]) -> None:
    assert _authors(body) == expected


ESSAY_TEXT = (
    "文化革命是一场有着极为广泛的群众参与的政治运动。因此，如何理解这种广泛的群众参与，"
    "就成为理解文革的一个重要内容。本文试图从政治心理学的角度，对文革中的群众参与给出解释。" * 5
)

# (body, title, expected fields) for essays that put the author's name alone under the title.
NAME_LINES = [
    # title, name, subtitle, section heading, text: all in one <p> cut by <br>
    (
        f"<p align='center'><font><strong>比赛革命的革命</strong></font></p><hr>"
        f"<p> 胡平<br><br>——对文化革命的政治心理学分析<br><br>一、理解文革的一个重要内容<br>{ESSAY_TEXT}</p>",
        "显示",
        {"reporters": ["胡平"]},
    ),
    # two authors; one rare surname is fine when the other is common
    (
        f"<div><b>社会资本与再就业</b><br><br>社会资本与再就业<br>赵延东、风笑天<br>{ESSAY_TEXT}</div>",
        "社会资本与再就业(页 1) - 学术前沿 - 社会学论坛",
        {"reporters": ["赵延东", "风笑天"]},
    ),
    # a pen name is taken when the headline opens with it
    (
        f"<table><tr><td><b>茉莉：我是怎样卷入八九民运的</b></td></tr></table>"
        f"<div><p>我是怎样卷入八九民运的</p><p>茉莉</p><p>{ESSAY_TEXT}</p></div>",
        "关注中国",
        {"reporters": ["茉莉"]},
    ),
    # ... and not otherwise
    (
        f"<table><tr><td><b>我是怎样卷入八九民运的</b></td></tr></table>"
        f"<div><p>我是怎样卷入八九民运的</p><p>茉莉</p><p>{ESSAY_TEXT}</p></div>",
        "关注中国",
        {},
    ),
    # a portrait's caption, a link and a header word are not the author
    (f"<div><b>专访</b><br><img src='/p.jpg'><br>王小明<br>{ESSAY_TEXT}</div>", "专访", {}),
    (f"<div><b>专访</b><br><a href='/tag/1'>王小明</a><br>{ESSAY_TEXT}</div>", "专访", {}),
    (f"<div><b>文化革命</b><br>全文<br>{ESSAY_TEXT}</div>", "文化革命", {}),
    # a name far above the text (a menu, a logo) is not in the header
    (f"<div>王小明</div><div>a</div><div>b</div><div>c</div><div>d</div><div>e</div><div>{ESSAY_TEXT}</div>", "x", {}),
    # a word inside a line, a field's value, a place: "发布于：江苏省" says where it was posted from
    (
        f"<h1>苏州一园区推出厂房超市</h1><div class='article-info'><span>2024-08-15 20:46</span>"
        f"<div class='area'><span>发布于：<span>江苏省</span></span></div></div><p>{ESSAY_TEXT}</p>",
        "苏州一园区推出厂房超市",
        {},
    ),
    (f"<div><b>专访</b><br>受访人 <span>王小明</span> 摄于园区<br>{ESSAY_TEXT}</div>", "专访", {}),
]


@pytest.mark.parametrize(
    ("body", "title", "expected"),
    NAME_LINES,
    ids=[
        "title-name-subtitle", "two-names", "pen-name-vouched", "pen-name-alone", "portrait-caption", "link",
        "header-word", "far-above", "posted-from-place", "name-inside-a-line",
    ],
)
def test_name_line_of_an_essay_header(body: str, title: str, expected: dict[str, Any]) -> None:
    assert _authors(body, title=title) == expected


def test_cms_record_in_a_comment() -> None:
    # A newspaper CMS's record after the text, read before comments are stripped.
    html = (
        "<html><head><title>厕所革命</title></head><body><h2>厕所革命</h2>" + ARTICLE
        + "<!--enpproperty <date>2022-02-13 00:00:00:0</date><author>格桑边觉</author>/enpproperty--></body></html>"
    )
    page = parse_page(html, URL)
    clues = collect_clues(page)
    assert clues.authors == ["格桑边觉"]
    assert _fields(find_authors(page, None, [], clues=clues)) == {"reporters": ["格桑边觉"]}


def test_without_a_headline_element() -> None:
    # The caller found no headline: the finder locates it from <title> itself.
    body = "<table><tr><td><font size='5'>园区新闻</font></td></tr><tr><td>作者：张三</td></tr></table>" + ARTICLE
    page = _page(body, title="园区新闻_示例网")
    assert _fields(find_authors(page, None, [])) == {"reporters": ["张三"]}


def test_raw_keeps_the_credit_text() -> None:
    byline = find_authors(_page("<h1>园区新闻</h1>" + ARTICLE), None, ["来源：新华网 作者：张三"])
    assert byline.raw == "作者：张三"
