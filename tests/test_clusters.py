"""Syndication clusters: a 新民晚报 story republished by a park site and a district portal (own
headline, trimmed lead, other byline, own chrome) is one story; two different stories sharing
a template paragraph are not. Pages are served over HTTP from tests/fixtures/syndication."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from itertools import combinations
from pathlib import Path

from conftest import FIXTURES, run_cli
from parknews.archive import clusters
from parknews.archive.store import open_db, save_article
from parknews.crawl.localsite import LocalSite
from parknews.extract import extract_article

PAGES = FIXTURES / "syndication" / "pages"
#: Which site each outlet's copy is archived under.
SITES = {"xinmin": "xinmin", "park": "lingang-park", "district": "pudong-gov", "a": "lingang-park",
         "b": "lingang-park"}


def _fetch_all(site: LocalSite) -> dict[str, object]:
    articles = {}
    for page in sorted(PAGES.glob("*.html")):
        url = f"{site.url}/{page.name}"
        with urllib.request.urlopen(url, timeout=10) as response:
            body, ctype = response.read(), response.headers.get("Content-Type")
        article = extract_article(body, url, content_type=ctype)
        article.site = SITES[page.stem.split(".")[1]]
        articles[page.stem] = article
    return articles


def _pairs(articles: dict) -> tuple[list[tuple[str, str, float, float]], list[tuple[str, str, float, float]]]:
    """Republished pairs (same story id, both stories) and near misses (the .a/.b pairs)."""
    same, near = [], []
    for a, b in combinations(sorted(articles), 2):
        story_a, story_b = a.split(".")[0], b.split(".")[0]
        if story_a != story_b:
            continue
        body_a, body_b = articles[a].body, articles[b].body
        scores = (a, b, clusters.jaccard(body_a, body_b),
                  clusters.estimate(clusters.signature(body_a), clusters.signature(body_b)))
        (near if a.endswith(".a") else same).append(scores)
    return same, near


def test_the_threshold_separates_republished_copies_from_near_misses() -> None:
    with LocalSite(PAGES) as site:
        articles = _fetch_all(site)
    same, near = _pairs(articles)
    assert len(same) == 6 and len(near) == 2
    print("\nrepublished pairs (exact, estimated Jaccard):")
    for a, b, exact, est in same:
        print(f"  {a} ~ {b}: {exact:.3f} {est:.3f}")
    print("near misses:")
    for a, b, exact, est in near:
        print(f"  {a} ~ {b}: {exact:.3f} {est:.3f}")
    lowest_copy = min(min(exact, est) for _, _, exact, est in same)
    highest_miss = max(max(exact, est) for _, _, exact, est in near)
    assert highest_miss < clusters.THRESHOLD < lowest_copy
    # Different stories with no shared template are nowhere near.
    unrelated = clusters.jaccard(articles["lingang-chip.xinmin"].body, articles["zhangjiang-ai.xinmin"].body)
    assert unrelated < 0.02


def test_copies_cluster_as_they_arrive_first_seen_copy_first(tmp_path: Path) -> None:
    with LocalSite(PAGES) as site:
        articles = _fetch_all(site)
    db_path = tmp_path / "syndication.db"
    db = open_db(db_path)
    # The upstream copies arrive first, then the park site's, then the district portal's; each
    # batch is clustered as it is stored, as the crawl's store pipeline does.
    order = ["xinmin", "park", "a", "b", "district"]
    for outlet in order:
        batch = [a for name, a in articles.items() if name.split(".")[1] == outlet]
        with db.conn:
            for article in batch:
                save_article(db, article, run_id=None)
        assert clusters.assign_clusters(db) == len(batch)
    assert clusters.assign_clusters(db) == 0  # nothing left: incremental
    rows = clusters.cluster_rows(db)
    by_story: dict[int, list[dict]] = {}
    for row in rows:
        by_story.setdefault(row["cluster_id"], []).append(row)
    assert len(by_story) == 2
    for copies in by_story.values():
        assert [c["site"] for c in copies] == ["xinmin", "lingang-park", "pudong-gov"]
        assert copies[0]["first_seen_copy"] == 1 and copies[0]["similarity_to_cluster"] is None
        assert all(c["similarity_to_cluster"] >= clusters.THRESHOLD for c in copies[1:])
        assert {c["copies"] for c in copies} == {3}
        assert len({c["title"] for c in copies}) == 3  # three headlines, one story
    urls = {r["url"] for r in rows}
    assert not any(u.endswith((".a.html", ".b.html")) for u in urls)  # near misses stand alone
    credited = {c["site"]: c["credited_source"] for copies in by_story.values() for c in copies
                if c["url"].endswith("lingang-chip.park.html") or c["url"].endswith("lingang-chip.district.html")}
    assert credited == {"lingang-park": "新民晚报", "pudong-gov": "新民晚报"}
    db.close()

    result = run_cli("clusters", "--db", str(db_path), "--site", "pudong-gov")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("story ") for line in lines) == 2
    assert "3 copies on 3 sites (lingang-park, pudong-gov, xinmin)" in lines[0]
    assert "[first seen]" in lines[1] and "xinmin" in lines[1]
    as_json = [json.loads(line) for line in run_cli("clusters", "--db", str(db_path), "--json").stdout.splitlines()]
    assert [len(s["copies"]) for s in as_json] == [3, 3]
    later = run_cli("clusters", "--db", str(db_path), "--since", "2999-01-01")
    assert later.returncode == 0 and "no story has more than one copy" in later.stdout


def test_the_crawl_clusters_what_it_stores(archive: Path) -> None:
    """The store pipeline's hook gave every crawled rentsh article a signature row."""
    conn = sqlite3.connect(archive)
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    signed = conn.execute("SELECT count(*) FROM article_signatures").fetchone()[0]
    assert articles == signed == 15  # the article with an empty body gets its (empty) signature row too
    # Fifteen different rentsh stories: no cluster of two.
    assert conn.execute("SELECT count(*) FROM clusters").fetchone()[0] == 0
    conn.close()


def test_a_crawl_clusters_its_batches_and_catches_up_on_what_was_never_clustered(scratch: Path) -> None:
    """Each batch clusters its own articles; a run's first batch also catches up on archived
    articles without a signature (an archive from before clustering, a batch whose clustering
    failed), so no scan of the whole archive follows every batch and nothing stays unclustered."""
    from conftest import DEMO_SITES, FAST

    conn = sqlite3.connect(scratch)
    with conn:
        conn.execute("DELETE FROM signature_bands")
        conn.execute("DELETE FROM article_signatures")
    conn.close()
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = run_cli("crawl", "rentsh", "--db", str(scratch), "--start-url", site.url + "/", *FAST)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(scratch)
    # The site is served on a new port, so this run archives its 15 articles again under new URLs;
    # the 15 of the first run are in none of its batches and are clustered by the catch-up.
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 30
    assert conn.execute("SELECT count(*) FROM articles a JOIN article_signatures s ON s.url = a.url").fetchone()[0] == 30
    conn.close()


def test_every_export_carries_the_cluster_id(tmp_path: Path) -> None:
    import csv
    import io

    import jsonschema
    import pyarrow.parquet as pq

    from parknews.archive.schema import json_schema

    with LocalSite(PAGES) as site:
        articles = _fetch_all(site)
    db_path = tmp_path / "syndication.db"
    db = open_db(db_path)
    with db.conn:
        for name in sorted(articles, key=lambda n: ["xinmin", "park", "district", "a", "b"].index(n.split(".")[1])):
            save_article(db, articles[name], run_id=None)
    db.close()
    # No crawl ran: the export itself does not cluster, `parknews clusters` catches up first.
    before = [json.loads(line) for line in run_cli("export", "--db", str(db_path)).stdout.splitlines()]
    assert {r["cluster_id"] for r in before} == {None}
    assert run_cli("clusters", "--db", str(db_path)).returncode == 0
    result = run_cli("export", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    validator = jsonschema.Draft202012Validator(json_schema())
    for record in records:
        validator.validate(record)
        assert record["schema_version"] == "1.2"
    by_name = {r["url"].rsplit("/", 1)[1].removesuffix(".html"): r["cluster_id"] for r in records}
    for story in ("lingang-chip", "zhangjiang-ai"):
        ids = {by_name[f"{story}.{o}"] for o in ("xinmin", "park", "district")}
        assert len(ids) == 1 and None not in ids
    near = [by_name[n] for n in ("template-tail.a", "template-tail.b", "monthly-report.a", "monthly-report.b")]
    assert len(set(near)) == 4  # each near miss is a story of its own
    assert len(set(by_name.values())) == 6

    parquet = tmp_path / "s.parquet"
    assert run_cli("export", "--db", str(db_path), "-o", str(parquet)).returncode == 0
    assert pq.read_table(parquet).column("cluster_id").to_pylist() == [r["cluster_id"] for r in records]
    csv_out = run_cli("export", "--db", str(db_path), "--format", "csv", "--fields", "cluster_id").stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert [int(r["cluster_id"]) for r in rows] == [r["cluster_id"] for r in records]


def test_a_template_paragraph_on_every_page_keeps_clustering_bounded_and_right(tmp_path: Path, monkeypatch) -> None:
    """A site that prints the same long "about the park" paragraph under every article fills
    some LSH buckets with every article it has. An arriving article then meets only each
    bucket's newest BUCKET_LIMIT members, and a copy of a recent story still finds its cluster."""
    from parknews.items import Article

    template = ("园区简介：新桥智造园区位于长三角核心区域，规划面积十二平方公里，重点发展生物医药、集成电路、"
                "智能装备和新材料四大产业，已集聚规模以上企业三百余家，形成上下游协同的产业生态。")
    import random

    stories = [f"第{n}号新闻：" + "".join(chr(0x4E00 + r.randrange(3000)) for r in [random.Random(n)] for _ in range(300))
               for n in range(1000)]
    db = open_db(tmp_path / "a.db")
    with db.conn:
        for n, story in enumerate(stories):
            save_article(db, Article(url=f"http://park.example/post/{n}.html", title=f"新闻{n}", body=story + template,
                                     site="park"), run_id=None)
    assert clusters.assign_clusters(db) == len(stories)
    full = [r[0] for r in db.execute("SELECT count(*) FROM signature_bands GROUP BY band, key").fetchall()]
    assert max(full) > clusters.BUCKET_LIMIT  # the template's buckets hold more than the limit
    assert len({c for (c,) in db.execute("SELECT cluster_id FROM article_signatures")}) == len(stories)  # no false match
    # A reprint of the newest story (its headline and lead trimmed) joins that story's cluster.
    with db.conn:
        save_article(db, Article(url="http://district.example/reprint.html", title="转载", site="district",
                                 body=stories[-1][3:] + template), run_id=None)
    compared = []
    real_estimate = clusters.estimate
    monkeypatch.setattr(clusters, "estimate", lambda a, b: compared.append(1) or real_estimate(a, b))
    assert clusters.assign_clusters(db) == 1
    # The reprint is compared with fewer articles than the fullest template bucket holds.
    assert 0 < len(compared) <= clusters.BUCKET_LIMIT * clusters.BANDS and len(compared) < max(full)
    cluster_of = dict(db.execute("SELECT url, cluster_id FROM article_signatures").fetchall())
    assert cluster_of["http://district.example/reprint.html"] == cluster_of["http://park.example/post/999.html"]
    db.close()
