"""The benchmark's metric functions, checked by hand on tiny strings."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

# The benchmarks package sits at the repo root, which plain ``pytest`` does not put on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scoring import (  # noqa: E402
    PageScore,
    PairCounts,
    aggregate,
    author_matches,
    body_edges,
    body_paragraphs,
    byline_pairs,
    cjk_tokens,
    count_captions,
    count_pairs,
    date_matches,
    found_strings,
    known_author,
    known_date,
    missing_strings,
    normalize_author,
    parse_ymd,
    same_day,
    same_title,
    score_page,
    shingles,
    word_tokens,
)


def test_word_tokens_are_w_runs() -> None:
    assert word_tokens("Hello, world! 2024_x  é-t") == ["Hello", "world", "2024_x", "é", "t"]
    assert word_tokens("园区开工了。好") == ["园区开工了", "好"]
    assert word_tokens(None) == []


def test_cjk_tokens_split_every_ideograph() -> None:
    assert cjk_tokens("园区abc 12号楼!") == ["园", "区", "abc", "12", "号", "楼"]
    # Extension A (U+3400) and the compatibility block (U+F900) are CJK too.
    assert cjk_tokens("\u3400x\uf900") == ["\u3400", "x", "\uf900"]
    # Kana is not in the CJK ranges: a run of it stays one token.
    assert cjk_tokens("カタカナ漢") == ["カタカナ", "漢"]


def test_shingles() -> None:
    assert shingles(["a", "b", "c", "d", "e"]) == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})
    assert shingles(["a", "b"]) == Counter({("a", "b"): 1})
    assert shingles([]) == Counter()
    assert shingles(["a"] * 5) == Counter({("a", "a", "a", "a"): 2})


def test_score_page_counts_and_normalizes() -> None:
    s = score_page("a b c d e f", "a b c d e x")
    assert (s.tp, s.fp, s.fn) == (0.5, 0.25, 0.25)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)


def test_score_page_multiset() -> None:
    s = score_page("a a a a a", "a a a a")
    assert (s.tp, s.fp, s.fn) == (0.5, 0.0, 0.5)
    assert (s.precision, s.recall) == (1.0, 0.5)


def test_score_page_empty_extraction_has_no_precision() -> None:
    s = score_page("a b c d", "")
    assert (s.tp, s.fp, s.fn) == (0.0, 0.0, 1.0)
    assert s.precision is None
    assert s.recall == 0.0
    assert s.f1 == 0.0
    both = score_page("", None)
    assert (both.precision, both.recall, both.f1) == (None, None, None)


def test_score_page_with_cjk_tokenizer() -> None:
    s = score_page("园区开工了", "园区开工", tokenize=cjk_tokens)
    assert (s.precision, s.recall) == (1.0, 0.5)
    # With \w+ each clause is a single token, so the same pair shares nothing.
    s = score_page("园区开工了", "园区开工")
    assert (s.tp, s.fp, s.fn) == (0.0, 0.5, 0.5)


def test_aggregate_means_over_defined_pages() -> None:
    pages = [PageScore(0.5, 0.25, 0.25), PageScore(0.0, 0.0, 1.0), PageScore(1.0, 0.0, 0.0)]
    scores = aggregate(pages)
    assert scores.precision == pytest.approx(5 / 6)  # the empty extraction is skipped
    assert scores.recall == pytest.approx(5 / 9)
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.pages == 3
    assert aggregate([]).f1 is None


def test_author_matching() -> None:
    assert normalize_author("Zhang San, 李四") == "zhangsan李四"
    assert author_matches("记者 张三 李四", "张三")
    assert author_matches("张三", "张三 李四")
    assert author_matches("赵延东 风笑天", "赵延东、风笑天")
    assert author_matches("ZBOYGIRL", "zboygirl")
    assert not author_matches("王五", "张三")
    assert not author_matches("", "张三")
    assert not author_matches(None, "张三")
    assert not author_matches("、", "张三")
    assert not known_author("UNKNOWN")
    assert not known_author("")
    assert known_author("茉莉")


def test_parse_ymd() -> None:
    assert parse_ymd("2024-10-12T14:35:06+08:00") == (2024, 10, 12)
    assert parse_ymd("2005-5-7 21:23:57") == (2005, 5, 7)
    assert parse_ymd("发布时间：2005年5月7日 10:00") == (2005, 5, 7)
    assert parse_ymd("Posted 2019/01/02") == (2019, 1, 2)
    assert parse_ymd("1998-3") == (1998, 3, None)
    assert parse_ymd("2018") == (2018, None, None)
    assert parse_ymd("UNKNOWN") is None
    assert parse_ymd("刘涛") is None
    assert parse_ymd("1612345678") is None
    assert parse_ymd(None) is None


def test_date_matching_uses_the_parts_the_truth_gives() -> None:
    assert date_matches("2005-05-07", "2005-5-7 21:23:57")
    assert date_matches("2018-05-01", "2018")
    assert not date_matches("2017-05-01", "2018")
    assert date_matches("1998-03-15", "1998-3")
    assert not date_matches("1998", "1998-3")
    assert not date_matches(None, "2018")
    assert not date_matches("2005-05-08", "2005-5-7")
    assert known_date("2005-5-7") and not known_date("UNKNWON") and not known_date("")


def test_found_and_missing_strings_ignore_whitespace() -> None:
    body = "扫码关注\n我们\n园区 新闻"
    assert found_strings(body, ["扫码 关注我们", "广告"]) == ["扫码 关注我们"]
    assert missing_strings(body, ["园区新闻", "招商"]) == ["招商"]
    assert found_strings(None, ["x"]) == []


def test_byline_pairs_precision_recall() -> None:
    expected = byline_pairs({"reporters": ["张三", "李四"], "editors": ["王五"]})
    extracted = byline_pairs({"reporters": ["张 三"], "editors": ["李四"], "photographers": ["赵六", " "]})
    counts = count_pairs(expected, extracted)
    assert counts == PairCounts(matched=1, extracted=3, expected=3)
    assert counts.precision == pytest.approx(1 / 3)
    assert counts.recall == pytest.approx(1 / 3)
    total = counts + PairCounts(matched=2, extracted=2, expected=3)
    assert (total.precision, total.recall) == (0.6, 0.5)
    assert PairCounts().precision == 1.0 and PairCounts().recall == 1.0


def test_caption_recall() -> None:
    counts = count_captions(["图为 园区 一角", "B"], ["图为园区一角", "C", "图为园区一角"])
    assert counts == PairCounts(matched=1, extracted=3, expected=2)
    assert counts.recall == 0.5


def test_same_day_and_title() -> None:
    assert same_day("2024-10-12T14:35:06+08:00", "2024-10-12")
    assert not same_day("2024-10-11", "2024-10-12")
    assert not same_day(None, "2024-10-12")
    assert same_day(None, "")
    assert not same_day("2024-10-12", "")
    assert same_title(" 标题  一 ", "标题 一")
    assert not same_title(None, "标题")
    assert same_title(None, "")


def test_body_paragraphs_and_edges() -> None:
    body = " 第一段\u3000文字，开头二十个字符之后还有更多内容。\n\n \xa0\nshort\n最后一段：这一段的最后二十个字符会被比较，前面的不会。"
    assert body_paragraphs(body) == [
        "第一段 文字，开头二十个字符之后还有更多内容。",
        "short",
        "最后一段：这一段的最后二十个字符会被比较，前面的不会。",
    ]
    assert body_edges(body) == ("第一段 文字，开头二十个字符之后还有更多", "段的最后二十个字符会被比较，前面的不会。")
    assert body_edges("2022年6月20日") == ("2022年6月20日", "2022年6月20日")
    assert body_edges(None) == ("", "")
