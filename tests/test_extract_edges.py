"""Unusual pages the fast paths of extraction must read exactly as plainly written code would.

Each case is one a review of the TreeIndex rewrite found: a shortcut that looked at the page
source instead of its parsed text, a lookup that assumed the headline sits in <body>, a hint
that skipped an element the old walk read.
"""

from __future__ import annotations

from parknews.extract import extract_article
from parknews.extract.article import SiteRules
from parknews.extract.authors import find_authors
from parknews.extract.dates import collect_clues, find_headline
from parknews.extract.page import parse_page

ESSAY = (
    "文化革命是一场有着极为广泛的群众参与的政治运动。因此，如何理解这种广泛的群众参与，"
    "就成为理解文革的一个重要内容。本文试图从政治心理学的角度，对文革中的群众参与给出解释。"
) * 5
ENGLISH = "The park opened a new plant, and the city welcomed it; workers were hired! " * 8


def _as_character_references(html: str) -> str:
    """The page as an ASCII-only CMS writes it: every non-ASCII character as &#N;."""
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in html)


def test_essay_author_found_when_the_source_writes_chinese_as_character_references():
    body = (
        "<p align='center'><font><strong>比赛革命的革命</strong></font></p><hr>"
        f"<p> 胡平<br><br>——对文化革命的政治心理学分析<br><br>一、理解文革的一个重要内容<br>{ESSAY}</p>"
    )
    page = f"<html><head><title>显示</title></head><body>{body}</body></html>"
    for html in (page, _as_character_references(page)):
        assert find_authors(parse_page(html, "http://x/a.html"), None, []).reporters == ["胡平"]
        assert extract_article(html.encode("ascii", "xmlcharrefreplace"), "http://x/a.html").byline.reporters == ["胡平"]


def test_a_title_selector_matching_the_head_does_not_crash():
    html = f"<html><head><title>比赛革命的革命</title></head><body><p>胡平</p><p>{ESSAY}</p></body></html>"
    for selector in ("title", "head"):
        article = extract_article(html.encode(), "http://x/a.html", site_rules=SiteRules(title=[selector]))
        assert article.title == "比赛革命的革命"
        assert article.body.startswith("胡平")


def test_cms_records_are_read_from_real_comments_only():
    def clues(html: str) -> tuple[list, list]:
        found = collect_clues(parse_page(html, "http://x/"))
        return found.dates, found.authors

    record = "enpproperty <date>2022-02-13 00:00:00:0</date><author>张三</author>"
    assert clues(f"<html><body><p>x</p><!-- record {record}--></body></html>") == ([("2022-02-13", "2022-02-13")], ["张三"])
    # The same text in a script string or an attribute is not a comment.
    assert clues(f"<html><head><script>var s='<!--{record}-->';</script></head><body><p>x</p></body></html>") == ([], [])
    assert clues(f"<html><body><p title='<!--{record}-->'>x</p></body></html>") == ([], [])


def test_cms_record_of_a_page_in_an_encoding_that_is_not_ascii_compatible():
    html = (
        f"<html><head><title>Park news</title></head><body><h1>Park news</h1><p>{ENGLISH}</p>"
        "<!--enpproperty <date>2022-02-13 00:00:00:0</date><author>Jane Roe</author>--></body></html>"
    )
    article = extract_article(html.encode("cp500"), "http://x/a.html", content_type="text/html; charset=cp500")
    assert (article.encoding, article.published_at, article.byline.reporters) == ("cp500", "2022-02-13", ["Jane Roe"])


def test_a_label_five_levels_above_the_year_is_read_through_another_number():
    # "第1版" puts a digit in the line itself, so the line is read with its label.
    html = (
        "<html><body><div>导航</div>"
        f"<div>{ESSAY}</div><div>{ESSAY}</div>"
        "<div>发布时间：<font><b><i><em>2024-10-12</em></i></b></font> 第1版</div>"
        "</body></html>"
    )
    assert extract_article(html.encode(), "http://x/a.html").published_at == "2024-10-12"


def test_a_headline_without_word_characters_can_state_the_title():
    html = (
        '<html><head><meta property="og:title" content="¡¿…!?¿¡"></head><body>'
        '<h1>Site name</h1><div class="headline">¡¿…!?¿¡</div><p>text</p></body></html>'
    )
    headline = find_headline(parse_page(html, "http://x/"))
    assert (headline.tag, headline.get("class")) == ("div", "headline")


def test_a_headline_with_inline_tags_or_zero_width_characters_states_the_title():
    # The headline search skips elements whose raw text lacks the middle of the title; tags
    # inside the headline and zero-width characters (which collapsing removes) must not fool it.
    title = "上海临港新片区集成电路产业发展迅速"
    for headline in ("<h1>上海临港<font color=red>新片区</font>集成电路产业发展迅速</h1>",
                     "<h1>上海临港新\u200b片区集成\ufeff电路产业发展迅速</h1>"):
        html = (f'<html><head><meta property="og:title" content="{title}"></head><body>'
                f'<div class="nav"><a href="/">首页</a></div>{headline}<p>{ESSAY}</p></body></html>')
        assert find_headline(parse_page(html, "http://x/")).tag == "h1"
