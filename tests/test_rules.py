"""The fast paths of the rule tables decide exactly as their regexes do.

Line rules carry ``needs`` (words one of which every match contains) and class rules carry hint
words; both only skip the regex when it could not match. A wrong hint would silently stop a rule
from firing, so each is checked against its pattern on every text line and class string of the
project's own fixture pages and demo site, plus a line written to match each rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from parknews.extract import authors, body, dates, rules
from parknews.extract.article import _CRUMB_NAMES
from parknews.extract.encoding import decode_html
from parknews.extract.page import collapse

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    p
    for base in (ROOT / "tests" / "fixtures", ROOT / "parknews" / "demo_site")
    for p in base.rglob("*")
    if p.suffix in (".html", ".htm", ".php") and p.is_file()
)

# One line per rule with `needs`, written to match it (traditional and upper-case forms too).
MATCHING_LINES = {
    "contact.wechat_name": ["葛毅明微信号"],
    "contact.hotline": ["产业招商热线：400-820-1234", "厂房租售 800 123 4567"],
    "contact.phone_line": ["或微信/手机:13524061234", "QQ：12345678", "咨询热线 021 5555 1234"],
    "contact.need": ["请说明您的需求、用途、税收"],
    "qr.push": ["扫描二维码推送至手机访问。"],
    "copyright.notice": ["版权声明：本文由园区招商网整理", "【免责声明】本站不承担责任", "版权所有 © 2024"],
    "copyright.reprint": ["转载请注明出处", "未经授权不得转载", "如有侵权请联系我们删除", "声明：本文转载自新华网"],
    "copyright.icp": ["沪ICP备12345678号", "Copyright 2024 All Rights Reserved", "COPYRIGHT ©", "沪公网安备 31011202000001号",
                      "沪İCP备12345678号", "CopyrİGHT 2024"],  # İ: re.I matches it to i, str.lower() does not
    "widget.print_close": ["【打印本页】【关闭窗口】", "返回顶部"],
    "widget.font_size": ["【字体：大 中 小】", "字号：大 中 小"],
    "upstream.sohu_medal": ["由内容质量、互动评论、分享传播等多维度分值决定，勋章级别越高"],
}


def _page_texts() -> tuple[set[str], set[str]]:
    lines: set[str] = set()
    classes: set[str] = set()
    for path in PAGES:
        text, _ = decode_html(path.read_bytes())
        tree = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
        if tree is None:
            continue
        for piece in tree.itertext():
            for line in piece.splitlines():
                if collapse(line):
                    lines.add(collapse(line))
        for el in tree.iter(etree.Element):
            if el.get("class") or el.get("id"):
                classes.add(f"{el.get('class') or ''} {el.get('id') or ''}")
    return lines, classes


LINES, CLASSES = _page_texts()


def test_the_corpus_is_the_fixture_pages():
    assert len(PAGES) >= 30
    assert len(LINES) > 1000 and len(CLASSES) > 300


@pytest.mark.parametrize("rule", [r for r in rules.LINE_RULES if r.needs], ids=lambda r: r.name)
def test_line_rule_needs_never_hide_a_match(rule):
    examples = MATCHING_LINES[rule.name]
    for line in examples:
        assert rule.pattern.search(line), f"example {line!r} does not match {rule.name}"
    for line in [*examples, *LINES]:
        if len(line) <= rule.max_len:
            assert rule.matches(line, rules.fold(line)) == bool(rule.pattern.search(line)), line


def test_every_line_rule_with_needs_has_an_example():
    assert {r.name for r in rules.LINE_RULES if r.needs} == set(MATCHING_LINES)


CLASS_RULES = {
    **{f"container.{name}": words for name, (words, _origin) in rules.CONTAINER_RULES.items()},
    **{f"field.{name}": words for name, words in rules.FIELD_ELEMENTS.items()},
    "caption": rules.CAPTION_CLASSES,
    "crumb": _CRUMB_NAMES,
    "author": authors._AUTHOR_CLASS,
    "editor": authors._EDITOR_CLASS,
    "credit": authors._CREDIT_CLASS,
}
# Class strings each hinted rule must take (the regex-only alternatives among them).
MATCHING_CLASSES = ["post-share", "qrcode", "hot-list", "comments", "zb-ad", "pic_txt", "photo-credit",
                    "rich_media_meta_text", "js_name", "breadcrumb", "place", "zz", "zrbj", "Author",
                    "post-ſhare", "AUTHOR-İNFO", "tıme", "\u212aeywords"]  # letters re.I folds to ASCII


@pytest.mark.parametrize("name", sorted(CLASS_RULES))
def test_class_hints_never_hide_a_match(name):
    words = CLASS_RULES[name]
    assert words.pattern is not None
    for names in [*MATCHING_CLASSES, *CLASSES]:
        assert words.search(names) == bool(words.pattern.search(names)), names


def test_plain_class_words_are_case_blind_substrings():
    assert body._POSITIVE.search("TRS_Editor") and body._POSITIVE.search("trs_editor")
    assert body._NEGATIVE.search("Sidebar-Left") and not body._NEGATIVE.search("entry-content")
    assert dates._DATE_CLASS.search("pubTime") and not dates._DATE_CLASS.search("entry")


def test_first_line_rule_is_the_first_rule_whose_regex_matches():
    for line in [*LINES, *(line for lines in MATCHING_LINES.values() for line in lines)]:
        expected = next((r for r in rules.LINE_RULES if len(line) <= r.max_len and r.pattern.search(line)), None)
        assert rules.first_line_rule(line) is expected, line


def test_rules_without_needed_words_read_the_start_of_the_paragraph():
    # first_line_rule matches them all at once, case-blind, at position 0: each must be
    # case-blind and anchored there in every alternative ("^a|b" would not be).
    from re import _parser as sre_parse  # the stdlib's regex parser: the pattern's structure

    for rule in rules.LINE_RULES:
        assert rule.pattern.flags & re.I, rule.name
        if not rule.needs:
            first_op, first_arg = sre_parse.parse(rule.pattern.pattern)[0]
            assert (first_op, first_arg) == (sre_parse.AT, sre_parse.AT_BEGINNING), rule.name


def test_reading_length_counts_as_the_regex_does():
    from parknews.extract.index import _READING_UNITS, text_length

    mixed = ["上海G60科创走廊 “2024” 年", "naïve café’s déjà-vu", "Apple’s iPhone — 15 Pro…", "", " ", "１２３ＡＢＣ",
             "記者 X 報導", "a_b c-d 3.14", "\u00a0\u3000上虞\u200b区"]
    for line in [*mixed, *LINES]:
        assert text_length(line) == len(_READING_UNITS.findall(line)), line


def test_every_source_element_selector_holds_a_hint():
    for selector in rules.SOURCE_ELEMENTS:
        assert any(hint in selector for hint in rules.SOURCE_ELEMENT_HINTS), selector


def test_text_of_is_the_xpath_string_value():
    from parknews.extract.page import text_of

    for path in PAGES:
        text, _ = decode_html(path.read_bytes())
        tree = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
        for el in tree.iter(etree.Element) if tree is not None else ():
            assert text_of(el) == el.xpath("string()"), (path.name, el.tag)
