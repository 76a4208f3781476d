"""Who wrote the article, from the page around it, for pages whose text carries no byline.

``find_authors`` is a cascade, most trustworthy first; the first source that names an author
wins (editors met on the way are kept with it):

1. the caller's info lines under the headline ("作者：X", "记者 X", "文/X", "[ X ] 来源：…");
2. JSON-LD ``author`` of an article object;
3. labelled short texts next to the headline: "作者：" text or an author/writer/zuozhe class;
4. ``<meta name="author">`` and its kin (``article:author``, ``byl``, ``citation_author``…);
5. the CMS record in comments (:class:`parknews.extract.dates.PageClues`);
6. labelled short texts further away, in the article's own area (a blog entry's foot);
7. "posted by" lines: "X 发表于 2005-9-15", "由X张贴 @ 2005-03-21", "2005/03/15 22:36:13 by X";
8. a line of names alone in the essay header, between the title and the text ("胡平");
9. the blog's owner, on a blog entry that names no writer: the one "X的博客" (X's blog,
   space, column) the page names, or a person's name as the blog's masthead, linked to the
   blog's home.

Like the date finder, it never reads page chrome (sidebars, footers, navigation, comments,
related lists) and never a list of other articles; site names, URLs, 佚名/admin/本站 and
organisations name nobody. 编辑/责任编辑 go to ``editors``; 来源 is never an author.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from parknews.extract.byline import (
    _COMMON_SURNAMES,
    _COMPOUND_SURNAMES,
    _NOT_NAMES,
    _is_person,
    find_credits,
    merge_bylines,
    parse_credit_field,
)
from parknews.extract.dates import (
    _SKIP_TAGS,
    SENTENCE_MARKS,
    PageClues,
    _class_words,
    _element_text,
    _in_dated_list,
    _is_chrome,
    _is_sentence_text,
    find_headline,
    parse_datetime,
)
from parknews.extract.index import TreeIndex
from parknews.extract.page import HtmlElement, Page, collapse, text_of
from parknews.extract.rules import ClassWords
from parknews.items import Byline

_AUTHOR_ROLES = ("reporters", "correspondents", "photographers")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"

# Meta tags that name the author, best first (keys as page.meta stores them: lower-cased).
_META_KEYS: tuple[str, ...] = (
    "citation_author",  # Highwire/Google Scholar tags of journal pages
    "citation_authors",
    "dc.creator",  # Dublin Core
    "dcterms.creator",
    "article:author",  # Open Graph (often a profile URL: skipped)
    "byl",  # "By X" of news CMSes
    "sailthru.author",
    "parsely-author",
    "author",
    "weibo:article:author",
)

# JSON-LD types whose author is the article's.
_JSONLD_TYPES: frozenset[str] = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
        "webpage", "report", "liveblogposting", "socialmediaposting", "techarticle", "scholarlyarticle",
        "creativework", "opinionnewsarticle",
    }
)

# class/id words of elements that hold the author (or a labelled credit): <span class="author">,
# <div id="zuozhe">, <em class="writer">; editor and source elements are credits of other kinds.
_AUTHOR_CLASS = ClassWords("author|writer|zuozhe|byline|reporter|jizhe|zz", r"author|writer|zuozhe|byline|reporter|jizhe|\bzz\b")
_EDITOR_CLASS = ClassWords("editor|bianji|zbj|zrbj", r"editor|bianji|zbj|\bzrbj\b")
_CREDIT_CLASS = ClassWords.either(_AUTHOR_CLASS, _EDITOR_CLASS)

# A credit label somewhere in a short text: worth parsing.
_LABEL_WORDS = ("作者", "记者", "通讯员", "撰稿", "撰文", "执笔", "摄影", "编辑", "责编")
_WEN_LABEL = re.compile(r"文\s*[/／|丨:：]")  # 文/X
_LABEL_HINT = re.compile("|".join([*_LABEL_WORDS, _WEN_LABEL.pattern]))
# A text piece worth a look: a label, or a bracket (the "[ 黄宇 ] 来源：" info lines). Plain
# words go to TreeIndex.holding as strings (str.find beats the regex alternation).
_LABEL_PIECE: tuple[re.Pattern[str] | str, ...] = (*_LABEL_WORDS, "【", "[", _WEN_LABEL)

# Sentence punctuation: a text holding it is article text, not an info line.
_SENTENCE_END = re.compile(r"[。！？!?]|，.*，")
# Longest text read as one info line or labelled element.
_MAX_LINE = 80

# "Posted by" forms of forums and blogs. Each needs the post's date in the same line.
_HANDLE = rf"[A-Za-z][A-Za-z0-9_.\-]{{1,19}}|[{_CJK}][{_CJK}A-Za-z0-9_]{{1,9}}"
_POSTED: tuple[re.Pattern[str], ...] = (
    # ggjjzhzz 发表于 2005-9-15 11:46:00 (Discuz, phpwind, blogs)
    re.compile(rf"(?:^|(?<=\s))(?P<name>{_HANDLE})\s*(?:发表于|发表在|发布于|发帖于)\s*[:：]?\s*(?=\d{{4}}\s*[-/.年])"),
    # 由海姑娘张贴 @ 2005-03-21 01:20:44 (wenxuecity, Blogger zh)
    re.compile(rf"由\s*(?P<name>{_HANDLE}?)\s*(?:张贴|发表|发布|上传)(?:于|在)?\s*[@＠]?\s*(?=\d{{4}}\s*[-/.年])"),
    # 发布时间 2005/03/15 22:36:13 by duscha; Posted by X at 10:56 am
    re.compile(rf"(?:^|(?<=\s))(?:[Pp]osted\s+)?[Bb]y\s+(?P<name>{_HANDLE})(?=$|[\s〓|,，])"),
    # posted on 2009-04-16 21:37 周青 阅读(312) 评论(4) (.Text and cnblogs entry footers)
    re.compile(rf"(?:^|(?<=\s))[Pp]osted\s+(?:on|@)\s+\d{{4}}-\d{{1,2}}-\d{{1,2}}\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s+"
               rf"(?P<name>{_HANDLE})(?=$|[\s(（|,，])"),
    # 张贴者：X, 发帖人：X, 博主：X, 楼主：X
    re.compile(rf"(?:张贴者|发帖人|发贴人|博主|楼主)\s*[:：]\s*(?P<name>{_HANDLE})"),
)

_POSTED_WORDS = ("发表", "发布于", "发帖", "张贴", "博主", "楼主")
_POSTED_HINT = re.compile("|".join([*_POSTED_WORDS, r"[Bb]y\s", r"[Pp]osted\s+(?:on|@)"]))
# The same hint in one text piece ("by" may end a piece: "<b>By</b> <a>X</a>").
_POSTED_PIECE: tuple[re.Pattern[str] | str, ...] = (
    *_POSTED_WORDS, re.compile(r"by(?:\s|\0|$)"), re.compile(r"By(?:\s|\0|$)"), re.compile(r"[Pp]osted\s+(?:on|@)"),
)

# An info line of the "日期 [ 作者 ] 来源：[ 报名 ]" kind (portal templates): the bracketed
# name right before 来源.
_BRACKET_BEFORE_SOURCE = re.compile(
    rf"[\[【]\s*(?P<name>[{_CJK}]{{2,4}}(?:\s+[{_CJK}]{{2,4}}){{0,2}})\s*[\]】][\s\ue000-\uf8ff]*(?:来源|稿源)\s*[:：]"
)

# One to three person names alone on a line: "胡平", "赵延东、风笑天", "宋怡 杨志华".
_NAME_LINE = re.compile(rf"^[{_CJK}]{{2,4}}(?:\s*[、，,\s]\s*[{_CJK}]{{2,4}}){{0,2}}$")
_NAME_SPLIT = re.compile(r"\s*[、，,\s]\s*")
# Header words that look like a name (start with a surname character) but are not one.
_HEADER_WORDS: frozenset[str] = frozenset(
    {
        "全文", "正文", "原文", "译文", "前言", "引言", "摘要", "导读", "概述", "简介", "目录", "附件", "图片",
        "视频", "音频", "返回", "打印", "关闭", "分享", "收藏", "评论", "阅读", "点击", "文章", "文字", "文化",
        "时间", "时事", "方案", "方法", "安全", "关于", "于是", "万元", "明天", "明星", "周末", "周刊", "高清",
        "图文", "史料", "程序", "单位", "包括", "成果", "江南", "黄金", "金融", "石油", "龙头", "和谐", "路线",
    }
)
# How many short lines before the article text form its header (title, author, subtitle).
_HEADER_LINES = 5
# How many lines back a "Name：title" headline may be, to vouch for a pen name ("茉莉").
_VOUCH_LINES = 14


def find_authors(
    page: Page,
    title_el: HtmlElement | None,
    info_lines: Sequence[str],
    *,
    clues: PageClues | None = None,
    index: TreeIndex | None = None,
) -> Byline:
    """The article's authors from the page around its text; an empty Byline when none is named.

    ``title_el`` is the headline element (None: found here as the date finder finds it),
    ``info_lines`` the texts of the info line(s) under it, ``clues`` what
    :func:`parknews.extract.dates.collect_clues` read before the page was stripped, ``index`` a
    :class:`~parknews.extract.index.TreeIndex` of the page as it is (built here when not given).
    Reads the page tree as it is, so call it before the article block is cut out and cleaned.
    """
    index = index or TreeIndex(page.tree)
    headline = title_el if title_el is not None and title_el.getparent() is not None else find_headline(page, index)
    ctx = _Context(page, headline, index)
    editors: list[Byline] = []
    for source in (
        lambda: [find_credits(line) for line in info_lines] + [_bracketed_name(line) for line in info_lines],
        lambda: [_from_jsonld(page)],
        lambda: _labelled_elements(ctx, near=True),
        lambda: [_from_meta(page)],
        lambda: [_from_clues(clues)],
        lambda: _labelled_elements(ctx, near=False),
        lambda: _posted_by(ctx),
        lambda: [_name_line(ctx)],
        lambda: [_blog_owner(ctx)],
    ):
        found = merge_bylines(*source())
        if _has_author(found):
            return merge_bylines(found, *editors)
        if found.editors:
            editors.append(Byline(editors=found.editors, raw=found.raw))
    return merge_bylines(*editors) if editors else Byline()


def _has_author(byline: Byline) -> bool:
    return any(getattr(byline, role) for role in _AUTHOR_ROLES)


# ---------------------------------------------------------------- structured sources


def _from_jsonld(page: Page) -> Byline:
    for obj in page.jsonld:
        types = obj.get("@type")
        names = [types] if isinstance(types, str) else [t for t in types if isinstance(t, str)] if isinstance(types, list) else []
        if not any(t.lower() in _JSONLD_TYPES for t in names):
            continue
        people = [n for n in _jsonld_names(obj.get("author")) if _usable_value(n, page)]
        if people:
            return _credit("作者", people)
    return Byline()


def _jsonld_names(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _jsonld_names(item)
    elif isinstance(value, dict):
        kind = value.get("@type")
        if isinstance(kind, str) and kind.lower() in ("organization", "newsmediaorganization", "corporation"):
            return
        if isinstance(value.get("name"), str):
            yield value["name"]


def _from_meta(page: Page) -> Byline:
    for key in _META_KEYS:
        value = page.meta.get(key)
        if value and _usable_value(value, page):
            return _credit("作者", [value])
    return Byline()


def _from_clues(clues: PageClues | None) -> Byline:
    if clues is None:
        return Byline()
    return _credit("作者", clues.authors) if clues.authors else Byline()


def _usable_value(value: str, page: Page) -> bool:
    """Not a URL, not an e-mail, not the site's own name."""
    value = collapse(value)
    if not value or re.search(r"https?://|www\.|@|\.(?:com|cn|net|org)\b", value, re.I):
        return False
    site_names = {collapse(page.meta.get(k) or "") for k in ("og:site_name", "application-name", "sitename")}
    if value in site_names:
        return False
    title = page.title_tag or ""
    # "标题_栏目_网站名": a value that is one of the title's trailing parts is the site's name.
    parts = [p for p in re.split(r"\s*[-_|–—]\s*", title) if p]
    return not (len(parts) > 1 and value in parts[1:])


def _credit(label: str, values: Sequence[str]) -> Byline:
    """Author values of a field: each may hold several names ("宋怡 杨志华", "赵  培")."""
    parts = [parse_credit_field(label, _join_spaced_name(_latin_byline(collapse(v)))) for v in values]
    return merge_bylines(*parts) if parts else Byline()


def _latin_byline(value: str) -> str:
    """"By Jill Disis, CNN Business" → "Jill Disis": a Latin-script value's name, without the
    "By" and the job title after the comma (Chinese values keep their commas: 张三，李四)."""
    if re.search(f"[{_CJK}]", value):
        return value
    value = re.sub(r"^\s*by\s+", "", value, flags=re.I)
    return re.split(r"\s*(?:,|\s-\s|\|)\s*", value, maxsplit=1)[0]


def _join_spaced_name(value: str) -> str:
    """"赵  培" (a two-character name padded to line up with three-character ones) is one name."""
    tokens = value.split()
    if len(tokens) == 2 and all(len(t) == 1 and re.match(f"[{_CJK}]", t) for t in tokens):
        return "".join(tokens)
    return value


# ---------------------------------------------------------------- the page tree


@dataclass
class _Line:
    """One piece of text in document order: an element's text or a child's tail."""

    text: str
    el: HtmlElement
    """The element holding the text (for a tail: the parent)."""
    after_img: bool
    """An image stands between the previous piece and this one."""
    in_link: bool
    row: int
    """Number of the visual line (block or <br> boundaries) the piece is on."""


# Elements that break the text into visual lines.
_BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "td", "th", "tr", "table", "tbody", "thead",
        "h1", "h2", "h3", "h4", "h5", "h6", "center", "section", "article", "header", "footer", "blockquote",
        "hr", "pre", "form", "nav", "aside", "main", "figure", "figcaption", "address", "body",
    }
)


class _Context:
    """The page's elements and text pieces, computed once."""

    def __init__(self, page: Page, headline: HtmlElement | None, tree: TreeIndex) -> None:
        self.root = tree.root
        self.page = page
        self.headline = headline
        self.tree = tree
        self.elements = tree.elements
        self.position = tree.position
        self.anchor = self.position.get(headline) if headline is not None else None
        self._lines: list[_Line] = []
        self._line_walk: Iterator[_Line] | None = None
        self._head_span: tuple[int, int] | None = None
        self._labelled: list[tuple[tuple[int, int], Byline]] | None = None
        self._chrome: dict[HtmlElement, bool] = {}
        self._lists: dict[etree._Element, bool] = {}
        # Containers of the headline are the article, whatever their class says.
        self._keep = set(headline.iterancestors()) if headline is not None else set()

    def labelled(self) -> list[tuple[tuple[int, int], Byline]]:
        """Credits of the page's short labelled elements, nearest the headline first."""
        if self._labelled is None:
            self._labelled = _scan_labelled(self)
        return self._labelled

    def line(self, j: int) -> _Line | None:
        """Text piece j in document order (None past the last); pieces are read as far as asked."""
        if self._line_walk is None:
            self._line_walk = _walk_lines(self.root)
        while len(self._lines) <= j:
            piece = next(self._line_walk, None)
            if piece is None:
                return None
            self._lines.append(piece)
        return self._lines[j]

    def inside_headline(self, el: HtmlElement) -> bool:
        """el is the headline or inside it (by document position: the headline's subtree is
        the run of positions right after its own)."""
        head = self.headline
        if head is None:
            return False
        if self._head_span is None:
            start = self.position.get(head)
            if start is None:  # a headline outside <body> (a profile's title selector) holds no line
                self._head_span = (-1, -2)
            else:
                self._head_span = (start, start + sum(1 for _ in head.iterdescendants(etree.Element)))
        i = self.position.get(el)
        return i is not None and self._head_span[0] <= i <= self._head_span[1]

    def excluded(self, el: HtmlElement) -> bool:
        """Page chrome, or a list of other articles: never a source of authors."""
        lineage = [a for a in (el, *el.iterancestors()) if a not in self._keep]
        for a in lineage:
            if a not in self._chrome:
                self._chrome[a] = _is_chrome(a)
            if self._chrome[a]:
                return True
        return _in_dated_list(lineage, "+08:00", self._lists)

    def distance(self, el: HtmlElement) -> tuple[int, int]:
        """Sort key: below the headline first, then nearer; document order without one."""
        i = self.position.get(el, 0)
        if self.anchor is None:
            return (0, i)
        return (int(i < self.anchor), abs(i - self.anchor))


def _walk_lines(root: HtmlElement) -> Iterator[_Line]:
    """Text pieces in document order, comments and skipped elements left out but not their tails."""
    img = False
    row = 0
    links = 0
    stack: list[tuple[HtmlElement, bool]] = [(root, True)]
    while stack:
        el, opening = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if opening and tag and tag not in _SKIP_TAGS:
            if tag in _BLOCK_TAGS:
                row += 1
            img = img or tag == "img"
            links += tag == "a"
            text = collapse(el.text)
            if text:
                yield _Line(text, el, img, links > 0, row)
                img = False
            stack.append((el, False))
            stack.extend((child, True) for child in reversed(el))
            continue
        if not opening:
            row += tag in _BLOCK_TAGS
            links -= tag == "a"
        # the element is closed (or skipped whole): its tail belongs to the parent
        tail = collapse(el.tail)
        parent = el.getparent()
        if tail and el is not root and parent is not None:
            yield _Line(tail, parent, img, links > 0, row)
            img = False


def _labelled_elements(ctx: _Context, *, near: bool) -> list[Byline]:
    """Credits of short elements: a "作者：" label in the text, or an author-class element.
    ``near``: only within a few elements of the headline (the info area); else anywhere in
    the page outside the chrome, nearest first."""
    found = ctx.labelled()
    if near:
        found = [(key, b) for key, b in found if ctx.anchor is not None and key[1] <= 12]
    # The nearest element that names an author; else the nearest that names an editor.
    authors = [b for _, b in found if _has_author(b)]
    if authors:
        return [authors[0]]
    return [b for _, b in found[:1]]


def _label_candidates(ctx: _Context) -> list[HtmlElement]:
    """Elements worth a closer look, in document order: those with an author/editor class, and
    the few short ancestors of every text piece that holds a label or a bracketed name.

    Reading every element's full text costs O(elements x depth); the labels are rare.
    """
    # a label, its span, its line, the line's cell
    picked = ctx.tree.around(*_LABEL_PIECE, levels=4, within_root=True)
    picked.update(ctx.tree.classed_elements(_CREDIT_CLASS))
    return ctx.tree.in_order(picked)


def _scan_labelled(ctx: _Context) -> list[tuple[tuple[int, int], Byline]]:
    found: list[tuple[tuple[int, int], Byline]] = []
    for el in _label_candidates(ctx):
        tag = el.tag.lower()
        if tag in _SKIP_TAGS or tag in ("html", "body"):
            continue
        if ctx.tree.chars[ctx.position[el]] > _MAX_LINE * 2:
            continue  # the length of its text, known without reading it
        content = text_of(el)
        names = _class_words(el)
        author_class = bool(_AUTHOR_CLASS.search(names))
        editor_class = bool(_EDITOR_CLASS.search(names))
        if not (author_class or editor_class or _LABEL_HINT.search(content) or _BRACKET_BEFORE_SOURCE.search(content)):
            continue
        text = _element_text(el)
        if not text or len(text) > _MAX_LINE or _SENTENCE_END.search(text):
            continue  # "本报记者张三获悉，……。" is the article speaking, not a credit
        if len(el.findall(".//li")) >= 2:
            continue  # a list: of other articles, or of links
        labelled = bool(_LABEL_HINT.search(text))
        bracketed = bool(_BRACKET_BEFORE_SOURCE.search(text))
        if not (labelled or bracketed or author_class or editor_class):
            continue
        if not _label_outside_links(el) and not (author_class or editor_class):
            continue  # a menu entry or a board name ("记者江湖"), not a credit
        if ctx.excluded(el):
            continue
        byline = find_credits(text) if labelled else Byline()
        if bracketed and not _has_author(byline):
            byline = merge_bylines(byline, _bracketed_name(text))
        if not _has_author(byline) and not byline.editors and (author_class or editor_class):
            # <span class="author">张三</span>: the class is the label.
            value = re.sub(r"^\s*(?:作者|来源|编辑|责任编辑)\s*[:：]\s*", "", text)
            if len(value) <= 30 and not re.search(r"来源|稿源|出处", text):
                byline = parse_credit_field("作者" if author_class else "编辑", value)
        if _has_author(byline) or byline.editors:
            found.append((ctx.distance(el), byline))
    found.sort(key=lambda t: t[0])
    return found


def _label_outside_links(el: HtmlElement) -> bool:
    """The credit label is text of its own, not a link's ("作者：<a>张三</a>" yes, a menu
    entry "<a>记者江湖</a>" no)."""
    if el.tag == "a" or next(el.iterancestors("a"), None) is not None:
        return False
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag != "a" and node.text:
            pieces.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag != "a":
                walk(child)
            if child.tail:
                pieces.append(child.tail)

    walk(el)
    own = " ".join(pieces)
    return bool(_LABEL_HINT.search(own) or _BRACKET_BEFORE_SOURCE.search(own) or "来源" in own)


def _bracketed_name(line: str) -> Byline:
    """"2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]": the name in brackets before 来源."""
    m = _BRACKET_BEFORE_SOURCE.search(line)
    if m is None or parse_datetime(line) is None:
        return Byline()
    names = [n for n in m["name"].split() if _surname_like(n) and _is_person(n)]
    return Byline(reporters=names, raw=m.group()) if names else Byline()


def _posted_by(ctx: _Context) -> list[Byline]:
    """"X 发表于 <date>", "由X张贴 @ <date>", "<date> by X" in a short text outside the chrome
    (the name is often a link of its own, so whole short elements are read)."""
    found: list[tuple[tuple[int, int], Byline]] = []
    for el in _posted_candidates(ctx):
        content = text_of(el)
        if el.tag.lower() in _SKIP_TAGS or len(content) > 200 or not _POSTED_HINT.search(content):
            continue
        text = _element_text(el)
        if not text or len(text) > 100 or parse_datetime(text) is None or len(el.findall(".//li")) >= 2:
            continue
        for pattern in _POSTED:
            m = pattern.search(text)
            if m is None:
                continue
            name = m["name"]
            if name in _NOT_NAMES or not _is_person(name) or ctx.excluded(el):
                break
            found.append((ctx.distance(el), Byline(reporters=[name], raw=m.group().strip())))
            break
    found.sort(key=lambda t: t[0])
    return [found[0][1]] if found else []


def _posted_candidates(ctx: _Context) -> list[HtmlElement]:
    """Elements that may hold a "posted by" line, in document order: those around a text piece
    with a hint, up to where their text grows longer than a line (reading units never
    outnumber characters)."""
    position, total = ctx.tree.position, ctx.tree.total
    picked: set[HtmlElement] = set()
    for holder in ctx.tree.holding(*_POSTED_PIECE):
        el: HtmlElement | None = holder
        while el is not None and el not in picked and el in position and total[position[el]] <= 200:
            picked.add(el)
            el = el.getparent()
    return ctx.tree.in_order(picked)


def _name_line(ctx: _Context) -> Byline:
    """Names alone on a line in the essay header: title, author, subtitle, then the text.

    Reprinted essays and columns ("犬儒病 / 胡平 / ——当代中国的精神危机") put the author's
    name on its own line between the title and the text. Only the few short lines right before
    the article text are read, a name line must not be a link or follow a picture (a portrait's
    caption), and each name must look like one: a common surname, or the pen name the headline
    opens with ("茉莉：我是怎样卷入八九民运的")."""
    if not ctx.tree.holding(*SENTENCE_MARKS):  # what _is_sentence_text needs
        return Byline()  # no Chinese sentence anywhere: no text start to look above
    start = _text_start(ctx)
    if start is None:
        return Byline()
    for j in range(start - 1, max(0, start - _HEADER_LINES) - 1, -1):
        line = ctx.line(j)
        assert line is not None  # lines before the text start have been read
        names = _names_of_line(line.text)
        before, after = ctx.line(j - 1) if j else None, ctx.line(j + 1)
        alone = (before is None or before.row != line.row) and (after is None or after.row != line.row)
        if names and alone and j > 0 and not (line.in_link or line.after_img or ctx.excluded(line.el)):
            header = [ctx.line(k) for k in range(max(0, j - _VOUCH_LINES), j)]
            vouched = {n for n in names if _headline_opens_with(n, [h for h in header if h is not None], ctx)}
            # One name must look like one (or be vouched for); of several, one is enough.
            if any(_surname_like(n) or n in vouched for n in names) and (len(names) > 1 or vouched or _surname_like(names[0])):
                return Byline(reporters=names, raw=line.text)
            return Byline()
        if not _header_line(line.text):
            return Byline()
    return Byline()


def _header_line(text: str) -> bool:
    """Header lines that may stand between the author's name and the text: a subtitle
    ("——对文化革命的政治心理学分析"), a section heading ("一、理解文革…"), a repeated title."""
    return len(text) <= 40 and not _is_sentence_text(text)


def _names_of_line(text: str) -> list[str]:
    text = collapse(text)
    if not _NAME_LINE.match(text):
        return []
    names = [n for n in _NAME_SPLIT.split(text) if n]
    if any(n in _HEADER_WORDS or n in _NOT_NAMES or not _is_person(n) or _is_place(n) for n in names):
        return []
    return names


def _is_place(name: str) -> bool:
    """"江苏省", "松江区", "冠县": a place (the "发布于：江苏省" of portals), not a person."""
    return len(name) >= 2 and name.endswith(("省", "市", "县", "区", "镇", "乡", "村", "州", "盟", "旗"))


def _surname_like(name: str) -> bool:
    return bool(name) and (name.startswith(_COMPOUND_SURNAMES) or (name[0] in _COMMON_SURNAMES and len(name) <= 3))


def _headline_opens_with(name: str, before: Sequence[_Line], ctx: _Context) -> bool:
    """The page's headline, or a title line above, reads "name：…" (a column's pen name)."""
    texts = [line.text for line in before]
    if ctx.headline is not None:
        texts.append(collapse(text_of(ctx.headline)))
    if ctx.page.title_tag:
        texts.append(ctx.page.title_tag)
    return any(_opens_with(t, name) for t in texts)


def _opens_with(text: str, name: str) -> bool:
    """text reads "name：…" (leading spaces and spaces before the colon allowed)."""
    text = text.lstrip()
    return text.startswith(name) and text[len(name) :].lstrip()[:1] in (":", "：")


def _text_start(ctx: _Context) -> int | None:
    """Index of the first line of article text: the first sentence text after the headline,
    or, with no headline, the first sentence text of a block that holds a lot of text."""
    j = 0
    if ctx.headline is not None:
        # The headline's lines are one run: find it, then step past it.
        while (line := ctx.line(j)) is not None and not ctx.inside_headline(line.el):
            j += 1
        if line is None:
            return None
        while (line := ctx.line(j)) is not None and ctx.inside_headline(line.el):
            j += 1
    while (line := ctx.line(j)) is not None:
        if (
            not line.in_link
            and _is_sentence_text(line.text)
            and (ctx.headline is not None or _in_long_text(line.el))
            and not ctx.excluded(line.el)
        ):
            return j
        j += 1
    return None


def _in_long_text(el: HtmlElement) -> bool:
    """The element, or its parent, holds a long text (the article, not a notice or a teaser)."""
    parent = el.getparent()
    return any(len(collapse(text_of(e))) >= 300 for e in (el, parent) if e is not None)


# ---------------------------------------------------------------- the blog's owner

# "张三的博客", "[太小心]的博客", "lily的个人空间", "王五的BLOG": the blog of one person.
_BLOG_OF = re.compile(
    rf"^[\[【]?(?P<name>{_HANDLE})[\]】]?\s*的(?:个人)?(?:博客|博客空间|空间|专栏|日志|文集|[Bb][Ll][Oo][Gg])$"
)
_TITLE_PARTS = re.compile(r"\s*(?:[-_|–—»«]|&raquo;)\s*")
# A masthead element of blog templates (.Text/cnblogs "headermaintitle", "blogname", "blog-title").
_MASTHEAD_CLASS = ClassWords("headertitle|headermaintitle|blogname|blogtitle|blog-title|blog_title|blog-name")


def _blog_owner(ctx: _Context) -> Byline:
    """The owner of a blog entry that names no writer: the one person whose blog the page says
    it is ("X的博客" in the <title>; else in a heading, a link or a link's title outside the
    chrome and lists of comments), else a person's name as the blog's masthead (a heading above
    the entry that only links to a blog home below the host's root: "<h1><a href=
    ".../lijianzhong/">李建忠</a></h1>"). Several different "X的博客" (a list of friends'
    blogs) name nobody."""
    title_parts = [p for p in _TITLE_PARTS.split(ctx.page.title_tag or "") if p]
    found = _blog_names(title_parts)
    if not found:
        texts: list[str] = []
        for el in ctx.root.iter("a", "h1", "h2", "h3"):
            own = [collapse(text_of(el))]
            if el.tag == "a" and el.get("title"):
                own.append(collapse(el.get("title")))
            if _blog_names(own) and not ctx.excluded(el):
                texts.extend(own)
        found = _blog_names(texts)
    if len(found) == 1:
        name = found.pop()
        return Byline(reporters=[name], raw=f"{name}的博客")
    return Byline() if found else _masthead_owner(ctx)


def _blog_names(texts: Sequence[str]) -> set[str]:
    """The X of every "X的博客" among texts (persons only)."""
    names: set[str] = set()
    for text in texts:
        if 3 <= len(text) <= 30 and "的" in text and (m := _BLOG_OF.match(text)):
            name = m["name"]
            if name not in _NOT_NAMES and _is_person(name) and not _is_place(name):
                names.add(name)
    return names


def _masthead_owner(ctx: _Context) -> Byline:
    if ctx.anchor is None:
        return Byline()
    for el in ctx.root.iter("h1", "h2", "div", "span"):
        i = ctx.position.get(el)
        if i is None or i >= ctx.anchor:
            break
        if el.tag in ("div", "span") and not _MASTHEAD_CLASS.search(_class_words(el)):
            continue
        links = list(el.iter("a"))
        if len(links) != 1 or collapse(text_of(el)) != collapse(text_of(links[0])):
            continue
        name = collapse(text_of(links[0]))
        href = links[0].get("href") or ""
        m = re.match(r"(?i)^(?:https?://(?P<host>[^/]+))?(?P<path>/[^?#]*)", href)
        if m is None or m["path"].strip("/") == "" or not re.search(r"(?i)blog|博客", (m["host"] or "") + m["path"]):
            continue
        if _surname_like(name) and len(name) >= 2 and _is_person(name) and not _is_place(name) and name not in _HEADER_WORDS:
            return Byline(reporters=[name], raw=name)
    return Byline()
