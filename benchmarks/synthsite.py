"""A synthetic park-news site of N articles, rendered on request in the rent.sh.cn templates.

The benchmarks need sites of 1,000 to 20,000 articles without committing (or even writing)
them: :class:`SyntheticSite` renders every page from the demo copy of rent.sh.cn
(``parknews/demo_site/rentsh``, a Z-BlogPHP theme) when it is asked for, and
:class:`SiteServer` serves it on 127.0.0.1 over HTTP/1.1 with keep-alive.

The site, as a Z-BlogPHP install lays it out:

- ``/``: home page (slider, latest posts, one box per section, sidebar), linking the sections;
- ``/index.php/category-S.html`` and ``/index.php/category-S_P.html``: section S, page P,
  20 posts per page, newest first, with Z-BlogPHP's pagebar (首页 上一页 1 2 3 下一页 尾页);
- ``/index.php/post/N.html``: article N (1..N, higher is newer; sections take turns);
- ``/feed.php`` (RSS, newest 20), ``/sitemap.xml`` (home and sections), ``/robots.txt`` (allow all).

Article pages keep the demo page's chrome (header, ads inside the content, QR codes,
share widget, related list, comment form, sidebar, footer) and get new titles, dates and
bodies: 4 to 9 paragraphs drawn (seeded by N) from the real narrative paragraphs of the demo
articles, plus, varying with N, captioned images, a byline line, a source line. What the
body *should* be is known (:meth:`SyntheticSite.truth`), so extraction can be scored.

Everything is a pure function of (N, seed): the same URL gives the same bytes until
:meth:`SyntheticSite.add_articles` publishes newer posts, which then head page 1 of their
section (and push older posts down, as a real CMS does).
"""

from __future__ import annotations

import asyncio
import functools
import html
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "parknews" / "demo_site" / "rentsh"
#: The article page whose chrome every synthetic article wears.
ARTICLE_TEMPLATE = "index.php/post/12058.html"
LISTING_TEMPLATE = "index.php/category-2_2.html"
PER_PAGE = 20
SECTIONS = (("2", "上海厂房出租信息"), ("5", "园区动态"))
FIRST_DATE = datetime(2016, 1, 4, 8, 0, 0)
HOURS_BETWEEN_POSTS = 2

# Paragraphs that are not body text in the demo pages: bylines, datelines, captions, source
# and editor lines, platform leftovers (see tests/fixtures/rentsh/expected.toml).
_NOT_BODY = re.compile(
    r"^(图说|图为|▲|来源|信息来源|原标题|本报讯|新华|新民晚报|由内容质量|记者|[（(]记者|文/|作者|编辑|责任编辑|【)"
    r"|电\s*[（(]|摄[)）]?$|供图"
)
_PLACES = ("松江", "临港新片区", "张江科学城", "嘉定新城", "上虞经开区", "闵行", "普陀", "金山湾区", "奉贤东方美谷",
           "宝山", "青浦", "漕河泾开发区", "G60科创走廊", "虹桥国际中央商务区", "杭州湾")
_SUBJECTS = ("生物医药产业园", "集成电路项目", "智能制造基地", "高标准厂房", "人才公寓", "研发中试空间", "新能源汽车产业链",
             "低空经济产业园", "合成生物学平台", "智能传感器产业园", "工业上楼项目", "特色产业园区")
_ACTIONS = ("集中开工", "首批企业签约入驻", "年底前陆续交付", "发布产业用房新政", "加快建设", "举办招商引资推介会",
            "迎来发展新机遇", "向“新”而行", "再添重大项目", "打造千亿级产业集群")
_NAMES = ("顾一鸣", "唐闻宜", "陆晨曦", "沈嘉", "张立伟", "王佳妮", "邵佳宁", "朱晓峰", "蒋迪雯", "袁伟江", "陈颖", "徐涛",
          "龚雯", "胡晓丹", "孙晓蕾", "谈瑞")
_OUTLETS = ("松江区经济委员会", "上虞日报", "新华网", "松江区新闻办", "嘉定区融媒体中心", "临港新片区管委会")
_CAPTIONS = ("G60科创走廊沿线新建的标准厂房", "开工仪式现场", "签约仪式现场", "产业园一期效果图", "公共服务平台的GMP中试车间",
             "临港科技城一角", "生命蓝湾园区一角", "开发区内的生物医药企业生产车间", "推介会现场")


@dataclass
class Truth:
    """What an extractor should find on article N."""

    title: str
    body: str
    """Paragraphs joined by newlines: no captions, byline or source lines."""
    published: str
    """"YYYY-MM-DD HH:MM:SS" as the page's meta line writes it."""
    authors: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)


class _Template:
    """A page split at named holes: literal, name, literal, name, ... literal."""

    def __init__(self, text: str) -> None:
        self.parts = text.split("\x00")

    def render(self, values: dict[str, str]) -> str:
        parts = self.parts
        return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


def _hole(name: str) -> str:
    return f"\x00{name}\x00"


def _sidebar_hole(text: str) -> str:
    return _keep_groups(r'(<div class="widget widget_newarticles" id="divPrevious">\s*<h3[^>]*>[^<]*</h3>\s*<ul>)(</ul>)',
                        "newest", text)


def _keep_groups(pattern: str, name: str, text: str) -> str:
    """Replace what ``pattern``'s two groups enclose (its first match) by a hole.

    The pattern is two groups, "(start)(end)"; the shortest text between them is replaced.
    """
    start, end = pattern[1:-1].split(")(", 1)
    m = re.search(f"({start})(.*?)({end})", text, flags=re.S)
    if m is None:
        raise ValueError(f"template marker not found: {pattern}")
    return text[: m.end(1)] + _hole(name) + text[m.start(3):]


def _nav_hole(text: str) -> str:
    """The navigation lists the site's own sections, the current one highlighted."""
    return _keep_groups(r'(<ul id="nav">)(\n\t\t\t\t<li><a href="javascript:;")', "nav", text)


@functools.lru_cache(maxsize=1)
def _templates() -> dict[str, _Template]:
    article = (DEMO / ARTICLE_TEMPLATE).read_text("utf-8")
    old_title = "松江G60科创走廊新增一批高标准厂房 年底前陆续交付"
    article = _keep_groups(r'(<meta name="description" content=")(")', "description", article)
    article = _keep_groups(r'(<meta name="keywords" content=")(")', "keywords", article)
    article = _keep_groups(r"(<title>)(</title>)", "page_title", article)
    article = _keep_groups(r'(<div class="breadcrumb">.*?<a href="/index.php/category-)(</div>)', "crumb", article)
    article = _keep_groups(r'(<div class="article-meta">)(</div>)', "meta", article)
    article = _keep_groups(r'(<div class="article-content">\n)(<div class="zb-ad)', "content", article)
    article = _keep_groups(r'(<div class="post-nav">)(</div>)', "post_nav", article)
    article = _keep_groups(r'(<div class="related">\s*<h3>相关文章</h3>\s*<ul>)(</ul>)', "related", article)
    article = _sidebar_hole(article)
    article = _nav_hole(article)
    article = article.replace(old_title, _hole("title")).replace("12058", _hole("id"))

    listing = (DEMO / LISTING_TEMPLATE).read_text("utf-8")
    listing = _keep_groups(r"(<title>)(</title>)", "page_title", listing)
    listing = _keep_groups(r'(<div class="breadcrumb">.*?)(</div>)', "crumb", listing)
    listing = _keep_groups(r'(<div class="cate-title"><h1>)(</h1>)', "section_name", listing)
    listing = _keep_groups(r'(<div class="post-list">)(</div>\n\t<div class="pagebar">)', "items", listing)
    listing = _keep_groups(r'(<div class="pagebar">)(</div>)', "pagebar", listing)
    listing = _sidebar_hole(listing)
    listing = _nav_hole(listing)

    home = (DEMO / "index.html").read_text("utf-8")
    home = _keep_groups(r'(<ul class="slides">)(</ul>)', "slides", home)
    home = _keep_groups(r'(<h2 class="box-title">最新发布</h2>\s*<div class="post-list">)(</div>\s*</div>\s*<div class="cate-box">)',
                        "latest", home)
    first_box = home.index('<div class="cate-box">')
    end_boxes = home.index('<div class="sidebar">')
    home = home[:first_box] + _hole("boxes") + "</div>\n\t" + home[end_boxes:]
    home = _sidebar_hole(home)
    home = _nav_hole(home)
    # The copy's absolute links to the real host (本文链接, 友情链接) become site-relative: nothing
    # a benchmark serves may point a crawler off 127.0.0.1.
    pages = {"article": article, "listing": listing, "home": home}
    return {kind: _Template(text.replace("http://rent.sh.cn/", "/")) for kind, text in pages.items()}


@functools.lru_cache(maxsize=1)
def paragraph_pool() -> tuple[str, ...]:
    """The narrative paragraphs of the demo articles (whitespace-collapsed text)."""
    import lxml.html

    pool: list[str] = []
    for path in sorted((DEMO / "index.php" / "post").glob("*.html")):
        tree = lxml.html.fromstring(path.read_bytes().decode("utf-8"))
        for content in tree.cssselect(".article-content"):
            for p in content.iterchildren("p"):
                text = " ".join(p.text_content().split())
                if len(text) >= 40 and p.find(".//img") is None and not _NOT_BODY.search(text):
                    pool.append(text)
    return tuple(dict.fromkeys(pool))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


class SyntheticSite:
    """The pages of a synthetic site of ``articles`` posts, made when asked for."""

    def __init__(self, articles: int, seed: int = 2024, sections: tuple[tuple[str, str], ...] = SECTIONS,
                 per_page: int = PER_PAGE, cache: bool = True, listing_sidebar: bool = True) -> None:
        self.total = articles
        self.listing_sidebar = listing_sidebar
        """False: listing pages' 最新文章 box stays empty (the theme shows the 8 newest posts there)."""
        self.seed = seed
        self.sections = sections
        self.per_page = per_page
        self.templates = _templates()
        self.pool = paragraph_pool()
        self._cache: dict[int, tuple[Truth, str]] | None = {} if cache else None

    # --- the posts -----------------------------------------------------------------

    def add_articles(self, k: int) -> list[int]:
        """Publish ``k`` newer posts; returns their numbers."""
        start = self.total + 1
        self.total += k
        return list(range(start, self.total + 1))

    def section_of(self, n: int) -> tuple[str, str]:
        return self.sections[n % len(self.sections)]

    def published(self, n: int) -> datetime:
        return FIRST_DATE + timedelta(hours=HOURS_BETWEEN_POSTS * n, minutes=(n * 37) % 60, seconds=(n * 13) % 60)

    def _post(self, n: int) -> tuple[Truth, str]:
        """(truth, article-content HTML) of post n, kept once made when the site caches."""
        if self._cache is None:
            return self._make_post(n)
        post = self._cache.get(n)
        if post is None:
            post = self._cache[n] = self._make_post(n)
        return post

    def warm(self) -> None:
        """Make every post once, so serving costs the same on every crawl of the site."""
        for n in range(1, self.total + 1):
            self._post(n)

    def _make_post(self, n: int) -> tuple[Truth, str]:
        rng = random.Random(n * 7919 + self.seed)
        title = rng.choice(_PLACES) + rng.choice(_SUBJECTS) + (" " if rng.random() < 0.3 else "") + rng.choice(_ACTIONS)
        paragraphs = rng.sample(self.pool, rng.randint(4, 9))
        names = rng.sample(_NAMES, 3)
        captions = [rng.choice(_CAPTIONS) for _ in range(rng.choice((0, 0, 1, 2)))]
        style = n % 5
        blocks: list[str] = []
        authors: list[str] = []
        if style == 1:
            blocks.append(f"<p>记者 {names[0]} 报道</p>")
            authors = [names[0]]
        when = self.published(n)
        figure_after = max(0, len(paragraphs) // 2 - 1)
        for i, text in enumerate(paragraphs):
            if i % 2:
                blocks.append(f'<p>&nbsp;&nbsp;<span style="font-family: 宋体, SimSun; font-size: 16px;">{_esc(text)}</span></p>')
            else:
                blocks.append(f"<p>&nbsp;&nbsp;{_esc(text)}</p>")
            if i == figure_after:
                for k, caption in enumerate(captions):
                    src = f"/zb_users/upload/{when:%Y/%m}/{when:%Y%m%d%H%M%S}{n % 10000:04d}{k}.jpg"
                    blocks.append(f'<p style="text-align: center;"><img src="{src}" title="{k}.jpg" alt="{k}.jpg" '
                                  f'width="640" height="360" style="max-width:100%;"/></p>')
                    blocks.append(f"<p>&nbsp;&nbsp;图说:{_esc(caption)}。{names[2]} 摄</p>")
        if style == 2:
            blocks.append(f"<p>&nbsp;&nbsp;(记者 {names[0]} 通讯员 {names[1]})</p>")
            authors = [names[0], names[1]]
        elif style == 3:
            blocks += ["<p>&nbsp;</p>", f'<p>&nbsp;&nbsp;<span style="font-size: 14px;">信息来源:{rng.choice(_OUTLETS)}</span></p>']
        elif style == 4:
            blocks += ["<p>&nbsp;</p>", f"<p>来源:{rng.choice(_OUTLETS)} 作者:{names[0]} 编辑:{names[1]}</p>"]
            authors = [names[0]]
        truth = Truth(title=title, body="\n".join(paragraphs), published=f"{when:%Y-%m-%d %H:%M:%S}",
                      authors=authors, captions=captions)
        return truth, "\n".join(blocks) + "\n"

    def truth(self, n: int) -> Truth:
        return self._post(n)[0]

    def section_posts(self, section: str) -> tuple[int, int]:
        """(newest post number, how many posts) of a section."""
        count = len(self.sections)
        index = next(i for i, (sid, _) in enumerate(self.sections) if sid == section)
        top = self.total - ((self.total - index) % count)
        if top < 1:
            return 0, 0
        return top, (top - index) // count + (1 if index else 0)

    def section_pages(self, section: str) -> int:
        _, posts = self.section_posts(section)
        return max(1, -(-posts // self.per_page))

    def _section_page(self, section: str, page: int) -> list[int]:
        top, posts = self.section_posts(section)
        start = (page - 1) * self.per_page
        step = len(self.sections)
        return [top - step * j for j in range(start, min(start + self.per_page, posts))]

    def newest(self, k: int) -> list[int]:
        return list(range(self.total, max(0, self.total - k), -1))

    # --- URLs ----------------------------------------------------------------------

    @staticmethod
    def article_path(n: int) -> str:
        return f"/index.php/post/{n}.html"

    @staticmethod
    def listing_path(section: str, page: int) -> str:
        return f"/index.php/category-{section}.html" if page == 1 else f"/index.php/category-{section}_{page}.html"

    def all_paths(self) -> list[str]:
        """Every page a full crawl fetches: home, feeds, every listing page, every article."""
        paths = ["/", "/feed.php", "/sitemap.xml"]
        for sid, _ in self.sections:
            paths += [self.listing_path(sid, p) for p in range(1, self.section_pages(sid) + 1)]
        return paths + [self.article_path(n) for n in range(1, self.total + 1)]

    # --- pages ---------------------------------------------------------------------

    def _nav(self, active: str | None) -> dict[str, str]:
        def item(href: str, title: str, on: bool) -> str:
            attr = ' class="on"' if on else ""
            return f'\n\t\t\t\t<li{attr}><a href="{href}" title="{title}">{title}</a></li>'

        items = [item("/", "首页", active is None)]
        items += [item(self.listing_path(sid, 1), _esc(name), sid == active) for sid, name in self.sections]
        return {"nav": "".join(items)}

    def _newest_sidebar(self) -> str:
        return "".join(
            f'\n\t\t\t<li><a href="{self.article_path(n)}" title="{_esc(t)}">{_esc(t)}</a></li>'
            for n in self.newest(8) for t in [self.truth(n).title]
        ) + "\n\t\t\t"

    def _intro(self, n: int, length: int = 150) -> str:
        body = self.truth(n).body.replace("\n", "   ")
        return "  " + (body[:length] + "..." if len(body) > length else body)

    def article(self, n: int) -> str:
        truth, content = self._post(n)
        sid, sname = self.section_of(n)
        when = self.published(n)
        others = [m for m in (n - 1, n + 1) if 1 <= m <= self.total]
        nav = []
        if n - 1 >= 1:
            t = self.truth(n - 1).title
            nav.append(f'\n\t\t<span class="prev">上一篇:<a href="{self.article_path(n - 1)}" title="{_esc(t)}">{_esc(t)}</a></span>')
        if n + 1 <= self.total:
            t = self.truth(n + 1).title
            nav.append(f'\n\t\t<span class="next">下一篇:<a href="{self.article_path(n + 1)}" title="{_esc(t)}">{_esc(t)}</a></span>')
        rng = random.Random(n)
        related_ids = [rng.randint(1, self.total) for _ in range(4)]
        related = "".join(
            f'\n\t\t\t<li>\n\t\t\t\t<div class="related-thumb"><a href="{self.article_path(m)}" title="{_esc(self.truth(m).title)}">'
            f'<img src="/zb_users/theme/yqzs/style/images/nopic.jpg" alt="{_esc(self.truth(m).title)}"><span class="thumb-title">'
            f'{_esc(self.truth(m).title)}</span></a></div>\n\t\t\t\t<div class="related-info">\n\t\t\t\t\t<h4><a href="{self.article_path(m)}" '
            f'title="{_esc(self.truth(m).title)}">{_esc(self.truth(m).title)}</a></h4>\n\t\t\t\t\t'
            f"<p>{_esc(self._intro(m, 120))}</p>\n\t\t\t\t</div>\n\t\t\t</li>"
            for m in related_ids if m not in others
        ) + "\n\t\t"
        meta = (f'\n\t\t\t<span class="item">分类:<a href="{self.listing_path(sid, 1)}" title="{_esc(sname)}">{_esc(sname)}</a></span>'
                f'\n\t\t\t<span class="item">作者:admin</span>'
                f'\n\t\t\t<span class="item">发布时间:{when:%Y-%m-%d %H:%M:%S}</span>'
                f'\n\t\t\t<span class="item">浏览:{(n * 131) % 5000}</span>'
                f'\n\t\t\t<span class="item"><a href="#comments">评论:0</a></span>\n\t\t')
        values = {
            "description": _esc(truth.body[:120].replace("\n", " ")),
            "keywords": _esc(",".join([sname, "产业园区", "园区招商"])),
            "page_title": f"{_esc(truth.title)} - {_esc(sname)} - 中国产业园区招商网",
            "crumb": f'{sid}.html">{_esc(sname)}</a> &gt; 正文内容',
            "meta": meta,
            "content": content,
            "post_nav": "".join(nav) + "\n\t",
            "related": related,
            "newest": self._newest_sidebar(),
            "title": _esc(truth.title),
            "id": str(n),
            **self._nav(sid),
        }
        return self.templates["article"].render(values)

    def _pagebar(self, section: str, page: int, pages: int) -> str:
        link = functools.partial(self.listing_path, section)
        out = []
        if page > 1:
            out += [f'<a href="{link(1)}" title="首页">首页</a>', f'<a href="{link(page - 1)}" title="上一页">上一页</a>']
        first = max(1, min(page - 4, pages - 9))
        for p in range(first, min(pages, first + 9) + 1):
            out.append(f'<span class="now-page">{p}</span>' if p == page else f'<a href="{link(p)}">{p}</a>')
        if page < pages:
            out += [f'<a href="{link(page + 1)}" title="下一页">下一页</a>', f'<a href="{link(pages)}" title="尾页">尾页</a>']
        return " ".join(out)

    def _post_item(self, n: int) -> str:
        t = _esc(self.truth(n).title)
        url = self.article_path(n)
        return (f'\n\t\t<div class="post-item">\n\t\t\t<div class="post-thumb"><a href="{url}" title="{t}">'
                f'<img src="/zb_users/theme/yqzs/style/images/nopic.jpg" alt="{t}"></a></div>\n\t\t\t<div class="post-info">'
                f'\n\t\t\t\t<h2><a href="{url}" title="{t}">{t}</a></h2>\n\t\t\t\t<div class="post-meta"><span class="date">'
                f'<i class="iconfont icon-time"></i>{self.published(n):%Y-%m-%d}</span><span class="views">'
                f'<i class="iconfont icon-eye"></i>{(n * 131) % 5000}</span></div>\n\t\t\t\t<p class="post-intro">'
                f'{_esc(self._intro(n))}</p>\n\t\t\t\t<a class="more" href="{url}">阅读全文&gt;&gt;</a>\n\t\t\t</div>\n\t\t</div>')

    def listing(self, section: str, page: int) -> str | None:
        names = dict(self.sections)
        pages = self.section_pages(section)
        if section not in names or not 1 <= page <= pages:
            return None
        name = _esc(names[section])
        values = {
            "page_title": f"{name}_中国产业园区招商网" if page == 1 else f"{name} 第{page}页_中国产业园区招商网",
            "crumb": f'当前位置:<a href="/">首页</a> &gt; <a href="{self.listing_path(section, 1)}">{name}</a>',
            "section_name": name,
            "items": "".join(self._post_item(n) for n in self._section_page(section, page)) + "\n\t",
            "pagebar": self._pagebar(section, page, pages),
            "newest": self._newest_sidebar() if self.listing_sidebar else "",
            **self._nav(section),
        }
        return self.templates["listing"].render(values)

    def home(self) -> str:
        latest = self.newest(6)
        slides = "".join(
            f'\n\t\t\t<li><a href="{self.article_path(n)}" title="{_esc(self.truth(n).title)}"><img src="/zb_users/theme/yqzs/'
            f'style/images/nopic.jpg" alt="{_esc(self.truth(n).title)}"><span>{_esc(self.truth(n).title)}</span></a></li>'
            for n in latest[:3]
        ) + "\n\t\t"
        boxes = []
        for sid, sname in self.sections:
            top, posts = self.section_posts(sid)
            items = "".join(
                f'\n\t\t\t<li><span class="date">{self.published(n):%m-%d}</span><a href="{self.article_path(n)}" '
                f'title="{_esc(self.truth(n).title)}">{_esc(self.truth(n).title)}</a></li>'
                for n in self._section_page(sid, 1)[:5]
            )
            boxes.append(f'<div class="cate-box">\n\t\t<h2 class="box-title"><a href="{self.listing_path(sid, 1)}">{_esc(sname)}'
                         f'</a><a class="more" href="{self.listing_path(sid, 1)}">更多&gt;&gt;</a></h2>\n\t\t<ul>{items}'
                         f"\n\t\t</ul>\n\t</div>\n\t")
        values = {
            "slides": slides,
            "latest": "".join(self._post_item(n) for n in latest) + "\n\t\t",
            "boxes": "".join(boxes),
            "newest": self._newest_sidebar(),
            **self._nav(None),
        }
        return self.templates["home"].render(values)

    def feed(self, base: str) -> str:
        items = []
        for n in self.newest(20):
            t = self.truth(n)
            url = f"{base}{self.article_path(n)}"
            items.append(f"<item><title>{_esc(t.title)}</title><author>admin</author><link>{url}</link>"
                         f"<pubDate>{t.published}</pubDate><guid>{url}</guid><description><![CDATA[{self._intro(n, 80)}]]>"
                         f"</description><category>{_esc(self.section_of(n)[1])}</category></item>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n<title>中国产业园区招商网</title>\n'
                f"<link>{base}/</link>\n<generator>Z-BlogPHP 1.7.3</generator>\n" + "\n".join(items) + "\n</channel>\n</rss>\n")

    def sitemap(self, base: str) -> str:
        urls = [f"{base}/"] + [f"{base}{self.listing_path(sid, 1)}" for sid, _ in self.sections]
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(f"\t<url><loc>{u}</loc></url>\n" for u in urls) + "</urlset>\n")

    _LISTING = re.compile(r"^/index\.php/category-(\d+)(?:_(\d+))?\.html$")
    _ARTICLE = re.compile(r"^/index\.php/post/(\d+)\.html$")

    def respond(self, path: str, base: str) -> tuple[int, str, str, bytes]:
        """(status, kind, content type, body) for a GET of ``path``."""
        html_type = "text/html; charset=utf-8"
        if m := self._ARTICLE.match(path):
            n = int(m[1])
            if 1 <= n <= self.total:
                return 200, "article", html_type, self.article(n).encode()
        elif m := self._LISTING.match(path):
            page = self.listing(m[1], int(m[2] or 1))
            if page is not None:
                return 200, "listing", html_type, page.encode()
        elif path in ("/", "/index.php", "/index.html"):
            return 200, "home", html_type, self.home().encode()
        elif path == "/feed.php":
            return 200, "feed", "application/rss+xml; charset=utf-8", self.feed(base).encode()
        elif path == "/sitemap.xml":
            return 200, "feed", "application/xml", self.sitemap(base).encode()
        elif path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
            return 200, "robots", "text/plain; charset=utf-8", body.encode()
        return 404, "missing", html_type, b"<html><head><title>404</title></head><body><h1>404</h1></body></html>"


class SiteServer:
    """Serve a SyntheticSite on 127.0.0.1 (ephemeral port): asyncio, HTTP/1.1 keep-alive.

    One event loop in a background thread. It counts requests per kind (``counts``) and
    notes when the first and the last request arrived (``first_at``/``last_at``, monotonic
    clock), so a benchmark can time a crawl from its first request.
    """

    def __init__(self, site: SyntheticSite, host: str = "127.0.0.1") -> None:
        self.site = site
        self.host = host
        self.port = 0
        self.counts: Counter[str] = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.starts: list[tuple[float, str]] = []  # (time.time(), path) of every request (the fleet benchmark)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.latency = 0.0  # seconds each answer waits before it is sent (a remote site's round trip)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset_counts(self) -> None:
        self.counts = Counter()
        self.first_at = self.last_at = None
        self.starts = []

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    def start(self) -> SiteServer:
        self._thread = threading.Thread(target=self._run, name="synthsite", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, self.host, 0, backlog=256, limit=1 << 16))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, _, rest = head.partition(b"\r\n")
                parts = request_line.split(b" ")
                if len(parts) != 3:
                    return
                method, target, version = parts
                path = target.decode("latin-1").split("?", 1)[0].split("#", 1)[0]
                self.starts.append((time.time(), path))
                now = time.monotonic()
                if self.first_at is None:
                    self.first_at = now
                self.last_at = now
                try:
                    status, kind, ctype, body = self.site.respond(path, self.url)
                except Exception as exc:  # noqa: BLE001 - a generator bug answers 500, loudly, not a dropped connection
                    status, kind, ctype, body = 500, "error", "text/plain", f"{type(exc).__name__}: {exc}".encode()
                self.counts[kind] += 1
                lower = rest.lower()
                keep = version == b"HTTP/1.1" and b"connection: close" not in lower
                reason = {200: "OK", 404: "Not Found"}.get(status, "Internal Server Error")
                headers = (f"HTTP/1.1 {status} {reason}\r\nServer: synthsite\r\nContent-Type: {ctype}\r\n"
                           f"Content-Length: {len(body)}\r\n" + ("" if keep else "Connection: close\r\n") + "\r\n")
                if self.latency:
                    await asyncio.sleep(self.latency)
                writer.write(headers.encode("latin-1") + (b"" if method == b"HEAD" else body))
                await writer.drain()
                if not keep:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()


# --- the server alone ----------------------------------------------------------------


async def _probe(host: str, port: int, paths: list[str], connections: int) -> int:
    """Fetch ``paths`` over ``connections`` keep-alive connections; returns bytes received."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    received = 0

    async def worker() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                path = queue.get_nowait()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"Content-Length: (\d+)", head)[1])
                received += len(await reader.readexactly(length))
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return received


def probe(url: str, paths: list[str], connections: int = 16) -> float:
    """Requests per second a plain asyncio client gets from the server at ``url`` (run it in
    another process than the server, so they do not share a GIL)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    start = time.perf_counter()
    asyncio.run(_probe(parts.hostname or "127.0.0.1", parts.port or 80, paths, connections))
    return len(paths) / (time.perf_counter() - start)


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description="Serve a synthetic park-news site, or probe one.")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--probe", metavar="URL", help="measure the server at URL instead of serving")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if args.probe:
        site = SyntheticSite(args.articles)
        paths = [site.article_path(1 + i % site.total) for i in range(args.requests)]
        print(json.dumps({"requests_per_second": probe(args.probe, paths, args.connections)}))
        sys.exit(0)
    with SiteServer(SyntheticSite(args.articles)) as server:
        print(f"serving {args.articles} synthetic articles at {server.url}/ (Ctrl-C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
