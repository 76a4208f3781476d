"""`parknews crawl URL`: a site crawled from its bare home URL, with no profile written by anyone.

Evidence that discovery tells articles from everything else by what the pages are, infers
pagination with section/page groups, keeps the inferred profile for the next run, crawls many
sites in one process, and refuses bad input with one line and nothing half-written.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import tomllib

from conftest import FAST, run_cli
from parknews.crawl.discovery import Sample, families, family_regex, infer_profile, path_query, shape, site_name
from parknews.crawl.localsite import DEMO_SITES, LocalSite
from parknews.sites.profiles import profile_from_dict

DEMO = DEMO_SITES / "rentsh"
#: The demo copy's article pages that answer with an article (the fixture's 404/500 pages aside;
#: 99000, an article page with no article text, is archived with an empty body).
DEMO_ARTICLES = sorted(
    f"/index.php/post/{p.stem}.html" for p in (DEMO / "index.php" / "post").glob("*.html")
    if p.stem != "99500"
)


def _rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _paths(db: Path) -> list[str]:
    return sorted(re.sub(r"^https?://[^/]+", "", url) for (url,) in _rows(db, "SELECT url FROM articles"))


# --- URL shapes ---------------------------------------------------------------------------


def test_shapes_abstract_digits_and_families_absorb_slugs() -> None:
    assert shape("http://a.cn/a/yqdt/2024/1012/1234.html") == ("a", "yqdt", "#", "#", "#.html")
    assert shape("http://a.cn/index.php?m=content&c=index&a=show&catid=6&id=12") == (
        "index.php", "?m=content&c=index&a=show&catid=#&id=#")
    slugs = [f"http://a.cn/2024/10/{s}/" for s in ("new-plant-opens", "park-signs-deal", "chip-fab-starts")]
    fams = families([*slugs, "http://a.cn/category/news/", "http://a.cn/category/news/page/2/"])
    assert ("#", "#", "*", "") in fams and len(fams[("#", "#", "*", "")]) == 3
    # Section names seen on many URLs are not slugs: they stay literal.
    assert ("category", "news", "") in fams
    assert re.search(family_regex(("#", "#", "*", "")), "/2024/11/another-story/")
    assert not re.search(family_regex(("#", "#", "*", "")), "/2024/11/")


# --- the demo site from its home URL --------------------------------------------------------


def test_the_demo_site_from_its_home_url_archives_exactly_its_articles(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with LocalSite(DEMO) as site:
        home = site.url + "/"
        first = run_cli("crawl", home, "--db", str(db), *FAST)
        assert first.returncode == 0, first.stderr
        assert _paths(db) == DEMO_ARTICLES  # no home, category, tag or 404 page became an article
        (name, profile_text, report), = _rows(db, "SELECT name, profile, report FROM site_profiles WHERE url = ?", (home,))
        assert name == site_name(home)
        profile = tomllib.loads(profile_text)
        assert profile["extends"] == "zblog"
        report = json.loads(report)
        assert report["cms"] == "zblog" and any("Z-BlogPHP" in c for c in report["cms_clues"])
        # The run row says where its profile came from; the next run reuses the stored profile.
        (args,), = _rows(db, "SELECT args FROM runs")
        assert json.loads(args)["discovery"] == "this run"
        before = sum(site.requests.values())
        second = run_cli("crawl", home, "--db", str(db), *FAST)
        assert second.returncode == 0, second.stderr
        (args,) = _rows(db, "SELECT args FROM runs ORDER BY id DESC LIMIT 1")[0]
        assert json.loads(args)["discovery"] == "stored profile"
        assert sum(site.requests.values()) - before < 15  # incremental: listings' first pages and feeds only
        assert _paths(db) == DEMO_ARTICLES
        # The stored profile's name crawls the site too.
        third = run_cli("crawl", name, "--db", str(db), *FAST)
        assert third.returncode == 0, third.stderr


def _demo_samples(site: LocalSite) -> list[Sample]:
    home = site.url + "/"
    paths = ["/", "/index.php/category-2.html", "/index.php/category-2_2.html", "/index.php/category-5.html",
             "/index.php/tags-3.html", *DEMO_ARTICLES[:6], "/index.php/post/99000.html"]
    samples = []
    for path in paths:
        file = DEMO / ("index.html" if path == "/" else path.lstrip("/"))
        samples.append(Sample(url=home.rstrip("/") + path, status=200 if file.exists() else 404,
                              body=file.read_bytes() if file.exists() else b"", content_type="text/html; charset=utf-8"))
    return samples


def test_without_a_preset_the_patterns_and_pagination_come_from_the_pages() -> None:
    with LocalSite(DEMO) as site:
        home = site.url + "/"
        inference = infer_profile(home, _demo_samples(site), name="demo", presets={})
    profile = profile_from_dict(inference.profile)
    assert "extends" not in inference.profile
    for path in DEMO_ARTICLES:
        assert profile.is_article(home + path.lstrip("/")), path
    for path in ("/", "/index.php/category-2.html", "/index.php/category-2_3.html", "/index.php/tags-3.html"):
        assert not profile.is_article(home + path.lstrip("/")), path
    # Pagination read from the page-number links: section and page groups, walked in order.
    assert profile.listing_position(home + "index.php/category-2.html") == ("/index.php/category-2", 1)
    assert profile.listing_position(home + "index.php/category-2_3.html") == ("/index.php/category-2", 3)
    assert profile.listing_position(home + "index.php/category-5_2.html") == ("/index.php/category-5", 2)
    assert inference.report["pagination"], "the evidence for the page groups is reported"


def test_profile_init_writes_a_reviewable_profile_that_check_and_crawl_accept(tmp_path: Path) -> None:
    out = tmp_path / "site.toml"
    with LocalSite(DEMO) as site:
        result = run_cli("profile", "init", site.url + "/", "-o", str(out), *FAST)
        assert result.returncode == 0, result.stderr
        text = out.read_text("utf-8")
        assert "# CMS: zblog" in text and "generator meta" in text
        assert "# Article pages, e.g.:" in text and "/index.php/post/" in text
        assert "field coverage: title 100%" in text
        check = run_cli("profile", "check", str(out), *FAST)
        assert check.returncode == 0, check.stderr
        assert re.search(r"article\s+\d+\s+/index\.php/post/", check.stdout)
        assert check.stdout.count("\n  title:") == 3 and "body:" in check.stdout
        crawl = run_cli("crawl", str(out), "--db", str(tmp_path / "a.db"), *FAST)
        assert crawl.returncode == 0, crawl.stderr
        assert _paths(tmp_path / "a.db") == DEMO_ARTICLES


# --- many sites in one run ------------------------------------------------------------------


def _profile_file(folder: Path, name: str, url: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f"name = '{name}'\nextends = 'zblog'\nstart_urls = ['{url}/']\n[thresholds]\ntitle = 1.0\n", "utf-8")
    return path


def test_several_sites_crawl_in_one_process_each_with_its_own_run(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    sites = tmp_path / "sites"
    sites.mkdir()
    with LocalSite(DEMO) as one, LocalSite(DEMO) as two, LocalSite(DEMO) as three:
        _profile_file(sites, "one", one.url)
        _profile_file(sites, "two", two.url)
        result = run_cli("crawl", "--sites", str(sites), three.url + "/", "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
        runs = _rows(db, "SELECT profile, finish_reason, articles_new, exit_status FROM runs ORDER BY profile")
        assert sorted(r[0] for r in runs) == sorted(["one", "two", site_name(three.url + "/")])
        assert all(r[1] == "finished" and r[2] == len(DEMO_ARTICLES) and r[3] == 0 for r in runs), runs
        for site in (one, two, three):
            assert any(path.startswith("/index.php/post/") for path in site.requests)
        # The summary is a table per site.
        header = next(line for line in result.stdout.splitlines() if line.startswith("site "))
        assert header.split() == ["site", "run", "finish", "pages", "new", "updated", "failures", "verdict"]
        assert sum(1 for line in result.stdout.splitlines() if line.endswith(" ok")) == 3


def test_one_broken_site_does_not_stop_the_others_and_the_exit_says_so(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with LocalSite(DEMO) as good:
        result = run_cli("crawl", good.url + "/", "http://127.0.0.1:9/", "--db", str(db), *FAST)
    assert result.returncode == 1
    assert "cannot discover http://127.0.0.1:9/: fetch: connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert _rows(db, "SELECT count(*) FROM articles")[0][0] == len(DEMO_ARTICLES)
    assert [r[0] for r in _rows(db, "SELECT url FROM site_profiles")] == [good.url + "/"]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/", "file:///etc/passwd", "http://", "javascript:alert(1)"])
def test_a_url_that_is_not_http_is_one_line_and_exit_2(tmp_path: Path, target: str) -> None:
    result = run_cli("crawl", target, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "not an http(s) URL" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "a.db").exists() or _rows(tmp_path / "a.db", "SELECT count(*) FROM runs") == [(0,)]


def _write_site(root: Path, pages: dict[str, str], toml: str = "") -> Path:
    for path, html in pages.items():
        file = root / ("index.html" if path == "/" else path.lstrip("/"))
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(html, "utf-8")
    if toml:
        (root / "site.toml").write_text(toml, "utf-8")
    return root


_CHROME = ("<html><head><meta charset='utf-8'><title>{title} - 某区投资促进服务中心</title></head><body>"
           "<div class='nav'><a href='/'>首页</a> <a href='/about.html'>中心简介</a> <a href='/contact.html'>联系我们</a></div>"
           "<div class='main'>{main}</div><div class='footer'>版权所有 某区投资促进服务中心 沪ICP备12345678号</div></body></html>")


def test_a_site_with_no_article_pages_writes_nothing_and_says_what_it_found(tmp_path: Path) -> None:
    about = "<h1>中心简介</h1>" + "".join(f"<p>{'投资促进服务中心负责全区招商引资、项目服务和营商环境优化工作。' * 3}</p>" for _ in range(6))
    root = _write_site(tmp_path / "site", {
        "/": _CHROME.format(title="首页", main="<p>欢迎访问。</p>"),
        "/about.html": _CHROME.format(title="中心简介", main=about),
        "/contact.html": _CHROME.format(title="联系我们", main="<p>电话：021-12345678</p>"),
    })
    db = tmp_path / "a.db"
    with LocalSite(root) as site:
        crawl = run_cli("crawl", site.url + "/", "--db", str(db), *FAST)
        init = run_cli("profile", "init", site.url + "/", "-o", str(tmp_path / "p.toml"), *FAST)
    assert crawl.returncode == 1 and init.returncode == 1
    assert "could not tell article pages apart" in crawl.stderr and "pages sampled" in crawl.stderr
    assert "no profile written" in init.stderr
    assert not (tmp_path / "p.toml").exists()
    assert _rows(db, "SELECT count(*) FROM runs") == [(0,)] and _rows(db, "SELECT count(*) FROM site_profiles") == [(0,)]


def test_a_home_page_that_redirects_to_another_site_is_refused(tmp_path: Path) -> None:
    root = _write_site(tmp_path / "site", {"/x.html": "<p>x</p>"},
                       toml='[faults]\n"/" = "redirect:http://127.0.0.2:9/"\n')
    with LocalSite(root) as site:
        result = run_cli("crawl", site.url + "/", "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 1
    assert "redirects to another site" in result.stderr or "redirect off the site" in result.stderr
    assert "Traceback" not in result.stderr


def test_coverage_below_the_inferred_thresholds_sends_the_next_run_back_to_discovery(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with LocalSite(DEMO) as site:
        home = site.url + "/"
        assert run_cli("crawl", home, "--db", str(db), *FAST).returncode == 0
        # A redesign: the stored profile now demands what the pages cannot give.
        conn = sqlite3.connect(db)
        text = conn.execute("SELECT profile FROM site_profiles").fetchone()[0]
        text = re.sub(r"(?m)^title = [0-9.]+$", "title = 1.0", text).replace("[thresholds]", "[thresholds]\nbyline = 1.0")
        conn.execute("UPDATE site_profiles SET profile = ?", [text])
        # Every article new again, so the run measures coverage on all of them.
        conn.execute("DELETE FROM articles")
        conn.execute("DELETE FROM pages WHERE kind = 'article'")
        conn.commit()
        conn.close()
        low = run_cli("crawl", home, "--db", str(db), *FAST)
        assert low.returncode == 1 and "threshold" in low.stderr
        assert "the next run discovers the site again" in low.stderr
        assert _rows(db, "SELECT stale FROM site_profiles") == [(1,)]
        again = run_cli("crawl", home, "--db", str(db), *FAST)
        assert again.returncode == 0, again.stderr
        (args,) = _rows(db, "SELECT args FROM runs ORDER BY id DESC LIMIT 1")[0]
        assert json.loads(args)["discovery"] == "this run"
        assert _rows(db, "SELECT stale FROM site_profiles") == [(0,)]


def test_path_query_is_what_patterns_match() -> None:
    assert path_query("http://a.cn/col/col12/index.html?uid=3&pageNum=2#top") == "/col/col12/index.html?uid=3&pageNum=2"


# --- a site no preset knows -----------------------------------------------------------------

ASPNET = Path(__file__).resolve().parent / "fixtures" / "discovery" / "aspnet"


def test_a_site_no_preset_knows_is_learnt_from_its_pages(tmp_path: Path) -> None:
    """ASP.NET WebForms, query-string URLs: articles /news/show.aspx?id=N, sections
    /news/list.aspx?cid=C with &page=P; about, contact, guide and topic pages are not news."""
    expected = sorted(f"/news/show.aspx?id={p.name.split('=')[1]}" for p in (ASPNET / "news").glob("show.aspx*"))
    assert len(expected) == 12
    db = tmp_path / "a.db"
    with LocalSite(ASPNET) as site:
        result = run_cli("crawl", site.url + "/", "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
        assert _paths(db) == expected
        (text, report), = _rows(db, "SELECT profile, report FROM site_profiles")
        profile = profile_from_dict(tomllib.loads(text))
        assert "extends" not in tomllib.loads(text) and json.loads(report)["cms"] is None
        assert profile.listing_position(site.url + "/news/list.aspx?cid=2&page=2") == ("/news/list.aspx?cid=2", 2)
        assert profile.listing_position(site.url + "/news/list.aspx?cid=2") == ("/news/list.aspx?cid=2", 1)
        for other in ("/about.aspx", "/contact.aspx", "/guide/invest.aspx", "/zt/index.aspx?zid=12", "/default.aspx"):
            assert not profile.is_article(site.url + other), other
        # The one article linked only from page 2 of its section was reached by walking pagination.
        assert site.requests["/news/list.aspx?cid=1&page=2"] >= 1
        # The dead link is a failure with its reason, not an article.
        assert _rows(db, "SELECT stage, reason FROM failures WHERE url LIKE '%id=9001'") == [("fetch", "HTTP 404")]


@pytest.mark.parametrize(("status_toml", "says"), [
    ('[status]\n"/" = 503\n', "the home page answers HTTP 503"),
    ('[content_type]\n"/" = "application/pdf"\n', "could not tell article pages apart"),
])
def test_a_site_that_answers_nothing_useful_is_one_line_and_writes_nothing(tmp_path: Path, status_toml: str,
                                                                         says: str) -> None:
    root = _write_site(tmp_path / "site", {"/": "%PDF-1.4 not a page"}, toml=status_toml)
    db = tmp_path / "a.db"
    with LocalSite(root) as site:
        result = run_cli("crawl", site.url + "/", "--db", str(db), *FAST)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert _rows(db, "SELECT count(*) FROM runs") == [(0,)] and _rows(db, "SELECT count(*) FROM site_profiles") == [(0,)]
