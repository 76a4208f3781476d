"""The CMS fixture sites (tests/fixtures/cmssites/) agree with their ground truth.

Each site is served by LocalSite on 127.0.0.1 and walked from its home page the way a person
clicking every link would (robots.txt obeyed, TRS's script-written pagination followed), so the
lead's discovery tests can trust ``expected.toml``: every article it names is reachable and
answers 200, every page reached is named exactly once, every dead link answers 404, and every
link and asset on every page is either there or a listed dead link.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest
import tomllib

from parknews.crawl.localsite import LocalSite
from parknews.extract.process import article_from_raw
from parknews.items import RawPage

ROOT = Path(__file__).parent / "fixtures" / "cmssites"
SITES = sorted(p.parent.name for p in ROOT.glob("*/expected.toml"))
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# TRS WCM writes listing pages 2..N only in this call (the preset's pagination_script reads it too).
CREATE_PAGE = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']""")
# Hanweb JCMS keeps a column's records inside <script type="text/xml"> as CDATA markup.
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


@dataclass
class Walk:
    """What a click-everything walk from the home page saw."""

    base: str
    expected: dict
    pages: dict[str, Response] = field(default_factory=dict)  # key (path?query) -> response
    links: dict[str, set[str]] = field(default_factory=dict)  # page key -> on-site link keys
    assets: dict[str, set[str]] = field(default_factory=dict)  # page key -> on-site asset keys
    disallowed: set[str] = field(default_factory=set)
    off_site: set[str] = field(default_factory=set)


def fetch(url: str) -> Response:
    try:
        with OPENER.open(url, timeout=10) as answer:
            return Response(answer.status, answer.headers.get("Content-Type", ""), answer.read())
    except HTTPError as error:
        return Response(error.code, error.headers.get("Content-Type", ""), error.read())


def key_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def outlinks(base_url: str, page_url: str, response: Response, encoding: str) -> tuple[set[str], set[str], set[str]]:
    """(page links, asset links, off-site links) of one page, as absolute URLs."""
    text = response.body.decode(encoding, errors="replace")
    tree = lxml.html.fromstring(text)
    hrefs = [a.get("href") for a in tree.iter("a", "area") if a.get("href")]
    assets = [el.get("src") for el in tree.iter("img", "script", "iframe") if el.get("src")]
    assets += [el.get("href") for el in tree.iter("link") if el.get("href")]
    for count, _current, prefix, ext in CREATE_PAGE.findall(text):
        hrefs += [f"{prefix}.{ext}"] + [f"{prefix}_{n}.{ext}" for n in range(1, int(count))]
    for script in tree.iter("script"):
        if script.get("type") == "text/xml" and script.text:
            for fragment in CDATA.findall(script.text):
                hrefs += [a.get("href") for a in lxml.html.fragment_fromstring(fragment, create_parent="div").iter("a")
                          if a.get("href")]
    pages, found_assets, off = set(), set(), set()
    for bucket, raw in ((pages, hrefs), (found_assets, assets)):
        for href in raw:
            href = href.strip()
            if href.startswith(("javascript:", "mailto:", "#", "tel:")):
                continue
            url = urldefrag(urljoin(page_url, href))[0]
            if not url.startswith(base_url + "/"):
                off.add(url)
                continue
            bucket.add(url)
    return pages, found_assets, off


def walk(site: LocalSite, expected: dict) -> Walk:
    base = site.url
    result = Walk(base, expected)
    robots = RobotFileParser()
    robots.parse(fetch(base + "/robots.txt").body.decode("utf-8").splitlines())
    queue, seen = [base + "/"], {base + "/"}
    while queue:
        url = queue.pop(0)
        key = key_of(url)
        if not robots.can_fetch("parknews", url):
            result.disallowed.add(key)
            continue
        response = fetch(url)
        result.pages[key] = response
        if response.status != 200 or "html" not in response.content_type:
            continue
        pages, assets, off = outlinks(base, url, response, expected["encoding"])
        result.links[key] = {key_of(u) for u in pages}
        result.assets[key] = {key_of(u) for u in assets}
        result.off_site |= off
        for link in sorted(pages):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return result


@pytest.fixture(scope="module", params=SITES)
def walked(request: pytest.FixtureRequest) -> Walk:
    root = ROOT / request.param
    expected = tomllib.loads((root / "expected.toml").read_text("utf-8"))
    with LocalSite(root) as site:
        result = walk(site, expected)
        # Assets and robots-disallowed links are not walked, only checked to be there.
        for key in sorted(set().union(*result.assets.values(), *result.links.values()) - set(result.pages)):
            result.pages.setdefault(key, fetch(site.url + key))
    return result


def named(expected: dict) -> dict[str, str]:
    kinds = {}
    for kind in ("articles", "listings", "non_articles"):
        for key in expected[kind]:
            assert key not in kinds, f"{key} is named twice ({kinds[key]} and {kind})"
            kinds[key] = kind
    return kinds


def test_the_sites_are_all_here() -> None:
    assert set(SITES) >= {"zblog", "dedecms", "wordpress", "trs"}


def test_every_page_reached_from_home_is_named_once_and_every_named_page_is_reached(walked: Walk) -> None:
    kinds = named(walked.expected)
    reached = {key for key, r in walked.pages.items() if r.status == 200 and key in walked.links}
    reached |= {key for key in walked.expected["non_articles"] if key in walked.pages and walked.pages[key].status == 200}
    assert sorted(reached - set(kinds)) == [], "pages reached by links that expected.toml does not name"
    assert sorted(set(kinds) - reached) == [], "pages expected.toml names that no link from home reaches"
    assert not set(kinds) & walked.disallowed, "robots.txt keeps crawlers out of these, they cannot be named"


def test_named_pages_answer_200_and_dead_links_404(walked: Walk) -> None:
    for kind in ("articles", "listings", "non_articles"):
        for key in walked.expected[kind]:
            assert walked.pages[key].status == 200, (kind, key)
    assert walked.expected["not_found"], "each site has a few dead links"
    linked = set().union(*walked.links.values())
    for key in walked.expected["not_found"]:
        assert key in linked, f"{key} is listed as a dead link but no page links it"
        assert walked.pages[key].status == 404, key


def test_every_link_and_asset_on_every_page_is_there_or_a_listed_dead_link(walked: Walk) -> None:
    dead = set(walked.expected["not_found"])
    broken = sorted((page, link) for page, links in walked.links.items() for link in links | walked.assets[page]
                    if walked.pages[link].status != 200 and link not in dead)
    assert broken == []
    assert walked.off_site, "friend links and the ICP record point off the site"
    assert all(not urlsplit(u).hostname.startswith("127.") for u in walked.off_site)


def test_article_and_listing_counts_are_what_issue_13_asks_for(walked: Walk) -> None:
    expected = walked.expected
    assert 12 <= len(expected["articles"]) <= 25
    assert set(expected["article"]) == set(expected["articles"])
    for key, meta in expected["article"].items():
        assert meta["title"] and re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d(:\d\d)?", meta["published"]), key
    sequences = expected["sequences"]
    assert max(len(s["pages"]) for s in sequences.values()) >= 3, "one column has three listing pages"
    for seq in sequences.values():
        for page in seq["pages"][1:]:
            assert page in expected["listings"]
    for name, seq in sequences.items():
        for n, page in enumerate(seq["pages"]):
            listed = expected["listing"][page]["items"]
            assert set(listed) <= walked.links[page], (page, sorted(set(listed) - walked.links[page]))
            if n + 1 < len(seq["pages"]):  # every page but a column's last is full
                assert 8 <= len(listed) <= 10 or name == "home", (page, len(listed))
        listed = [a for page in seq["pages"] for a in expected["listing"][page]["items"]]
        assert len(listed) == len(set(listed)), f"{name}: an article listed twice"


def test_deep_articles_are_linked_only_from_a_second_or_later_listing_page(walked: Walk) -> None:
    deep = walked.expected["deep_articles"]
    assert deep, "each site has an article only a walk past page 1 finds"
    later = {page for seq in walked.expected["sequences"].values() for page in seq["pages"][1:]}
    for article in deep:
        sources = {page for page, links in walked.links.items() if article in links and page != article}
        assert sources and sources <= later, (article, sorted(sources))


# Sites whose headline parknews' extraction (no profile) does not get yet, with why. For these
# the test pins what it gets instead, so a fix in parknews/extract/ shows up here as a failure
# that says to drop the entry. Extraction is another helper's; these are findings, not excuses.
TITLE_GAPS: dict[str, str] = {
    # Fixed (issue 12): Hanweb's <td class=title> headline (stated by <meta name=ArticleTitle>,
    # <title> "headline site-name"), PHPCMS v9's info line inside the <h1>.
}


# Sites whose publication time it does not get yet.
DATE_GAPS: dict[str, str] = {
    # Fixed (issue 12): WordPress's <time class="entry-date published" datetime> in the entry
    # footer, made precise beside the day-only "发布于 2024年10月25日".
}


def extracted(walked: Walk) -> dict[str, object]:
    out = {}
    for key in walked.expected["articles"]:
        response = walked.pages[key]
        raw = RawPage(url=walked.base + key, final_url=walked.base + key, status=200,
                      headers={"content-type": response.content_type}, body=response.body, kind="article",
                      fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        out[key] = article_from_raw(raw)
    return out


def test_the_headline_parknews_extracts_is_the_article_title(walked: Walk) -> None:
    site = walked.expected["cms"]
    wrong = [(key, article.title, walked.expected["article"][key]["title"])
             for key, article in extracted(walked).items() if article.title != walked.expected["article"][key]["title"]]
    if site not in TITLE_GAPS:
        assert wrong == []
        return
    assert wrong, f"every title right now: drop TITLE_GAPS[{site!r}]"
    # What it gets instead: the headline with something after it, never another text.
    assert all(got and got.startswith(title) for _key, got, title in wrong), wrong[:3]


def test_the_publication_time_parknews_extracts_is_the_one_the_page_shows(walked: Walk) -> None:
    site = walked.expected["cms"]
    got = {key: article.published_at for key, article in extracted(walked).items()}
    if site in DATE_GAPS:
        assert set(got.values()) == {None}, f"dates found now: drop DATE_GAPS[{site!r}]"
        return
    for key, published in got.items():
        want = walked.expected["article"][key]["published"].replace(" ", "T")
        assert published is not None and published.startswith(want) and published.endswith("+08:00"), (key, published, want)
