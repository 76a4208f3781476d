"""Every fixture page against its hand-written facts and its golden record.

A new fixture page cannot arrive untested: each entry of tests/fixtures/*/expected.toml
is one case here.
"""

from __future__ import annotations

import json
import re

import pytest

from fixture_pages import FixturePage, extract_fixture, fixture_pages

PAGES = fixture_pages()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_page_matches_its_facts(page: FixturePage) -> None:
    exp = page.expected
    got = extract_fixture(page)
    if "expect_error" in exp:
        assert got.get("reason") == exp["expect_error"], got
        return
    assert "error" not in got, got["error"]
    assert got["title"] == exp["title"]
    assert got["missing"] == exp.get("missing", [])
    if exp.get("empty_body"):
        # An article page with no article text: its record, with an empty body and no
        # text taken from around the article (related stories, QR prompts, copyright).
        assert got["body"] == "" and got["body_links"] == [] and got["images"] == [], got["body"]
    else:
        paragraphs = got["body"].split("\n")
        assert _norm(paragraphs[0]).startswith(_norm(exp["body_first"])), paragraphs[0]
        assert _norm(paragraphs[-1]).endswith(_norm(exp["body_last"])), paragraphs[-1]
        assert len(paragraphs) == exp["paragraphs"], paragraphs
    for text in exp.get("must_contain", []):
        assert _norm(text) in _norm(got["body"]), text
    for text in exp.get("must_not_contain", []):
        assert text not in got["body"], f"boilerplate left in body: {text!r}"
    byline = got["byline"]
    assert (byline["outlet"] or "") == exp["outlet"]
    for role in ("reporters", "correspondents", "editors", "photographers"):
        assert byline[role] == exp[role], role
    assert [c["text"] for c in got["captions"]] == exp["captions"]
    assert (got["source_outlet"] or "") == exp["source_outlet"]
    assert (got["category"] or "") == exp["category"]
    published = exp["published"].replace(" ", "T")
    assert got["published_at"].startswith(published), (got["published_at"], published)
    if "published_raw" in exp:
        assert got["published_raw"] == exp["published_raw"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_page_matches_its_golden_record(page: FixturePage) -> None:
    """Any change in output shows up here; regenerate with `python tests/regen_golden.py` and review the diff."""
    assert page.golden.exists(), f"no golden record: run python tests/regen_golden.py {page.site}"
    expected = json.loads(page.golden.read_text("utf-8"))
    assert extract_fixture(page) == expected
