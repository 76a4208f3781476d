"""Recognise bylines and datelines (记者/通讯员/编辑/摄影, "新华网上海6月19日电") and parse them into a Byline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parknews.items import Byline

# Byline fields a label or marker fills (attribute names of Byline).
REPORTERS = "reporters"
CORRESPONDENTS = "correspondents"
EDITORS = "editors"
PHOTOGRAPHERS = "photographers"
_ROLE_FIELDS: tuple[str, ...] = (REPORTERS, CORRESPONDENTS, EDITORS, PHOTOGRAPHERS)

Roles = tuple[str, ...]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"

# What may follow a label before the names: "记者：", "文/", "编辑 | ", "文丨", or nothing ("记者龚雯").
_TAIL = r"\s*[:：/／|丨]?\s*"

# Role labels, tried in order at the start of each token, so a longer label goes before
# a label it contains (责任编辑 before 编辑, 摄影记者 before 记者, 文/图 before 文/).
_LABELS: tuple[tuple[re.Pattern[str], Roles], ...] = (
    # 文、图/X, 文/图：X, 图文/X: one person wrote and photographed (newspaper and blog pages)
    (re.compile(rf"(?:文\s*[、/／&]\s*图片?|图\s*[、/／&]?\s*文){_TAIL}"), (REPORTERS, PHOTOGRAPHERS)),
    # 摄影记者 X, 摄影 X, 摄像 X: photo credits in captions and under galleries
    (re.compile(rf"(?:摄影记者|摄影|摄像){_TAIL}"), (PHOTOGRAPHERS,)),
    # 图/X, 图：X, 图片/X: picture credit beside 文/X (magazine-style portals); bare 图 is too common to count
    (re.compile(r"图片?\s*[:：/／|丨]\s*"), (PHOTOGRAPHERS,)),
    # 责任编辑：X, 责编 X, 编辑/X, 审核：X: editorial sign-off at the foot of news and government pages
    (re.compile(rf"(?:责任编辑|值班编辑|网络编辑|责编|编辑|主编|审核|审校|校对){_TAIL}"), (EDITORS,)),
    # 通讯员 X: the unit's press officer credited beside the reporter (local newspapers)
    (re.compile(rf"(?:特约)?通讯员{_TAIL}"), (CORRESPONDENTS,)),
    # 记者 X, 本报记者 X, 首席记者 X, 驻沪记者 X: newspapers, wire services, portals
    (re.compile(rf"(?:首席|特约|特派|见习|实习|本报|本刊|本台|本网|驻[{_CJK}]{{1,4}})?记者{_TAIL}"), (REPORTERS,)),
    # 实习生 X: interns share the writing credit (there is no separate field for them)
    (re.compile(rf"实习生{_TAIL}"), (REPORTERS,)),
    # 作者：X, 撰稿 X, 文字：X: CMS author fields and magazine credits
    (re.compile(rf"(?:本文)?(?:作者|撰稿|撰文|执笔|文字){_TAIL}"), (REPORTERS,)),
    # 文/X, 文 / X, 文丨X: the slash is required, a bare 文 starts ordinary words
    (re.compile(r"文\s*[:：/／|丨]\s*"), (REPORTERS,)),
)

# Words written after the names: (pattern, role, whether it overrides a label's role).
_MARKERS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    # "张三 摄", "记者 张三 摄", "张三/摄", "张三 摄影报道": the picture credit of newspapers and captions
    (re.compile(r"(?:[/／]\s*)?(?:摄影报道|摄影|拍摄|摄)"), PHOTOGRAPHERS, True),
    # "上虞区委宣传部供图", "张三 供图", "张三/图": supplied picture, magazine-style credit
    (re.compile(r"(?:[/／]\s*)?供图|[/／]\s*图片?"), PHOTOGRAPHERS, True),
    # "张三/文": the reversed writing credit of magazine-style pages
    (re.compile(r"[/／]\s*文"), REPORTERS, True),
    # "记者 X 报道", "X 采写": only confirms a writer, never turns a 通讯员 into a reporter
    (re.compile(r"(?:报道|采写|撰写)"), REPORTERS, False),
)

# After the names, where they reported from: "山东冠县报道", "发自北京" (a place glued to 报道).
_PLACE_REPORT = re.compile(rf"[{_CJK}]{{2,8}}?报道|发自[{_CJK}]{{2,8}}")

_LABEL_ALT = "|".join(p.pattern for p, _ in _LABELS)
_MARKER_ALT = "|".join(p.pattern for p, _, _ in _MARKERS)
# Where a marker may end: the end of the credits, a space, a closing bracket, punctuation or the next label.
_MARKER_END = rf"(?=$|[\s)）\]】。.，,;；、]|{_LABEL_ALT}|[{_CJK}]{{1,10}}?供图)"
# Where a name may end. Names are often glued to the next label ("记者龚雯通讯员袁伟江") or to
# a marker ("张三摄"), so both count as the end of a name.
_NAME_END = rf"(?=$|[\s、，,;；/／|丨)）\]】(（:：。.\d]|(?:{_MARKER_ALT}){_MARKER_END}|{_LABEL_ALT})"

# One person.
_NAME = re.compile(
    rf"(?:[{_CJK}]{{1,6}}[·•・‧．][{_CJK}]{{1,8}}(?:[·•・‧．][{_CJK}]{{1,8}}){{0,3}}"  # 买买提·艾力
    rf"|[{_CJK}]{{2,4}}?"  # 唐闻宜: shortest run that ends at a name boundary
    rf"|[A-Z][A-Za-z'’\-]+(?: [A-Z][A-Za-z'’.\-]+){{0,3}}"  # John Smith
    rf"|[A-Za-z][A-Za-z0-9_\-]{{2,19}})"  # zboygirl, ggjjzhzz: blog and forum handles
    + _NAME_END
)

# Credits that name nobody: consumed so the line still counts as a byline, then dropped.
_NOBODY = re.compile(
    rf"(?:佚名|匿名|不详|未知|小编|网友|游客|网络|原创|(?:网站|系统|超级)?管理员|编辑部"
    rf"|受访者|受访单位|采访对象|主办方|承办方|组委会|官方|资料图?片?"  # "受访者供图": supplied by whoever was interviewed
    rf"|本[站网报刊台][{_CJK}]{{0,4}}"  # 本站, 本网编辑, 本站原创
    rf"|admin(?:istrator)?|guest|editor|webmaster"
    rf"|[A-Za-z]{{1,3}}_?\d{{4,}}"  # L_104485, u1234567: a CMS account number, not a pen name
    rf"|(?:https?://)?(?:www\.)?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"  # a domain as author (site CMS default)
    + _NAME_END,
    re.I,
)

# Organisation names given as the author ("作者：上海市经济和信息化委员会"): consumed, not a person.
_ORG_SUFFIXES: tuple[str, ...] = (
    "委员会", "管委会", "办公室", "政府", "中心", "公司", "集团", "园区", "协会", "学会", "商会",
    "研究院", "研究所", "电视台", "通讯社", "出版社", "杂志社", "报社", "日报", "晚报", "新闻", "网站",
    "编辑部", "工作室", "栏目组", "课题组", "记者站",
    "委", "局", "办", "厅", "网", "站", "报",  # single characters: 建社, 建华 stay names; no given name ends in 委/局
)
_ORG = re.compile(rf"[{_CJK}A-Za-z0-9]{{2,24}}?(?:{'|'.join(_ORG_SUFFIXES)}){_NAME_END}")

# Tokens that look like names but start the article text after a bare byline
# ("本报讯 记者 李四 近日，…", "记者了解到，…").
_NOT_NAMES: frozenset[str] = frozenset(
    {
        "近日", "日前", "昨日", "昨天", "今日", "今天", "明天", "近期", "目前", "当前", "此前", "本周", "上周",
        "今年", "去年", "日前在", "了解到", "获悉", "看到", "发现", "注意到", "表示", "介绍", "采访",
        "走访", "来到", "获悉称",
        # headings that start with a label word: 记者手记, 作者简介, 编辑推荐, 摄影作品
        "手记", "简介", "推荐", "作品", "观察", "感言", "专访", "调查", "札记", "笔记", "心得", "随笔",
        "大赛", "比赛", "培训", "队伍", "招募", "风采", "节日", "手册", "说明", "须知", "寄语",
        # info-line words after an empty label ("作者：  发布时间：…", "编辑 发表于:…")
        "发表于", "发布于", "发表", "发布", "时间", "日期", "来源", "出处", "阅读", "评论", "浏览", "点击",
        "字号", "打印", "关闭", "分享", "收藏", "转载", "投稿", "纠错", "更新", "修改", "删除", "回复", "查看",
        "出自", "选自", "摘自", "转自", "来自", "出版", "出版社",
        # taxonomy words of an entry's meta line ("作者 admin 分类 园区新闻 标签 招商")
        "分类", "标签", "栏目", "类别", "关键词", "关键字", "所属栏目", "所属分类", "字体",
        "none", "null", "undefined",  # template placeholders
    }
)

# Common single-character surnames and the compound ones. Only consulted for the riskiest
# form, a lone label glued to a word ("记者龚雯" vs the heading "记者招待会", "摄影展开幕").
_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲"
    "虞敖巩明佘池查麻苑迟邝洪"
)
_COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
)

# Outlet names: known ones first (their suffix would split them wrongly: "中国日报网", "21世纪经济报道"),
# then anything ending like an outlet. Sorted longest first so alternation prefers the full name.
_KNOWN_OUTLETS: tuple[str, ...] = tuple(
    sorted(
        (
            "新华社客户端", "新华社", "新华网", "新华财经", "人民网", "人民日报", "中新网", "中新社", "中国新闻网",
            "央视网", "央视新闻", "中国日报网", "21世纪经济报道", "澎湃新闻", "界面新闻", "第一财经", "财联社",
            "经济观察网", "东方网", "上观新闻", "新民晚报", "解放日报", "文汇报", "光明网", "中国经济网",
        ),
        key=len,
        reverse=True,
    )
)
_OUTLET_SUFFIX = r"(?:日报|晚报|早报|商报|时报|周刊|杂志|新闻|财经|客户端|电视台|广播电台|电台|频道|网|社|报)"
_OUTLET_GENERIC = rf"(?:\d{{1,3}})?[{_CJK}A-Za-z]{{1,10}}{_OUTLET_SUFFIX}"
_OUTLET_ONE = rf"(?:{'|'.join(map(re.escape, _KNOWN_OUTLETS))}|{_OUTLET_GENERIC})"
# "顶端新闻·河南商报": an app or channel and its paper, joined by a middle dot.
_OUTLET = rf"{_OUTLET_ONE}(?:[·・]{_OUTLET_ONE})?"
_OUTLET_RE = re.compile(_OUTLET)
# The same without the known names first, for "新华网黑龙江频道" (a known name is only its start).
_OUTLET_GENERIC_RE = re.compile(rf"{_OUTLET_GENERIC}(?:[·・]{_OUTLET_ONE})?")
# "This paper / this site": the page's own outlet, which the byline does not name.
_SELF_OUTLETS: frozenset[str] = frozenset({"本报", "本网", "本刊", "本台", "本站"})

# Leads that open a paragraph; the credits (if any) follow them.
_LEADS: tuple[re.Pattern[str], ...] = (
    # 新华网上海6月19日电, 新华社北京电, 本报上海3月1日电: wire-service and newspaper datelines
    re.compile(rf"(?P<outlet>{_OUTLET})(?P<place>[{_CJK}]{{0,8}}?)(?:\d{{1,2}}月\d{{1,2}}日)?电(?=[\s(（:：]|$)"),
    # 本报讯, 东方网讯, 央视网消息: "news from" leads of newspaper sites and portals
    re.compile(rf"(?P<outlet>{_OUTLET})(?:讯|消息)(?=[\s(（:：]|$)"),
    # 上海6月19日电（记者 X）: a dateline without the outlet, accepted only before credits in brackets
    re.compile(rf"(?P<place>[{_CJK}]{{2,6}})\d{{1,2}}月\d{{1,2}}日电(?=\s*[(（])"),
)

# Lines that credit a source, not a writer: "来源：…", "据新华社报道", "原标题：…".
_NOT_BYLINE = re.compile(r"(?:据|来源|信息来源|稿件来源|文章来源|本文来源|新闻来源|原标题|转自|转载自|出处)")

# Decoration before a byline in print-style pages: "□记者 张三", "◎ 文/张三".
_LEADING_JUNK = re.compile(r"[\s□■◎]*")
_SEPS = re.compile(r"[\s、，,;；|丨/／]*")
_SPACES = re.compile(r"\s*")
_LABEL_SEPARATED = re.compile(r"[\s:：/／|丨]$")
_OPEN = "(（【["
_CLOSE = ")）】]"
# What may be left after a whole-line byline.
_TRAILING = re.compile(r"[\s。.;；,，]*$")
_SENTENCE_PUNCT = re.compile(r"[。！？!?]")
# A whole-line byline is short: longer lines with sentence punctuation are article text.
_MAX_BYLINE_WITH_PUNCT = 40
_MAX_BYLINE = 80


@dataclass
class BylineMatch:
    """A byline found in one paragraph, with where it sits in that paragraph."""

    byline: Byline
    """Parsed fields; ``raw`` is the matched text."""
    start: int
    """Start of the byline text within the input line."""
    end: int
    """End (exclusive) of the byline text within the input line."""
    whole_line: bool
    """True when the line is nothing but the byline (drop the paragraph); False for a
    dateline that opens a paragraph (strip ``line[:end]``, keep the rest)."""


@dataclass
class _Credits:
    """What the credit tokenizer read: names with their roles, and how far it got."""

    outlet: str | None = None
    names: list[tuple[str, Roles | None]] = field(default_factory=list)
    evidence: int = 0
    """Labels and markers seen: a run of bare names is not a byline."""
    glued: int = 0
    """Labels written straight against the following word, with no space or colon."""
    end: int = 0
    """End of the last name or marker consumed."""

    @property
    def resolved(self) -> bool:
        """Every name has a role and something said these are credits."""
        return bool(self.names) and all(r is not None for _, r in self.names)


def _match_label(text: str, pos: int) -> tuple[re.Match[str], Roles] | None:
    for pattern, roles in _LABELS:
        m = pattern.match(text, pos)
        if m:
            return m, roles
    return None


def _match_marker(text: str, pos: int) -> tuple[re.Match[str], str, bool] | None:
    for pattern, role, override in _MARKERS:
        m = pattern.match(text, pos)
        if m and re.match(_MARKER_END, text[m.end() :]):
            return m, role, override
    return None


def _outlet_before_label(text: str, pos: int) -> re.Match[str] | None:
    """An outlet name at pos that a role label follows ("新民晚报记者", "新华网黑龙江频道 记者")."""
    for pattern in (_OUTLET_RE, _OUTLET_GENERIC_RE):
        m = pattern.match(text, pos)
        if m and _match_label(text, _SPACES.match(text, m.end()).end()):
            return m
    return None


def _read_credits(text: str, pos: int, default: Roles | None = None) -> _Credits:
    """Read labels, names and markers from ``pos`` until something else starts."""
    cr = _Credits(end=pos)
    roles = default
    group: list[int] = []  # names since the last label or marker, which a marker re-assigns
    while True:
        if group:
            # A marker may follow the names after spaces or a slash ("张三/摄"), so look before
            # separators are skipped.
            found_marker = _match_marker(text, _SPACES.match(text, pos).end())
            if found_marker:
                m, role, override = found_marker
                for i in group:
                    name, old = cr.names[i]
                    if override or old is None:
                        cr.names[i] = (name, (role,))
                group = []
                cr.evidence += 1
                pos = cr.end = m.end()
                continue
        p = _SEPS.match(text, pos).end()
        if p >= len(text):
            break
        found_label = _match_label(text, p)
        if found_label:
            m, roles = found_label
            group = []
            cr.evidence += 1
            if not _LABEL_SEPARATED.search(m.group()):
                cr.glued += 1
            pos = m.end()
            continue
        if group:
            # "记者 彭冲 山东冠县报道", "(姚峰 上海报道)", "记者 张三 发自北京": the place the
            # names reported from, not another name.
            pm = _PLACE_REPORT.match(text, p)
            if pm and re.match(_MARKER_END, text[pm.end() :]):
                for i in group:
                    name, old = cr.names[i]
                    if old is None:
                        cr.names[i] = (name, (REPORTERS,))
                group = []
                cr.evidence += 1
                pos = cr.end = pm.end()
                continue
        if not cr.names and cr.evidence == 0 and cr.outlet is None:
            # "新民晚报记者 唐闻宜": an outlet may open the credits, glued or spaced to a label.
            om = _outlet_before_label(text, p)
            if om:
                cr.outlet = om.group()
                pos = om.end()
                continue
        nobody = _NOBODY.match(text, p)
        m = nobody or _NAME.match(text, p)
        org = None if nobody else _ORG.match(text, p)
        if org and (m is None or org.end() > m.end()):
            m = org  # "园区观察编辑部": the organisation, not a name "园区观察" and a label "编辑"
        if m is None or m.group() in _NOT_NAMES or text.startswith((":", "："), m.end()):
            break  # "作者：佚名 发布时间：…": a word before a colon labels the next field
        if nobody:
            group = []  # "张三 受访者供图": a marker after a nobody is the nobody's, not 张三's
        group.append(len(cr.names))
        cr.names.append((m.group(), roles))
        pos = cr.end = m.end()
    return cr


def _looks_like_name(word: str) -> bool:
    """A CJK word that starts with a common surname, or any Latin/dotted name."""
    if not re.match(f"[{_CJK}]", word) or re.search("[·•・‧．]", word):
        return True
    return word[0] in _COMMON_SURNAMES or word.startswith(_COMPOUND_SURNAMES)


def _is_person(name: str) -> bool:
    """False for 佚名/admin/本站 and for organisations given where a person belongs."""
    if _NOBODY.fullmatch(name) or name in _NOT_NAMES:
        return False
    return not (len(name) >= 3 and name.endswith(_ORG_SUFFIXES))


def _to_byline(cr: _Credits, raw: str, outlet: str | None = None) -> Byline:
    byline = Byline(outlet=_clean_outlet(outlet or cr.outlet), raw=raw)
    for name, roles in cr.names:
        if not _is_person(name):
            continue
        for role in roles or ():
            names: list[str] = getattr(byline, role)
            if name not in names:
                names.append(name)
    return byline


def _clean_outlet(outlet: str | None) -> str | None:
    if not outlet or outlet in _SELF_OUTLETS:
        return None
    return outlet


def _is_blank_rest(text: str, pos: int) -> bool:
    return _TRAILING.match(text, pos) is not None


def _after_lead(line: str, start: int, lead: re.Match[str]) -> BylineMatch | None:
    """The credits after a dateline lead, in brackets or bare; the lead alone when none follow."""
    outlet = lead.groupdict().get("outlet")
    end = lead.end()
    cr = _Credits()
    q = _SPACES.match(line, end).end()
    if q < len(line) and line[q] in _OPEN:
        # "电(记者龚雯)", "电 (谈瑞)": a bare name in the dateline's brackets is the reporter.
        inner = _read_credits(line, q + 1, default=(REPORTERS,))
        close = _SPACES.match(line, inner.end).end()
        if inner.resolved and close < len(line) and line[close] in _CLOSE:
            cr, end = inner, close + 1
    elif q < len(line) and line[q] in ":：":
        end = q + 1
    else:
        # "本报讯 记者 李四 通讯员 王五": bare credits need a label, and must not be glued
        # to the text that follows ("记者了解到，…" is a sentence).
        bare = _read_credits(line, q)
        if bare.resolved and bare.evidence and (
            _is_blank_rest(line, bare.end) or line[bare.end].isspace()
        ):
            cr, end = bare, bare.end
    whole = _is_blank_rest(line, end)
    if not whole and lead.groupdict().get("outlet") is None and not cr.names:
        return None  # an outlet-less dateline is only trusted with credits
    return BylineMatch(_to_byline(cr, line[start:end], outlet), start, end, whole)


def match_byline(line: str) -> BylineMatch | None:
    """Recognise a byline/dateline at the start or as the whole of one paragraph, or bracketed
    credits closing it ("…。（姚峰 上海报道）", returned with ``whole_line`` False)."""
    start = _LEADING_JUNK.match(line).end()
    if start >= len(line):
        return None
    if _NOT_BYLINE.match(line, start):
        found = _match_syndicated(line, start)
    else:
        found = _match_lead(line, start) or _match_bracketed(line, start)
        if found is None and len(line) - start <= _MAX_BYLINE + 2:
            # Bare credits fill the line: a longer one cannot be read as one (below).
            found = _match_bare(line, start)
    found = found or _match_trailing(line, start)
    if found is None:
        return None
    if found.whole_line:
        text = line.strip()
        if len(text) > _MAX_BYLINE or (len(text) > _MAX_BYLINE_WITH_PUNCT and _SENTENCE_PUNCT.search(text)):
            return None
    return found


def _match_lead(line: str, start: int) -> BylineMatch | None:
    for lead in _LEADS:
        m = lead.match(line, start)
        if m:
            found = _after_lead(line, start, m)
            if found:
                return found
    return None


def _match_syndicated(line: str, start: int) -> BylineMatch | None:
    """"据新华社拉萨电（记者 格桑边觉）…": a republished wire story keeps its reporter. Only with
    credits: "据新华社报道" and a bare "据新华社北京电" attribute a source, not a writer."""
    if line[start] != "据":
        return None
    for lead in _LEADS:
        m = lead.match(line, start + 1)
        if m:
            found = _after_lead(line, start, m)
            if found and any(getattr(found.byline, role) for role in _ROLE_FIELDS):
                return found
    return None


# Credits in brackets at the very end of a paragraph: "…（姚峰 上海报道）", "…。(记者 张三)".
_TRAILING_CREDIT = re.compile(r"[(（][^()（）]{2,40}[)）][\s。.]*$")


def _match_trailing(line: str, start: int) -> BylineMatch | None:
    m = _TRAILING_CREDIT.search(line, start)
    if m is None or m.start() <= start:
        return None  # a line that is only the bracket is _match_bracketed's
    cr = _read_credits(line, m.start() + 1)
    close = _SPACES.match(line, cr.end).end()
    if not (cr.resolved and cr.evidence and close < len(line) and line[close] in _CLOSE):
        return None
    if not _TRAILING.fullmatch(line, close + 1):
        return None
    return BylineMatch(_to_byline(cr, line[m.start() : close + 1]), m.start(), len(line.rstrip()), False)


def _match_bracketed(line: str, start: int) -> BylineMatch | None:
    """"(记者 X 通讯员 Y)", "（责任编辑：X）", "(摄影 X)", as the line or opening it."""
    if line[start] not in _OPEN:
        return None
    cr = _read_credits(line, start + 1)
    close = _SPACES.match(line, cr.end).end()
    if not (cr.resolved and cr.evidence and close < len(line) and line[close] in _CLOSE):
        return None
    end = close + 1
    return BylineMatch(_to_byline(cr, line[start:end]), start, end, _is_blank_rest(line, end))


def _match_bare(line: str, start: int) -> BylineMatch | None:
    """"新民晚报记者 唐闻宜 通讯员 袁伟江", "文/X 图/Y", "X 摄": only when they fill the line."""
    cr = _read_credits(line, start)
    if not (cr.resolved and cr.evidence and _is_blank_rest(line, cr.end)):
        return None
    if cr.evidence == 1 and cr.glued == 1 and not _looks_like_name(cr.names[0][0]):
        return None  # "记者招待会", "摄影展开幕": a heading, not "记者龚雯"
    end = len(line.rstrip())
    return BylineMatch(_to_byline(cr, line[start:end]), start, end, True)


def parse_credit_field(label: str, value: str) -> Byline:
    """作者:/责任编辑:/编辑:/记者:/通讯员:/摄影: field values from article meta lines → Byline.

    '佚名', '匿名', 'admin', '管理员', '本站' and organisation or site names name nobody:
    the lists stay empty and ``raw`` keeps the field. An unknown label gives an empty Byline.
    ``raw`` is the label and value, with "：" between them unless the label ends in a colon.
    """
    key = label.strip()
    bare_key = key.rstrip(":：").strip()
    found = _match_label(bare_key + "：", 0)
    if found is None or found[0].end() != len(bare_key) + 1:
        return Byline()
    roles = found[1]
    value = value.strip()
    raw = key + value if key.endswith((":", "：")) else f"{key}：{value}"
    return _to_byline(_read_credits(value, 0, default=roles), raw)


def merge_bylines(*parts: Byline) -> Byline:
    """Union preserving order, no duplicates; outlet = first non-empty; raw joined with ' | '."""
    merged = Byline()
    raws: list[str] = []
    seen: set[str] = set()
    for part in parts:
        if merged.outlet is None and part.outlet:
            merged.outlet = part.outlet
        for role in _ROLE_FIELDS:
            names: list[str] = getattr(merged, role)
            names.extend(n for n in getattr(part, role) if n not in names)
        for raw in (part.raw or "").split(" | "):
            key = "".join(raw.split()).replace("：", ":")  # the same line read twice, spaced differently
            if raw and key not in seen:
                seen.add(key)
                raws.append(raw)
    merged.raw = " | ".join(raws) or None
    return merged


# Where a credit label may start inside a line: its start, or after a space, a bar or a bracket.
_TOKEN_BEFORE = frozenset(" \t|｜丨【[(（,，;；")


def find_credits(line: str) -> Byline:
    """Credits anywhere in one info line: "来源：新华网 作者：张三 编辑：李四",
    "02日14:25 作者： 赵婕", "作者:zboygirl 阅读(1660) 评论(5)".

    A label counts at the start of the line or after a space, bar or bracket, and only with a
    separator after it ("作者：", "文/", "记者 ") unless a surname follows ("记者龚雯"); 来源 and
    other source fields are not credits. Returns an empty Byline when the line names nobody.
    """
    parts: list[Byline] = []
    i = 0
    while i < len(line):
        if i and line[i - 1] not in _TOKEN_BEFORE:
            i += 1
            continue
        found = _match_label(line, i)
        outlet = None if found else _outlet_before_label(line, i)
        if (found is None and outlet is None) or _NOT_BYLINE.match(line, i):
            i += 1
            continue
        if outlet is not None:  # "新民晚报记者 唐闻宜", "顶端新闻·河南商报记者马俊峰/文"
            found = _match_label(line, _SPACES.match(line, outlet.end()).end())
        label = found[0]
        cr = _read_credits(line, i)
        if not cr.names:
            i = label.end()
            continue
        if not _LABEL_SEPARATED.search(label.group()) and not _looks_like_name(cr.names[0][0]):
            i = label.end()  # "记者了解到", "编辑部": a word, not a credit
            continue
        parts.append(_to_byline(cr, line[i : cr.end].strip()))
        i = max(cr.end, i + 1)
    return merge_bylines(*parts) if parts else Byline()
