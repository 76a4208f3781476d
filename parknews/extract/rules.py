"""Boilerplate rules as data: named tables of compiled patterns.

A rule's name ("<table>.<entry>") is what the audit in ``Article.removed`` records,
so a wrong removal can be traced back to one line here. Add a rule by adding a
line, with a comment naming the kind of page it came from. Line rules match a
whole paragraph (after whitespace is collapsed), never a substring of a longer
sentence: "松江区经委蕞新数据显示" is text, while a paragraph that *is* a widget
label is boilerplate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["drop", "tail"]
"""drop: remove the paragraph. tail: remove the paragraph and everything after it."""


@dataclass(frozen=True)
class LineRule:
    name: str
    pattern: re.Pattern[str]
    action: Action = "drop"
    max_len: int = 200
    """Only paragraphs up to this many characters can match (guards real text)."""
    needs: tuple[str, ...] = ()
    """Lower-case words one of which every match contains: a substring test that skips the
    regex for most paragraphs (tests/test_rules.py checks each against its pattern)."""

    def matches(self, text: str, lowered: str) -> bool:
        """Whether the rule takes the paragraph ``text`` (``lowered`` is ``fold(text)``)."""
        if len(text) > self.max_len:
            return False
        if self.needs:
            for word in self.needs:
                if word in lowered:
                    break
            else:
                return False
        return self.pattern.search(text) is not None


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# Characters that a case-blind regex (re.I) matches to an ASCII letter but str.lower() does not
# turn into one: "İ" (lower: "i" + a combining dot), "ı", "ſ". ("K", the Kelvin sign, lowers to "k".)
_FOLDS = (("i\u0307", "i"), ("ı", "i"), ("ſ", "s"))


def fold(text: str) -> str:
    """text.lower(), and the few characters above turned into the letter re.I matches them to:
    a word found in ``fold(x)`` is what a case-blind regex finds in x."""
    low = text.lower()
    if not low.isascii():
        for odd, letter in _FOLDS:
            if odd in low:
                low = low.replace(odd, letter)
    return low


class ClassWords:
    """A test of an element's "class id" string: does it contain one of these words (any case)?

    With ``pattern``, the words are only a hint that every match of the pattern contains, and
    the pattern decides. Plain substring tests on the lower-cased string cost a fraction of a
    case-insensitive regex alternation, and most strings contain none of the words.
    """

    __slots__ = ("words", "pattern")

    def __init__(self, words: str, pattern: str | None = None) -> None:
        self.words = tuple(w.lower() for w in words.split("|"))
        self.pattern = re.compile(pattern, re.I) if pattern else None

    @classmethod
    def either(cls, *tests: ClassWords) -> ClassWords:
        """A test passed by a string that passes any of ``tests`` (each with a pattern)."""
        words = "|".join(w for t in tests for w in t.words)
        return cls(words, "|".join(t.pattern.pattern for t in tests if t.pattern is not None))

    def search(self, names: str) -> bool:
        low = fold(names)
        for word in self.words:
            if word in low:
                return self.pattern is None or self.pattern.search(names) is not None
        return False


def _token(words: str) -> ClassWords:
    """One of the words as a whole token of the class string ("share", "post-share", "share_box";
    not "shared"). ``words`` is a regex alternation; "-?" and "s?" mark optional parts."""
    hints = "|".join(max(re.split(r"[-_s]\?", w), key=len) for w in words.split("|"))
    return ClassWords(hints, rf"(^|[\s_-])({words})([\s_-]|$)")


# Elements removed from the whole page before anything else looks at it.
DROP_TAGS = (
    "script", "style", "noscript", "iframe", "button", "input", "select",
    "textarea", "svg", "canvas", "object", "embed", "template",
)

# Containers removed by their class or id (matched as a regex against "class id").
# Entry: name -> (pattern, where it came from).
CONTAINER_RULES: dict[str, tuple[ClassWords, str]] = {
    # rent.sh.cn Z-BlogPHP theme: share box, QR box, copyright, 本文链接, prev/next, related
    "share": (_token(r"share|bdshare|bdsharebuttonbox|social|jiathis|fenxiang"), "rent.sh.cn share box; Baidu share widget"),
    "qrcode": (_token(r"qr|qrcode|ewm|erweima|wxcode|weixin-code"), "rent.sh.cn 扫一扫 box"),
    "copyright": (_token(r"copyright|article-copyright|banquan|statement|disclaimer"), "rent.sh.cn 版权声明 box"),
    "permalink": (_token(r"article-link|permalink|post-link|benwen"), "rent.sh.cn 本文链接 line"),
    "prev_next": (_token(r"post-nav|prev-next|prevnext|nav-links|pre_next|shangxia|article-nav|post-navigation"), "Z-BlogPHP / WordPress 上一篇 下一篇"),
    "related": (_token(r"related|relate|xiangguan|xgwz|tuijian|recommend|yarpp|hot-?list|latest|rel-post"), "相关文章 lists on Z-BlogPHP, WordPress (YARPP), DedeCMS"),
    "comments": (_token(r"comments?|comment-list|respond|pinglun|reply|discuss"), "WordPress / Z-BlogPHP comment threads"),
    "ads": (_token(r"ad|ads|advert|adsbygoogle|guanggao|gg|zb-ad|banner-ad|sponsor"), "rent.sh.cn contact ad plugin; generic ad slots"),
    "tags": (_token(r"tags?|tagcloud|post-tags|article-tags|biaoqian|keywords?"), "标签 lines under WordPress / Z-BlogPHP posts"),
    "print_close": (_token(r"print|dayin|close-window|fontsize|font-size|zoom"), "government portals 【打印本页】【关闭窗口】【字体：大 中 小】"),
    "nav": (_token(r"nav|navbar|menu|breadcrumbs?|crumbs?|position|location|weizhi|topbar|header|footer|foot|sidebar|side|aside|widget"), "site chrome on every template"),
}



@functools.lru_cache(maxsize=2048)
def container_rules_for(names: str) -> tuple[str, ...]:
    """The CONTAINER_RULES matching a "class id" string, in table order. Templates repeat
    their class names on every element of a list and on every page of a site: each distinct
    string is matched once."""
    return tuple(name for name, (pattern, _origin) in CONTAINER_RULES.items() if pattern.search(names))


# Elements inside the article block whose short text is a field, not body (class or id).
FIELD_ELEMENTS: dict[str, ClassWords] = {
    # WeChat article header copied with the text: <span class="rich_media_meta_text">李蕾</span>;
    # CMS author spans (<span class="author">作者：X</span>)
    "reporters": ClassWords("rich_media_meta_text|author|writer|zuozhe", r"rich_media_meta_text|(^|[\s_-])(author|writer|zuozhe)([\s_-]|$)"),
    # WeChat account name (<a id="js_name">), CMS source spans (<span class="source">来源：X</span>)
    "source": ClassWords("rich_media_meta_nickname|js_name|source|laiyuan|copyfrom", r"rich_media_meta_nickname|js_name|(^|[\s_-])(source|laiyuan|copyfrom)([\s_-]|$)"),
}

# ASP.NET pages wrap the whole body in one <form>, so forms are dropped only when small
# (search boxes, comment forms), in article.py.

# Elements that FIELD_ELEMENTS would match but that hold something else: the WeChat header
# marks its date and IP location with the same class as its author (<em id="publish_time"
# class="rich_media_meta_text">, <em id="js_ip_wording_wrp" class="rich_media_meta_text">).
FIELD_ELEMENT_SKIP = ClassWords("time|date|ip_wording|publish|js_ip")

# Source values that name no source.
NO_SOURCE = {"未知", "不详", "本站", "本网", "网络", "互联网", "佚名", "原创", "admin"}

# Meta tags that carry the source outlet (lower-cased names): TRS government sites
# (ContentSource), Sohu (mediaid), generic CMS templates.
SOURCE_META = ("contentsource", "source", "mediaid", "article:source", "og:article:source")
# Elements anywhere on the page that name the publishing account: the WeChat header (<a id="js_name">).
SOURCE_ELEMENTS = ("#js_name", ".rich_media_meta_nickname", ".profile_nickname")
# Substrings of their class or id without which those elements cannot be there (skips the
# selectors); tests/test_rules.py checks each selector holds one.
SOURCE_ELEMENT_HINTS = ("js_name", "_nickname")

# Traditional forms of the characters in byline, caption, source and date labels, mapped
# one to one onto simplified ones (lengths unchanged), so one set of patterns reads both
# (Big5 reprints from Taiwan and Hong Kong: 記者 X 報導, 圖片來源, 發佈時間).
TRADITIONAL_LABELS = str.maketrans(
    "記報導編輯責攝訊員來圖發佈時間說為電稿訪撰寫審閱與",
    "记报道编辑责摄讯员来图发布时间说为电稿访撰写审阅与",
)


_TRADITIONAL_CHARS = re.compile("[" + "".join(chr(c) for c in TRADITIONAL_LABELS) + "]")


def simplify_labels(text: str) -> str:
    """Text with traditional label characters mapped to simplified (same length)."""
    # translate() looks every character up; a search for the few it maps is much cheaper.
    return text.translate(TRADITIONAL_LABELS) if _TRADITIONAL_CHARS.search(text) else text


# Tags that are chrome wherever they appear.
CHROME_TAGS = ("nav", "footer", "aside", "header")

# Paragraph-level rules. Checked in order; the first that matches wins. Each takes the *shape* of
# a boilerplate line (a label alone, a label and its value, a footer number), not a sentence that
# merely mentions its words: "该公司近日取得ICP证，成为……" is news, "沪ICP备12345678号-1" is a footer.

# The end of a label: a colon, a closing bracket, or the end of the line ("免责声明", "【免责声明】…").
_LABEL_END = r"\s*(?:[:：】\])）]|$)"
# What a QR or follow prompt asks for ("扫一扫关注公众号", "长按识别二维码添加微信").
_QR_ASKS = (r"二维码|关注|识别|添加|加入|加我|加好友|加群|进群|入群|下载|访问|阅读|公众号|小程序|微信|分享|朋友圈|"
            r"订阅|报名|领取|获取更多|了解更多|查看更多|咨询")
# Where a share widget sends the page ("分享到：微信 朋友圈 新浪微博 QQ空间").
_SHARE_TARGETS = (r"微信好友|微信朋友圈|朋友圈|微信|好友|新浪微博|腾讯微博|微博|QQ空间|QQ好友|QQ|豆瓣|人人网|开心网|"
                  r"百度贴吧|复制链接|更多|facebook|twitter|linkedin|whatsapp")
# Print / close / bookmark buttons of government portals; a line of them holds one of the first six.
_PAGE_BUTTONS = r"打印本页|打印本文|关闭窗口|打印此页|收藏本页|返回顶部"
_ANY_BUTTON = rf"{_PAGE_BUTTONS}|打印|关闭|收藏|纠错|返回|分享|字[体号][:：]?\s*[大中小](?:\s*[大中小]){{0,2}}"
# A parenthesised note after a contact number: "（微信同号）", "（工作日9:00-18:00）".
_NUMBER_NOTE = r"\s*(?:[(（][^()（）]{0,16}[)）])?\s*[。.]?$"

LINE_RULES: tuple[LineRule, ...] = (
    # --- contact and lead-generation ads (rent.sh.cn 葛毅明 block) ---
    # A name and 微信号, or a name, 微信 and an id: "葛毅明微信号", "客服微信：parkzs888".
    LineRule("contact.wechat_name", _r(r"^[\u4e00-\u9fffa-z·]{1,10}?的?(?:微信号(?:\s*[:：]\s*[a-z0-9][a-z0-9_-]{4,19})?|"
                                       r"(?:企业)?微信\s*[:：]\s*[a-z0-9][a-z0-9_-]{4,19})$"), max_len=30, needs=("微信",)),
    # A label and a 400/800 number, nothing after it: "产业招商/厂房土地租售:400 0123 021".
    LineRule("contact.hotline", _r(r"^(?:[^。，,！？!?；;]{0,24}?[:：/\s]\s*)?(?:400|800)[\s-]?\d{3,4}[\s-]?\d{3,4}" + _NUMBER_NOTE),
             max_len=80, needs=("400", "800")),
    # A 微信/手机/热线/QQ label and the number(s) ending the line: "或微信/手机:1352...".
    LineRule("contact.phone_line", _r(r"^[^。！？!?]{0,30}?(?:微信|手机|热线|QQ)[^。，,！？!?\d]{0,8}?[:：/\s]?\s*\d[\d\s/、,，-]{5,60}\d"
                                      + _NUMBER_NOTE), max_len=100, needs=("微信", "手机", "热线", "qq")),
    # The ad's own request, at the start of the line: "请说明您的需求、用途、税收..."
    LineRule("contact.need", _r(r"^[^。！？“”\"「」]{0,12}?请(说明|留下|告知)您的(需求|联系方式)"), max_len=120, needs=("请说明", "请留下", "请告知")),
    # Bare mobile numbers ("王经理 13912345678"), not an 11-digit amount ("13560000000元").
    LineRule("contact.mobile_run", _r(r"^[^。，,]{0,20}(?<!\d)1[3-9]\d{9}(?![\d万亿元件个人家台吨次])[^。]{0,20}$"), max_len=60),
    # --- QR prompts ---
    # The prompt alone, or with what it asks for: "扫一扫关注公众号", "长按/扫一扫加…微信号" (not "扫码即可办理…").
    LineRule("qr.scan", _r(rf"^(?:长按|扫一扫|扫码|扫描|微信扫一扫|用微信扫描)(?:[^。！？!?]{{0,20}}?(?:{_QR_ASKS})[^。！？!?]{{0,24}})?[\s。！!~:：]*$"),
             max_len=60),
    # rent.sh.cn "扫描二维码推送至手机访问。", at the start of a short line.
    LineRule("qr.push", _r(r"^[^。，,！？!?“”\"]{0,10}扫描二维码(推送至手机访问|分享到|关注|阅读)[^。！？!?]{0,24}[。！!]?$"),
             max_len=60, needs=("扫描二维码",)),
    # WeChat republications "点击上方蓝字关注我们", "点击上方“X”关注我们", "↑关注我们，…"
    LineRule("qr.follow", _r(r"^(?:(?:点击上方|点击蓝字|点击上方蓝字)[^。！？!?]{0,20}?(?:关注|订阅|星标|置顶)|↑?关注我们(?:[\s，,！!。~]|$)|"
                             r"(?:长按识别|识别二维码|长按二维码)[^。！？!?]{0,10}?(?:关注|添加|加入|进群|入群|下载|访问|阅读|公众号|小程序|$))"
                             r"[^。！？!?]{0,30}[。！!]?$"), max_len=60),
    # --- share widgets ---
    # rent.sh.cn "分享给朋友:", Baidu share "分享到：微信 新浪微博 QQ空间": the label and platform names only.
    LineRule("share.friends", _r(rf"^(?:分享给朋友|分享到|分享至|一键分享|转发到)[:：]?(?:\s*[|｜/、,，·]?\s*(?:{_SHARE_TARGETS}))*\s*[:：]?$"),
             max_len=60),
    # --- copyright and reprint notices ---
    # rent.sh.cn "版权声明:本文由…": a notice label, "版权所有" (not 版权所有人), or 郑重/特别声明 about the text or site.
    LineRule("copyright.notice", _r(rf"^[【\[(（]?(?:版权所有(?![人者方权])|(?:版权声明|免责声明|转载声明){_LABEL_END}|"
                                    r"(?:郑重声明|特别声明)\s*[:：】\])）](?=.{0,60}(?:本文|本站|本网|本平台|本号|公众号|转载|版权|侵权|观点|仅供参考|原作者|网络)))"),
             max_len=300, needs=("版权声明", "免责声明", "郑重声明", "版权所有", "特别声明", "转载声明")),
    # Reprint terms of the page itself: "未经授权不得转载", "如有侵权请联系删除" (not "未经许可擅自使用…", "如有侵权行为").
    LineRule("copyright.reprint", _r(r"(转载请注明|未经[^。，,]{0,8}?(授权|许可|同意)[，,]?\s*(不得|禁止|严禁|谢绝|请勿)[^。]{0,6}?(转载|复制|摘编|转贴|镜像|抄袭|转发)|"
                                     r"如有侵权[，,]?\s*(请|敬请|烦请)?\s*(联系|告知|通知)|请联系(我们|本站)删除|本文转载自|声明[:：]本文转载)"),
             max_len=200, needs=("转载请注明", "未经", "如有侵权", "请联系", "本文转载自", "声明")),
    # Footers pulled into content: a registration number after ICP备/ICP证/公网安备 ("沪ICP备12046817号-1",
    # "京ICP证000009号"), Copyright with ©/(C)/a year, © with an owner or a year ("© 2024 X", "© Reuters").
    LineRule("copyright.icp", _r(r"ICP[备证](?:案号|编号|号)?\s*[:：]?\s*(?:[\u4e00-\u9fff]{1,2}(?:ICP[备证])?)?\s*(?:[a-z]\d?-)?\d{6,}|"
                                 r"公网安备\s*(?:号\s*)?[:：]?\s*\d{8,}|Copyright\s*(?:©|ⓒ|\(c\)|(?:19|20)\d\d)|©\s*(?:(?:19|20)\d\d|[a-z])|(?:19|20)\d\d\s*©"),
             max_len=160, needs=("icp", "公网安备", "copyright", "©")),
    # --- permalink ---
    LineRule("permalink.line", _r(r"^(本文链接|本文地址|原文链接|文章链接|本文网址)[:：]"), max_len=200),  # rent.sh.cn "本文链接:http://…"
    # --- prev/next, print/close/font widgets ---
    # Z-BlogPHP "上一篇:标题", "上一篇 标题", "下一篇：没有了" (not "上一条生产线…", "下一篇章").
    LineRule("widget.prev_next", _r(r"^(上一篇|下一篇|上一条|下一条|前一篇|后一篇)(文章|新闻|信息)?([:：]|\s|$)"), max_len=120),
    # gov portals: a bracketed button ("【打印本页】【关闭窗口】") or a line of nothing but buttons ("打印本文 | 关闭窗口").
    LineRule("widget.print_close", _r(rf"[【\[](?:{_PAGE_BUTTONS})[】\]]|^(?=.*(?:{_PAGE_BUTTONS}))(?:[\s|｜/]*[【\[]?(?:{_ANY_BUTTON})[】\]]?)+[\s|｜/]*$"),
             max_len=60, needs=("打印本页", "打印本文", "关闭窗口", "打印此页", "收藏本页", "返回顶部")),
    # gov portals "【字体：大 中 小】": two or three sizes (not "字体大小分级", "老字号：大白兔").
    LineRule("widget.font_size", _r(r"(?<!老)字[体号]\s*[:：]?\s*[大中小](?:\s*[|｜/]?\s*[大中小]){1,2}(?![\u4e00-\u9fff])"), max_len=40, needs=("字体", "字号")),
    LineRule("widget.visitor_count", _r(r"^(您是本文)?第\s*\d+\s*(个|位)(阅览|访问|读)者[。.！!]?$"), max_len=30),  # old portal counters
    LineRule("widget.counters", _r(r"^(阅读|浏览|点击|阅读量|浏览次数|点击次数|点赞|在看|收藏)[:：]?\s*\d*\s*(次)?$"), max_len=30),
    # --- upstream leftovers in republished text ---
    LineRule("upstream.sohu_medal", _r(r"由内容质量、互动评论、分享传播等多维度分值决定"), max_len=200, needs=("由内容质量",)),  # Sohu author medal
    LineRule("upstream.sohu_back", _r(r"^返回搜狐[,，]?\s*查看更多"), action="tail", max_len=40),  # Sohu article foot
    LineRule("upstream.end_mark", _r(r"^[-—_=\s]*(END|End|end|完|全文完)[-—_=\s]*$"), action="tail", max_len=20),  # WeChat "END"
    LineRule("upstream.wechat_more", _r(r"^(往期推荐|往期回顾|推荐阅读|相关阅读|延伸阅读|猜你喜欢|精彩推荐|热门推荐|热文推荐|阅读原文)[:：]?$"), action="tail", max_len=20),
    # WeChat / Sohu editor notes about the views or the rights of the text (not "注：以上数据仅代表规上企业").
    LineRule("upstream.editor_note", _r(r"^(声明|注)[:：].{0,40}((不代表|仅代表).{0,12}(观点|立场|看法|意见)|版权归(原作者|作者|原|本|.{0,12}所有))"),
             max_len=200),
    # --- related / latest / hot lists ---
    LineRule("related.heading", _r(r"^(相关文章|相关新闻|相关阅读|相关资讯|相关推荐|最新文章|热门文章|热点文章|最新资讯|猜你喜欢|大家都在看)[:：]?$"), action="tail", max_len=12),
    # --- Sohu's location line under republished articles ("发布于：江苏省")
    LineRule("upstream.sohu_location", _r(r"^发布于[:：]\s*\S{2,10}$"), max_len=20),
    # --- widget labels of English-language news templates (galleries, ad slots, newsletter boxes) ---
    LineRule("widget.labels_en", _r(r"^(advertisement|advert|sponsored|caption|close|back to gallery|share|share this( on \w+)?|"
                                    r"comments?|trending|highlights|don'?t miss|read more|see more|related( articles| stories)?|"
                                    r"more stories|media playback is unsupported on your device|thanks for signing up!?|"
                                    r"sign up|subscribe|newsletter|print|email|tags|next|previous|loading\.*)[:.!]?$"), max_len=60),
    # --- comment threads ---
    # WordPress / DedeCMS "发表评论", "共12条评论 查看全部": the heading, a count, a short button text (not "网友评论称，…").
    LineRule("comments.heading", _r(r"^(发表评论|网友评论|评论列表|我要评论|共\d+条评论|\d+条评论|评论\(\d+\))"
                                    r"([:：]?\s*([(（]\d+[)）])?$|[:：\s|｜]+[^。，,！？!?]{0,16}$)"), action="tail", max_len=30),
    # --- tags line ---
    # WordPress / Z-BlogPHP "标签:政策", "Tags: a, b": a list, no sentence ("关键词：创新。今年以来…" is a section).
    LineRule("widget.tags", _r(r"^(标签|Tags?|关键词|关键字)\s*[:：][^。！？!?]{0,100}$"), max_len=120),
)

# Any word some line rule needs: a paragraph with none skips all those rules at once.
_ANY_NEEDED = re.compile("|".join(sorted({re.escape(w) for r in LINE_RULES for w in r.needs}, key=len, reverse=True)))


# The rules without needed words all match at the start of a paragraph: one match for them all.
# (tests/test_rules.py checks that every rule without needed words is anchored with "^").
_STARTING = frozenset(r.name for r in LINE_RULES if not r.needs)
_ANY_STARTING = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in LINE_RULES if r.name in _STARTING), re.I)


def first_line_rule(text: str) -> LineRule | None:
    """The first of LINE_RULES that takes the paragraph ``text`` (same answer as trying each
    rule's :meth:`LineRule.matches` in order, with one scan for all the needed words and one
    match for all the rules that read the paragraph's start)."""
    length = len(text)
    lowered = ""
    hinted: bool | None = None
    starting: bool | None = None
    for rule in LINE_RULES:
        if length > rule.max_len:
            continue
        if rule.needs:
            if hinted is None:
                lowered = fold(text)
                hinted = _ANY_NEEDED.search(lowered) is not None
            if not hinted:
                continue
        else:
            if starting is None:
                starting = _ANY_STARTING.match(text) is not None
            if not starting:
                continue
        if rule.matches(text, lowered):
            return rule
    return None


# Labelled lines that carry a field: the value is kept, the paragraph leaves the body.
# "来源：X" as a line of its own, or followed only by other fields ("文章来源：千龙网 2024-06-12"),
# not a sentence that starts with the label ("来源：市统计局。1-5月，…").
SOURCE_LINE = _r(r"^[【\[(（]?\s*(?:信息)?(?:来源|稿源|出处|文章来源|来源于)\s*[:：]\s*(?P<value>[^\s】\])）|｜。，,；;！？!?]{2,30})"
                 r"(?:[\s】\])）|｜][^。，,；;！？!?]*)?[。.]?$")
ORIGINAL_TITLE_LINE = _r(r"^[【\[(（]?\s*原标题\s*[:：]\s*(?P<value>.+?)\s*[】\])）]?$")

# Labels of a CMS "info line" under the title (发布时间/来源/作者/点击次数 on DedeCMS).
INFO_LINE_HINT = _r(r"(发布时间|发布日期|发表时间|来源|作者|编辑|点击|浏览|阅读)[:：]")

# Link texts that never belong to a breadcrumb trail.
BREADCRUMB_SKIP = {"首页", "主页", "网站首页", "首頁", "主頁", "網站首頁", "home", "Home", "HOME",
                   "正文", "正文内容", "當前位置", "当前位置", "您的位置", "内容"}

# Class or id of elements that hold an image caption or photo credit (treated like <figcaption>).
CAPTION_CLASSES = _token(r"caption|captions|figcaption|wp-caption-text|photo-?credit|image-?credit|img-?credit|"
                     r"pic_?txt|pictext|pic-?text|img_?desc|img-?desc|imgtxt|photo-?desc|tpms|tuzhu")

ATTACHMENT_EXT = _r(r"\.(pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|txt|csv)(\?|#|$)")
