"""Bylines and datelines as Chinese news and park sites write them, and lines that only look like one."""

from __future__ import annotations

from typing import Any

import pytest

from parknews.extract.byline import BylineMatch, find_credits, match_byline, merge_bylines, parse_credit_field
from parknews.items import Byline


def _fields(b: Byline) -> dict[str, Any]:
    """The parsed fields that are set, for compact expectations."""
    out: dict[str, Any] = {}
    if b.outlet:
        out["outlet"] = b.outlet
    for role in ("reporters", "correspondents", "editors", "photographers"):
        if getattr(b, role):
            out[role] = getattr(b, role)
    return out


# (paragraph text, expected parsed fields) for paragraphs that are nothing but the byline.
WHOLE_LINE = [
    # newspaper byline under the headline (新民晚报)
    ("新民晚报记者 唐闻宜 通讯员 袁伟江", {"outlet": "新民晚报", "reporters": ["唐闻宜"], "correspondents": ["袁伟江"]}),
    ("解放日报记者 李晓 王芳", {"outlet": "解放日报", "reporters": ["李晓", "王芳"]}),
    # wire dateline with the reporter in brackets, nothing after it
    ("新华财经上海9月11日电 (谈瑞)", {"outlet": "新华财经", "reporters": ["谈瑞"]}),
    ("人民网北京3月1日电 (记者 李晓、王芳)", {"outlet": "人民网", "reporters": ["李晓", "王芳"]}),
    ("中新网上海10月12日电(记者 李晓)", {"outlet": "中新网", "reporters": ["李晓"]}),
    ("中国日报网北京6月1日电（记者 李晓）", {"outlet": "中国日报网", "reporters": ["李晓"]}),
    ("央视网消息(记者 李晓)", {"outlet": "央视网", "reporters": ["李晓"]}),
    # 本报讯: the paper's own outlet is not named
    ("本报讯(通讯员 张三)", {"correspondents": ["张三"]}),
    ("本报讯（记者 李四 通讯员 王五）", {"reporters": ["李四"], "correspondents": ["王五"]}),
    ("本报讯 记者 李四 通讯员 王五 赵六", {"reporters": ["李四"], "correspondents": ["王五", "赵六"]}),
    ("本报讯 记者 李四 通讯员 王五、赵六", {"reporters": ["李四"], "correspondents": ["王五", "赵六"]}),
    ("本报讯 记者 李四 通讯员 王五，赵六", {"reporters": ["李四"], "correspondents": ["王五", "赵六"]}),
    ("本报讯 记者 李四 通讯员 王五,赵六", {"reporters": ["李四"], "correspondents": ["王五", "赵六"]}),
    # bracketed credits closing the article
    ("(记者 唐闻宜 通讯员 袁伟江)", {"reporters": ["唐闻宜"], "correspondents": ["袁伟江"]}),
    ("（记者唐闻宜 通讯员袁伟江）", {"reporters": ["唐闻宜"], "correspondents": ["袁伟江"]}),
    ("（新华社记者 张三）", {"outlet": "新华社", "reporters": ["张三"]}),
    ("本报记者 张三", {"reporters": ["张三"]}),
    ("记者 唐闻宜 报道", {"reporters": ["唐闻宜"]}),
    ("记者 唐闻宜 报道。", {"reporters": ["唐闻宜"]}),
    ("记者龚雯通讯员袁伟江", {"reporters": ["龚雯"], "correspondents": ["袁伟江"]}),
    ("本报记者张三", {"reporters": ["张三"]}),
    ("记者 李四 实习生 赵六 通讯员 王五", {"reporters": ["李四", "赵六"], "correspondents": ["王五"]}),
    # magazine-style credits
    ("文/唐闻宜", {"reporters": ["唐闻宜"]}),
    ("文 / 唐闻宜", {"reporters": ["唐闻宜"]}),
    ("文丨唐闻宜", {"reporters": ["唐闻宜"]}),
    ("文/唐闻宜 图/袁伟江", {"reporters": ["唐闻宜"], "photographers": ["袁伟江"]}),
    ("文、图/唐闻宜", {"reporters": ["唐闻宜"], "photographers": ["唐闻宜"]}),
    ("唐闻宜/文 袁伟江/图", {"reporters": ["唐闻宜"], "photographers": ["袁伟江"]}),
    ("◎ 文/张三", {"reporters": ["张三"]}),
    # CMS author fields
    ("作者:唐闻宜", {"reporters": ["唐闻宜"]}),
    ("作者：唐闻宜 袁伟江", {"reporters": ["唐闻宜", "袁伟江"]}),
    ("本文作者：张三", {"reporters": ["张三"]}),
    ("作者:佚名", {}),
    ("作者:admin", {}),
    # editors are never reporters
    ("责任编辑:王五", {"editors": ["王五"]}),
    ("(责任编辑:王五)", {"editors": ["王五"]}),
    ("【编辑：王五】", {"editors": ["王五"]}),
    ("编辑：王五", {"editors": ["王五"]}),
    ("编辑：王五 审核：李四", {"editors": ["王五", "李四"]}),
    ("文/张三 编辑/李四", {"reporters": ["张三"], "editors": ["李四"]}),
    # photo credits
    ("摄影 张三", {"photographers": ["张三"]}),
    ("张三 摄", {"photographers": ["张三"]}),
    ("张三摄", {"photographers": ["张三"]}),
    ("(摄影 张三)", {"photographers": ["张三"]}),
    ("记者 张三 摄", {"photographers": ["张三"]}),
    ("张三 供图", {"photographers": ["张三"]}),
    # minority and foreign names
    ("买买提·艾力 摄", {"photographers": ["买买提·艾力"]}),
    ("文/John Smith", {"reporters": ["John Smith"]}),
    # a dateline alone on its line
    ("新华社客户端上海6月1日电", {"outlet": "新华社客户端"}),
    # an app and its paper joined by a middle dot, the name glued to "/文" and the picture credit
    ("顶端新闻·河南商报记者马俊峰/文受访者供图", {"outlet": "顶端新闻·河南商报", "reporters": ["马俊峰"]}),
    # a portal's regional channel as the outlet
    ("新华网黑龙江频道 记者 伊琳 李清芬", {"outlet": "新华网黑龙江频道", "reporters": ["伊琳", "李清芬"]}),
    # where the reporter filed from is not a second name
    ("新京报记者 彭冲 山东冠县报道", {"outlet": "新京报", "reporters": ["彭冲"]}),
    ("（记者 王芳 发自北京）", {"reporters": ["王芳"]}),
    ("记者 王芳报道", {"reporters": ["王芳"]}),
    # whoever was interviewed supplied the pictures: nobody to credit
    ("记者 张三 受访者供图", {"reporters": ["张三"]}),
]


@pytest.mark.parametrize(("line", "expected"), WHOLE_LINE)
def test_whole_line_bylines(line: str, expected: dict[str, Any]) -> None:
    match = match_byline(line)
    assert match is not None
    assert match.whole_line
    assert _fields(match.byline) == expected
    assert match.byline.raw == line[match.start : match.end]
    assert line[match.end :].strip(" 。") == ""


# (paragraph text, expected parsed fields, text left for the body) for datelines that open a paragraph.
PREFIXES = [
    (
        "新华网上海6月19日电(记者龚雯)先进生产基地的建设，离不开园区的配套。",
        {"outlet": "新华网", "reporters": ["龚雯"]},
        "先进生产基地的建设，离不开园区的配套。",
    ),
    (
        "新华网上海6月19日电（记者 龚雯） 先进生产基地的建设",
        {"outlet": "新华网", "reporters": ["龚雯"]},
        "先进生产基地的建设",
    ),
    ("新华社北京3月1日电 国务院总理主持召开国务院常务会议", {"outlet": "新华社"}, "国务院总理主持召开国务院常务会议"),
    ("央视网消息：近日，临港新片区发布新政。", {"outlet": "央视网"}, "近日，临港新片区发布新政。"),
    ("本报讯 记者 李四 近日，区经委召开会议。", {"reporters": ["李四"]}, "近日，区经委召开会议。"),
    ("（记者 张三）近日，园区召开大会。", {"reporters": ["张三"]}, "近日，园区召开大会。"),
    ("上海6月19日电（记者 龚雯）先进制造业", {"reporters": ["龚雯"]}, "先进制造业"),
    # a republished wire story keeps the agency's reporter
    (
        "据新华社拉萨电（记者 格桑边觉）记者近日从自治区农业农村厅获悉，去年改造户用卫生厕所4.66万座。",
        {"outlet": "新华社", "reporters": ["格桑边觉"]},
        "记者近日从自治区农业农村厅获悉，去年改造户用卫生厕所4.66万座。",
    ),
]


@pytest.mark.parametrize(("line", "expected", "rest"), PREFIXES)
def test_datelines_that_open_a_paragraph(line: str, expected: dict[str, Any], rest: str) -> None:
    match = match_byline(line)
    assert match is not None
    assert not match.whole_line
    assert _fields(match.byline) == expected
    assert line[match.end :].strip() == rest


def test_dateline_span_ends_after_the_bracket() -> None:
    line = "新华网上海6月19日电(记者龚雯)先进生产基地的建设..."
    match = match_byline(line)
    assert match == BylineMatch(
        byline=Byline(outlet="新华网", reporters=["龚雯"], raw="新华网上海6月19日电(记者龚雯)"),
        start=0,
        end=line.index(")") + 1,
        whole_line=False,
    )


NOT_BYLINES = [
    # ordinary sentences that mention a reporter
    "记者日前在上海松江区经委组织举办的产业园区推介会上获悉，今年以来园区新增企业120家。",
    "记者了解到，今年以来园区新增企业120家。",
    "记者 张三 在现场看到，一批新项目正在加紧建设。",
    # source lines and attributions are not bylines
    "据新华社报道",
    "来源:新华网",
    "来源：上海市经济和信息化委员会",
    "原标题：临港新片区发布新政",
    # headings that start with a label word
    "记者手记",
    "作者简介",
    "编辑推荐",
    "记者招待会",
    "摄影展开幕",
    # bare names, organisations, bracketed places
    "张三 李四",
    "上海市松江区经委",
    "（上海）近日，园区召开大会。",
    # a wire attribution without credits names a source, not a writer
    "据新华社北京3月1日电 国务院总理主持召开国务院常务会议。",
    # brackets closing a paragraph that hold no credits
    "园区新增企业120家（2024年）。",
    "会议在上海召开（完）",
    "他说的是张三（张三）。",
    # a long line that happens to start with credits
    "记者 张三 通讯员 李四 王五 赵六 钱七 孙八 周九 吴十 郑一 冯二 陈三 褚四 卫五 蒋六 沈七。",
    "",
    "   ",
]


@pytest.mark.parametrize("line", NOT_BYLINES)
def test_not_bylines(line: str) -> None:
    assert match_byline(line) is None


# (paragraph, expected fields, the paragraph without the credits) for credits in brackets that
# close the last paragraph: newspapers and weeklies sign the article at its end.
TRAILING = [
    (
        "该人士付之一笑：“所有的改革难道不都是利益再分配的过程吗？”（姚峰 上海报道）",
        {"reporters": ["姚峰"]},
        "该人士付之一笑：“所有的改革难道不都是利益再分配的过程吗？”",
    ),
    ("园区今年新增企业120家。（记者 张三 通讯员 李四）", {"reporters": ["张三"], "correspondents": ["李四"]}, "园区今年新增企业120家。"),
    ("图为园区全景。（上海市松江区经委 供图）", {}, "图为园区全景。"),
]


@pytest.mark.parametrize(("line", "expected", "rest"), TRAILING)
def test_credits_closing_a_paragraph(line: str, expected: dict[str, Any], rest: str) -> None:
    match = match_byline(line)
    assert match is not None
    assert not match.whole_line
    assert _fields(match.byline) == expected
    assert (line[: match.start] + line[match.end :]).strip() == rest


# (info line, expected fields) for credits anywhere in a line of label:value fields.
CREDIT_LINES = [
    ("来源：新华网 作者：张三 编辑：李四", {"reporters": ["张三"], "editors": ["李四"]}),
    ("02日14:25 作者： 赵婕 出自 [人民文学出版社]", {"reporters": ["赵婕"]}),
    ("连载：乔冠华才情人生 出版社：团结出版社 作者：罗银胜", {"reporters": ["罗银胜"]}),
    ("作者：芊草凡凡 时间：2005-08-22 19:13:18", {"reporters": ["芊草凡凡"]}),
    # a blog entry's foot: the handle is the author, "编辑" is the edit link
    ("作者:zboygirl 阅读(1660) 评论(5) 编辑 发表于:2005-07-31 12:30", {"reporters": ["zboygirl"]}),
    ("顶端新闻·河南商报记者马俊峰/文受访者供图", {"outlet": "顶端新闻·河南商报", "reporters": ["马俊峰"]}),
    # empty fields, placeholders, a CMS account number, a source: nobody
    ("作者： 来源： 发布日期： 2005-07-05", {}),
    ("作者：佚名 发布时间：2024-10-12", {}),
    ("作者：L_104485 发布时间：2022-02-13", {}),
    ("来源：巴彦淖尔日报", {}),
    # "记者" inside a word or a sentence is no label
    ("新华网记者了解到，今年以来园区新增企业120家", {}),
    ("在线荐稿 记者博客 联系记者", {}),
]


@pytest.mark.parametrize(("line", "expected"), CREDIT_LINES)
def test_find_credits_in_info_lines(line: str, expected: dict[str, Any]) -> None:
    assert _fields(find_credits(line)) == expected


def test_dateline_without_credits_is_kept_as_lead_only() -> None:
    # "记者了解到" is the article speaking, not a credit: only 本报讯 is stripped.
    match = match_byline("本报讯 记者了解到，今年以来园区新增企业120家。")
    assert match is not None
    assert (match.end, match.whole_line) == (3, False)
    assert _fields(match.byline) == {}


# (label, value, expected fields, expected raw) for 作者/编辑 fields of article info lines.
CREDIT_FIELDS = [
    ("作者", "唐闻宜", {"reporters": ["唐闻宜"]}, "作者：唐闻宜"),
    ("作者:", "唐闻宜 袁伟江", {"reporters": ["唐闻宜", "袁伟江"]}, "作者:唐闻宜 袁伟江"),
    ("责任编辑", "王五", {"editors": ["王五"]}, "责任编辑：王五"),
    ("编辑", "王五、李四", {"editors": ["王五", "李四"]}, "编辑：王五、李四"),
    ("记者", "李晓", {"reporters": ["李晓"]}, "记者：李晓"),
    ("通讯员", "袁伟江", {"correspondents": ["袁伟江"]}, "通讯员：袁伟江"),
    ("摄影", "张三", {"photographers": ["张三"]}, "摄影：张三"),
    ("作者", "新华社记者 张三", {"outlet": "新华社", "reporters": ["张三"]}, "作者：新华社记者 张三"),
    # names that name nobody
    ("作者", "佚名", {}, "作者：佚名"),
    ("作者", "匿名", {}, "作者：匿名"),
    ("作者", "admin", {}, "作者：admin"),
    ("作者", "管理员", {}, "作者：管理员"),
    ("作者", "本站", {}, "作者：本站"),
    ("作者", "本站原创", {}, "作者：本站原创"),
    ("作者", "上海市经济和信息化委员会", {}, "作者：上海市经济和信息化委员会"),
    ("作者", "松江区经委", {}, "作者：松江区经委"),
    ("作者", "中国产业园区网", {}, "作者：中国产业园区网"),
    ("作者", "www.example.com.cn", {}, "作者：www.example.com.cn"),
    ("作者", "L_104485", {}, "作者：L_104485"),
    ("作者", "园区观察编辑部", {}, "作者：园区观察编辑部"),
    # blog and forum handles are names
    ("作者", "zboygirl", {"reporters": ["zboygirl"]}, "作者：zboygirl"),
]


@pytest.mark.parametrize(("label", "value", "expected", "raw"), CREDIT_FIELDS)
def test_parse_credit_field(label: str, value: str, expected: dict[str, Any], raw: str) -> None:
    byline = parse_credit_field(label, value)
    assert _fields(byline) == expected
    assert byline.raw == raw


def test_unknown_credit_label_gives_empty_byline() -> None:
    assert parse_credit_field("来源", "新华网") == Byline()


def test_merge_bylines_unions_in_order() -> None:
    a = Byline(outlet=None, reporters=["张三"], raw="记者 张三")
    b = Byline(outlet="新民晚报", reporters=["张三", "李四"], editors=["王五"], raw="新民晚报记者 张三 李四")
    c = Byline(outlet="新华网", editors=["王五", "赵六"], photographers=["钱七"], raw="责任编辑：王五 赵六")
    merged = merge_bylines(a, b, c, Byline())
    assert merged == Byline(
        outlet="新民晚报",
        reporters=["张三", "李四"],
        editors=["王五", "赵六"],
        photographers=["钱七"],
        raw="记者 张三 | 新民晚报记者 张三 李四 | 责任编辑：王五 赵六",
    )


def test_merge_of_nothing_is_empty() -> None:
    assert merge_bylines() == Byline()
    assert merge_bylines(Byline(), Byline()) == Byline()
