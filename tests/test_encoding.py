"""Decoding by evidence: real GBK/GB18030/Big5 bytes, lying headers, pages that declare nothing."""

from __future__ import annotations

import pytest

from parknews.extract import ExtractionError, extract_article
from parknews.extract.encoding import DecodeError, decode_html

TEXT = "松江区经委蕞新数据显示，截至2021年6月底，松江共有生物医药产业相关企业近3000家。"
PAGE = """<html><head>{meta}<title>园区动态</title></head>
<body><div class="nav"><a href="/">首页</a></div>
<div class="content"><h1>松江生物医药产业集聚</h1><p>　　{text}</p><p>　　{text}</p></div></body></html>"""


def page(encoding: str, meta: str | None, text: str = TEXT) -> bytes:
    tag = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return PAGE.format(meta=tag, text=text).encode(encoding)


@pytest.mark.parametrize(
    ("raw", "header", "expected_codec"),
    [
        (page("utf-8", "utf-8"), "text/html; charset=utf-8", "utf-8"),
        (page("gbk", "gbk"), "text/html; charset=gbk", "gb18030"),
        # DedeCMS sites declare gb2312 but write GBK-only characters (蕞 is not in GB2312).
        (page("gbk", "gb2312"), None, "gb18030"),
        (page("gb18030", "gb18030"), None, "gb18030"),
        # A server-default UTF-8 header in front of a GBK page: the bytes win.
        (page("gbk", "gb2312"), "text/html; charset=utf-8", "gb18030"),
        # A GBK header in front of a UTF-8 page that says utf-8.
        (page("utf-8", "utf-8"), "text/html; charset=gbk", "utf-8"),
        # Nothing declared anywhere.
        (page("gbk", None), "text/html", "gb18030"),
        (page("utf-8", None), None, "utf-8"),
    ],
)
def test_decoded_text_is_the_chinese_text(raw: bytes, header: str | None, expected_codec: str) -> None:
    text, codec = decode_html(raw, content_type=header)
    assert codec == expected_codec
    assert TEXT in text
    assert "\ufffd" not in text


def test_big5_page_decodes_as_big5() -> None:
    traditional = "臺灣科學園區廠商營業額創新高，半導體產業持續擴張。"
    raw = (f'<html><head><meta charset="big5"><title>園區新聞</title></head>'
           f'<body><div class="content"><h1>科學園區</h1><p>{traditional}</p></div></body></html>').encode("big5")
    text, codec = decode_html(raw, content_type="text/html")
    assert codec == "big5" and traditional in text


def test_utf8_bom_wins() -> None:
    text, codec = decode_html(b"\xef\xbb\xbf" + page("utf-8", "gbk"))
    assert codec == "utf-8" and TEXT in text


def test_a_few_corrupt_bytes_do_not_lose_the_page() -> None:
    raw = page("gbk", "gbk").replace("截至".encode("gbk"), b"\xff\xfe")
    text, codec = decode_html(raw)
    assert codec == "gb18030" and "松江区经委蕞新数据显示" in text


@pytest.mark.parametrize("raw", [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"])
def test_empty_or_binary_input_is_a_decode_error(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_html(raw)
    with pytest.raises(ExtractionError) as info:
        extract_article(raw, "http://x.example/1.html")
    assert info.value.reason == "decode"


def test_extracted_record_says_which_encoding_was_used() -> None:
    article = extract_article(page("gbk", "gb2312"), "http://x.example/1.html", content_type="text/html; charset=utf-8")
    assert article.encoding == "gb18030"
    assert TEXT in article.body


def test_profile_override_forces_the_codec() -> None:
    text, codec = decode_html(page("gbk", "utf-8"), override="gbk")
    assert codec == "gb18030" and TEXT in text
