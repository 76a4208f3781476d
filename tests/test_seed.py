"""The seed page (rent.sh.cn post 11584, reproduced from ../shared/seed) field by field,
crawled from the local copy over HTTP exactly as a user's crawl would fetch it."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import run_cli
from parknews.crawl.localsite import DEMO_SITES, LocalSite

SEED_PATH = "/index.php/post/11584.html"

# Every boilerplate line of the seed page; none may reach the body.
BOILERPLATE = [
    "葛毅明", "400 0123 021", "135246785151356468684613391219793", "请说明您的需求",
    "长按/扫一扫", "扫一扫关注公众号", "扫描二维码推送至手机访问", "版权声明", "如需转载请注明出处",
    "13391219793", "本文链接", "分享给朋友", "相关文章", "集聚相关企业近3000家", "当前位置", "正文内容",
    "图说", "上虞区委宣传部供图", "新民晚报记者", "唐闻宜", "袁伟江",
]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = tmp_path_factory.mktemp("seed") / "seed.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + SEED_PATH,
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
        assert result.returncode == 0, result.stderr
        url = site.url + SEED_PATH
    out = run_cli("export", "--db", str(db))
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["url"] for r in records] == [url]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT status, encoding, final_url FROM pages WHERE url = ?", [url]).fetchone()
    return {"record": records[0], "page": stored}


def test_title_is_the_headline_without_the_site_name(seed) -> None:
    assert seed["record"]["title"] == "从产业链、创新链发力生物医药产业上虞生命健康产业向“新”而行"


def test_body_is_the_five_paragraphs_in_order(seed) -> None:
    paragraphs = seed["record"]["body"].split("\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("今天上午,2024上虞发展大会·“融入长三角 接轨大上海”系列活动")
    assert paragraphs[1].startswith("开幕式上,中国科学院院士、复旦大学校长金力")
    assert paragraphs[2].startswith("“上虞作为绍兴的主城区之一")
    assert paragraphs[3].startswith("上虞地处长三角一体化发展的核心区域")
    assert paragraphs[4].endswith("举行了长三角高校生命健康创新联盟发起仪式。")


@pytest.mark.parametrize("text", BOILERPLATE)
def test_body_has_no_boilerplate(seed, text: str) -> None:
    assert text not in seed["record"]["body"]


def test_the_two_captions_are_separated_and_tied_to_their_images(seed) -> None:
    captions = seed["record"]["captions"]
    assert [c["text"] for c in captions] == [
        "上虞发展大会·“融入长三角 接轨大上海”系列活动暨生命健康产业促进大会。上虞区委宣传部供图(下同)",
        "浙江大学医学院附属邵逸夫医院绍兴院区全面启用。",
    ]
    assert captions[0]["credit"] == "上虞区委宣传部"
    assert all(c["image_url"] and c["image_url"].endswith(".jpg") for c in captions)
    assert captions[0]["image_url"] != captions[1]["image_url"]


def test_byline_is_xinmin_evening_news_reporter_and_correspondent(seed) -> None:
    byline = seed["record"]["byline"]
    assert byline["outlet"] == "新民晚报"
    assert byline["reporters"] == ["唐闻宜"]
    assert byline["correspondents"] == ["袁伟江"]
    assert byline["editors"] == [] and byline["photographers"] == []


def test_date_category_and_related_links(seed) -> None:
    record = seed["record"]
    assert record["published_at"] == "2024-06-21T10:32:18+08:00"
    assert record["category"] == "上海厂房出租信息"
    related = [link["text"] for link in record["related_links"]]
    assert len(related) == 8
    assert related[0] == "集聚相关企业近3000家松江打造千亿级生物医药产业“航母”"
    assert record["site"] == "rentsh" and record["language"] == "zh" and record["fetched_at"]


def test_removed_boilerplate_is_audited_by_rule(seed) -> None:
    rules = {r["rule"] for r in seed["record"]["removed"]}
    assert any(rule.startswith("profile.drop") for rule in rules)


def test_raw_page_is_stored_with_its_encoding(seed) -> None:
    status, encoding, final_url = seed["page"]
    assert (status, encoding) == (200, "utf-8")
    assert final_url.endswith(SEED_PATH)
