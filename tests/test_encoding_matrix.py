"""One realistic Chinese article page in every encoding a park-news site sends, under every kind of
label: right, missing, Tomcat's ISO-8859-1 default, and a wrong CJK charset.

5 encodings x 4 meta charsets x 3 HTTP header charsets = 60 cells. Each cell must decode to exactly
the document that was encoded (the inserted meta tag is part of both) and extract to the article.
"""

from __future__ import annotations

import random

import pytest

from parknews.extract import ExtractionError, extract_article
from parknews.extract.encoding import DecodeError, decode_html

URL = "http://www.parknews.example/a/yuanqudongtai/2024/1012/1234.html"

# --- the article, simplified (GB pages, UTF-8, UTF-16) and traditional (Big5 pages) ------------

TITLE_S = "漕河泾开发区松江园区举办2024年度重点项目集中签约仪式"
PARAS_S = [
    "本报讯（记者 王建华）10月12日上午，漕河泾开发区松江园区2024年度重点项目集中签约仪式在园区科创中心举行。"
    "本次共有18个项目现场签约，总投资额超过65亿元，涉及集成电路、生物医药、智能制造和新材料等领域。",
    "区委常委、副区长李明在致辞中表示，园区将继续坚持“产业为本、服务为先”的理念，进一步优化营商环境，"
    "为入驻企业提供从注册登记、人才引进到融资对接的全流程服务，推动更多优质项目早落地、早投产、早见效。",
    "据园区管委会介绍，今年以来，园区累计引进重点产业项目43个，新增高新技术企业27家，实现工业总产值312亿元，"
    "同比增长11.6%。其中，集成电路产业链上下游企业已超过120家，初步形成了设计、制造、封装测试相互配套的产业集群。",
    "签约仪式后，与会嘉宾还参观了园区新建成的公共技术服务平台和人才公寓。一位刚刚签约的企业负责人说："
    "“园区的配套设施很完善，交通也方便，我们计划明年第一季度正式投产，预计年产值可达8亿元。”",
    "下一步，园区将围绕“十四五”规划目标，加快建设长三角G60科创走廊重要节点，力争到2025年底，"
    "园区规模以上工业企业达到500家以上，打造具有国际影响力的先进制造业基地。",
]
SIDEBAR_S = ["园区概况", "招商引资", "企业风采", "政策法规", "联系我们"]
HOT_S = ["松江园区新增三家上市企业", "长三角G60科创走廊建设提速", "园区人才公寓第二期开工"]
SITE_S = "漕河泾开发区松江园区"
NAV_S = ["首页", "园区动态", "通知公告", "招商服务"]
INFO_S = "发布时间：2024-10-12 10:35　来源：园区管委会　浏览次数："
FOOTER_S = "版权所有 漕河泾开发区松江高科技园发展有限公司　沪ICP备12345678号"

REPORTER_S = "王建华"
REPORTER_T = "王建華"

TITLE_T = "漕河涇開發區松江園區舉辦2024年度重點項目集中簽約儀式"
PARAS_T = [
    "本報訊（記者 王建華）10月12日上午，漕河涇開發區松江園區2024年度重點項目集中簽約儀式在園區科創中心舉行。"
    "本次共有18個項目現場簽約，總投資額超過65億元，涉及積體電路、生物醫藥、智慧製造和新材料等領域。",
    "區委常委、副區長李明在致辭中表示，園區將繼續堅持「產業為本、服務為先」的理念，進一步優化營商環境，"
    "為進駐企業提供從註冊登記、人才引進到融資對接的全流程服務，推動更多優質項目早落地、早投產、早見效。",
    "據園區管委會介紹，今年以來，園區累計引進重點產業項目43個，新增高新技術企業27家，實現工業總產值312億元，"
    "同比增長11.6%。其中，積體電路產業鏈上下游企業已超過120家，初步形成了設計、製造、封裝測試相互配套的產業聚落。",
    "簽約儀式後，與會嘉賓還參觀了園區新建成的公共技術服務平台和人才公寓。一位剛剛簽約的企業負責人說："
    "「園區的配套設施很完善，交通也方便，我們計劃明年第一季度正式投產，預計年產值可達8億元。」",
    "下一步，園區將圍繞「十四五」規劃目標，加快建設長三角G60科創走廊重要節點，力爭到2025年底，"
    "園區規模以上工業企業達到500家以上，打造具有國際影響力的先進製造業基地。",
]
SIDEBAR_T = ["園區概況", "招商引資", "企業風采", "政策法規", "聯絡我們"]
HOT_T = ["松江園區新增三家上市企業", "長三角G60科創走廊建設提速", "園區人才公寓第二期開工"]
SITE_T = "漕河涇開發區松江園區"
NAV_T = ["首頁", "園區動態", "通知公告", "招商服務"]
INFO_T = "發佈時間：2024-10-12 10:35　來源：園區管委會　瀏覽次數："
FOOTER_T = "版權所有 漕河涇開發區松江高科技園發展有限公司　滬ICP備12345678號"

PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{meta}
<title>{title}_{site}</title>
<meta name="keywords" content="{site},{nav1}" />
<link href="/templets/default/style/dedecms.css" rel="stylesheet" type="text/css" />
<style type="text/css">.w960{{width:960px;margin:0 auto}} .pright{{float:right;width:260px}}</style>
<script type="text/javascript">
var _hmt = _hmt || [];
(function() {{ var hm = document.createElement("script"); hm.src = "//hm.example.com/hm.js?4f1c";
  var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); }})();
</script>
</head>
<body class="articleview">
<div class="header"><div class="top w960 center"><div class="title"><h2><a href="/">{site}</a></h2></div></div>
<div class="module blue mT10 wrapper w963"><div id="navMenu"><ul>{nav}</ul></div></div></div>
<div class="w960 center clear mt1">
 <div class="pleft">
  <div class="place"><strong>{here}</strong> <a href="/">{nav0}</a> &gt; <a href="/a/yuanqudongtai/">{nav1}</a> &gt;</div>
  <div class="viewbox">
   <div class="title"><h2>{title}</h2></div>
   <div class="info"><small>{info}</small><script src="/plus/count.php?view=yes&aid=1234&mid=1" type="text/javascript" language="javascript"></script></div>
   <div class="content"><table width="100%"><tr><td>
    <div id="contentMidPicAD" style="float:right; clear:both; top:0; vertical-align:top;"></div>
    <div style="font-size: 14px; line-height: 2em">
{paras}
    </div>
   </td></tr></table></div>
  </div>
 </div>
 <div class="pright">
  <div class="commend"><dl class="tbox"><dt><strong>{hot_head}</strong></dt><dd><ul class="c1 ico2">{hot}</ul></dd></dl></div>
  <div class="infos_userinfo"><ul>{sidebar}</ul></div>
 </div>
</div>
<div class="footer w960 center mt1 clear"><div class="footer_body"><p class="powered">{footer}</p></div></div>
</body>
</html>
"""


def build_page(encoding: str, meta: str | None) -> tuple[str, str, list[str]]:
    """(html, title, paragraphs) of the article page to encode in ``encoding`` with this meta charset."""
    trad = encoding == "big5"
    title, paras = (TITLE_T, PARAS_T) if trad else (TITLE_S, PARAS_S)
    nav, sidebar, hot = (NAV_T, SIDEBAR_T, HOT_T) if trad else (NAV_S, SIDEBAR_S, HOT_S)
    if meta is None:
        tag = ""
    elif encoding in ("gbk", "big5"):
        tag = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}" />'
    else:
        tag = f'<meta charset="{meta}">'
    html = PAGE.format(
        meta=tag,
        title=title,
        site=SITE_T if trad else SITE_S,
        here="目前位置：" if trad else "当前位置：",
        nav0=nav[0],
        nav1=nav[1],
        nav="".join(f'<li><a href="/a/{i}/">{n}</a></li>' for i, n in enumerate(nav)),
        info=INFO_T if trad else INFO_S,
        paras="\n".join(f'     <p style="text-indent:2em">&nbsp;&nbsp;{p}</p>' for p in paras),
        hot_head="熱點新聞" if trad else "热点新闻",
        hot="".join(f'<li><a href="/a/{i}.html">{h}</a></li>' for i, h in enumerate(hot)),
        sidebar="".join(f"<li>{s}</li>" for s in sidebar),
        footer=FOOTER_T if trad else FOOTER_S,
    )
    return html, title, paras


ENCODINGS = ["utf-8", "gbk", "gb18030", "big5", "utf-16"]
RIGHT = {"utf-8": "utf-8", "gbk": "gbk", "gb18030": "gb18030", "big5": "big5", "utf-16": "utf-16"}
WRONG_CJK = {"gbk": "big5", "big5": "gbk", "utf-8": "gbk", "gb18030": "big5", "utf-16": "gbk"}
METAS = ["right", "missing", "iso-8859-1", "wrong-cjk"]
HEADERS = ["right", "missing", "ISO-8859-1"]
#: The codec decode_html may report for a page in each encoding (GBK is read as its superset).
CODECS = {
    "utf-8": {"utf-8"},
    "gbk": {"gb18030"},
    "gb18030": {"gb18030"},
    "big5": {"big5", "big5hkscs", "cp950"},
    "utf-16": {"utf-16-le", "utf-16-be", "utf-16"},
}


def meta_label(encoding: str, meta: str) -> str | None:
    return {"right": RIGHT[encoding], "missing": None, "iso-8859-1": "iso-8859-1", "wrong-cjk": WRONG_CJK[encoding]}[meta]


def header_value(encoding: str, header: str) -> str:
    return {"right": f"text/html; charset={RIGHT[encoding]}", "missing": "text/html",
            "ISO-8859-1": "text/html;charset=ISO-8859-1"}[header]


def check(raw: bytes, html: str, title: str, paras: list[str], content_type: str | None, codecs: set[str]) -> None:
    text, codec = decode_html(raw, content_type=content_type)
    assert codec in codecs
    assert text == html
    article = extract_article(raw, URL, content_type=content_type)
    assert article.encoding == codec
    assert article.title == title
    assert article.byline.reporters == [REPORTER_T if "記者" in paras[0] else REPORTER_S]
    _, rest = paras[0].split("）", 1)
    assert article.body.startswith(rest)
    for para in paras[1:]:
        assert para in article.body
    assert "热点新闻" not in article.body and "熱點新聞" not in article.body


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("meta", METAS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_matrix_cell(encoding: str, meta: str, header: str) -> None:
    html, title, paras = build_page(encoding, meta_label(encoding, meta))
    raw = html.encode(encoding)
    check(raw, html, title, paras, header_value(encoding, header), CODECS[encoding])


def test_the_matrix_pages_are_what_they_claim() -> None:
    """Sanity of the data: real non-ASCII text, Big5 pages really traditional, GBK ones not Big5."""
    html_s, _, _ = build_page("gbk", "gbk")
    html_t, _, _ = build_page("big5", "big5")
    html_s.encode("gbk")
    html_t.encode("big5")
    with pytest.raises(UnicodeEncodeError):
        html_s.encode("big5")
    assert len(html_s.encode("gbk")) > 2000


# --- UTF-16 without a BOM -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "meta", "content_type"),
    [
        ("utf-16-le", "utf-16", None),
        ("utf-16-le", "utf-16le", "text/html"),
        ("utf-16-le", None, "text/html; charset=utf-16"),
        ("utf-16-le", None, "text/html; charset=UTF-16LE"),
        ("utf-16-le", None, None),
        ("utf-16-be", "utf-16be", "text/html; charset=utf-16be"),
        ("utf-16-be", None, None),
        ("utf-16-le", "gbk", "text/html; charset=ISO-8859-1"),
    ],
)
def test_utf16_without_bom(codec: str, meta: str | None, content_type: str | None) -> None:
    html, title, paras = build_page("utf-16", meta)
    raw = html.encode(codec)
    assert not raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    check(raw, html, title, paras, content_type, {codec})


# --- Western pages, and pages that are not text ----------------------------------------------------

WESTERN = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={label}">
<title>Le parc technologique ouvre ses portes – Élan für Gründer</title></head>
<body><div class="content"><h1>Le parc technologique ouvre ses portes</h1>
<p>À Lyon, la société « Énergie Verte » a présenté hier son nouveau bâtiment de 4 000 m² ; les élus
ont salué un projet très ambitieux, réalisé en étroite coopération avec l'université. © 2024</p>
<p>Die Gründer aus München und Köln zeigten sich überrascht: „Größer als erwartet“, sagte die
Geschäftsführerin Jutta Müller. Die Straßenbahn hält direkt vor dem Gebäude.</p>
<p>Le café est ouvert dès 8 h, les réunions ont lieu à l'étage — déjà complet pour l'été. Ça marche !</p>
</div></body></html>"""


@pytest.mark.parametrize(
    ("label", "content_type"),
    [
        ("windows-1252", "text/html; charset=windows-1252"),
        ("windows-1252", None),
        ("iso-8859-1", "text/html;charset=ISO-8859-1"),
        ("utf-8", "text/html; charset=ISO-8859-1"),
    ],
)
def test_western_page_keeps_its_western_label(label: str, content_type: str | None) -> None:
    html = WESTERN.format(label=label)
    raw = html.encode("cp1252")
    text, codec = decode_html(raw, content_type=content_type)
    assert codec == "cp1252"
    assert text == html
    article = extract_article(raw, URL, content_type=content_type)
    assert "Größer als erwartet" in article.body and "« Énergie Verte »" in article.body


def test_unlabelled_western_page_is_not_read_as_chinese() -> None:
    html = WESTERN.format(label="")
    text, codec = decode_html(html.encode("cp1252"), content_type="text/html")
    assert text == html and codec == "cp1252"


def test_random_binary_is_a_decode_error() -> None:
    raw = random.Random(7).randbytes(20000)
    with pytest.raises(DecodeError, match="binary"):
        decode_html(raw, content_type="text/html; charset=ISO-8859-1")
    with pytest.raises(ExtractionError) as info:
        extract_article(raw, URL, content_type="text/html")
    assert info.value.reason == "decode"


def test_undecodable_mess_is_a_decode_error_with_a_reason() -> None:
    rng = random.Random(11)
    mess = bytes(rng.randrange(0x80, 0x100) for _ in range(6000))
    raw = b"<html><head><title>x</title></head><body><p>" + mess + b"</p></body></html>"
    with pytest.raises(DecodeError, match="undecodable") as info:
        decode_html(raw, content_type="text/html")
    assert "tried" in str(info.value)
    with pytest.raises(ExtractionError) as err:
        extract_article(raw, URL)
    assert err.value.reason == "decode"


def test_empty_and_nul_messages_are_kept() -> None:
    with pytest.raises(DecodeError, match="empty response body"):
        decode_html(b"")
    with pytest.raises(DecodeError, match=r"binary content \(NUL bytes\), not an HTML page"):
        decode_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")


def test_override_still_wins() -> None:
    html, _, _ = build_page("big5", "big5")
    text, codec = decode_html(html.encode("big5"), content_type="text/html; charset=big5", override="gbk")
    assert codec == "gb18030" and text != html
    simplified, _, _ = build_page("gbk", "big5")
    text, codec = decode_html(simplified.encode("gbk"), override="gb2312")
    assert codec == "gb18030" and text == simplified


def test_utf8_is_final_when_it_decodes() -> None:
    html, _, _ = build_page("utf-8", "gbk")
    assert decode_html(html.encode("utf-8"), content_type="text/html; charset=ISO-8859-1") == (html, "utf-8")
