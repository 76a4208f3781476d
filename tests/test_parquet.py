"""Parquet and CSV export: read back with pyarrow / the csv module and compared field by field
with the JSON Lines export of the same archive; typed columns; row groups bound memory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import run_cli
from parknews.archive.exporters import PARQUET_BATCH
from parknews.archive.store import article_row, open_db
from parknews.items import Article, Byline, Caption, Link


def _jsonl(archive: Path, *args: str) -> list[dict]:
    result = run_cli("export", "--db", str(archive), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parquet_equals_the_jsonl_export_field_by_field(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "rentsh.parquet"
    result = run_cli("export", "--db", str(archive), "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    records = _jsonl(archive)
    assert table.num_rows == len(records) == 15
    rows = table.to_pylist()
    for row, record in zip(rows, records, strict=True):
        assert list(row) == list(record)
        for name in record:
            assert row[name] == record[name], name
    # Typed columns, not JSON strings.
    schema = table.schema
    assert schema.field("url").nullable is False
    assert schema.field("images").type == pa.list_(pa.string())
    assert schema.field("byline").type.field("reporters").type == pa.list_(pa.string())
    assert pa.types.is_struct(schema.field("body_links").type.value_type)
    assert schema.field("captions").type.value_type.names == ["text", "image_url", "credit"]
    assert schema.metadata[b"parknews.schema_version"].decode() == records[0]["schema_version"]
    with_reporters = [r for r in rows if r["byline"]["reporters"]]
    assert with_reporters, "the rentsh copy names reporters"
    # Nested columns can be queried without parsing: the reporters of one article, as a list.
    flat = table.column("byline").combine_chunks().field("reporters").to_pylist()
    assert flat == [r["byline"]["reporters"] for r in records]


def _synthetic(path: Path, n: int) -> None:
    db = open_db(path)
    rows = (article_row(Article(url=f"http://synthetic.invalid/{i:06d}.html", site="synthetic", title=f"第{i}篇",
                                body="园区新闻正文。" * 20, published_at=f"2024-01-{1 + i % 28:02d}",
                                byline=Byline(reporters=[f"记者{i % 7}"]),
                                captions=[Caption(text=f"图{i}", image_url=f"http://synthetic.invalid/{i}.jpg")],
                                body_links=[Link(url="http://synthetic.invalid/", text="首页")]))
            for i in range(n))
    with db.conn:
        db["articles"].insert_all(rows, batch_size=500)
    db.close()


def test_parquet_is_written_in_row_groups_of_a_bounded_size(tmp_path: Path) -> None:
    large = tmp_path / "large.db"
    n = PARQUET_BATCH * 2 + 345
    _synthetic(large, n)
    out = tmp_path / "large.parquet"
    result = run_cli("export", "--db", str(large), "-o", str(out))
    assert result.returncode == 0, result.stderr
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == n
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [PARQUET_BATCH, PARQUET_BATCH, 345]
    table = pq.read_table(out, columns=["url", "captions"])
    assert table.column("captions")[5].as_py() == [{"text": "图5", "image_url": "http://synthetic.invalid/5.jpg",
                                                    "credit": None}]


def test_parquet_fields_and_an_empty_selection(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "few.parquet"
    result = run_cli("export", "--db", str(archive), "-o", str(out), "--fields", "title,published_at")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.schema.names == ["url", "title", "published_at", "schema_version"]
    assert table.to_pylist() == _jsonl(archive, "--fields", "title,published_at")
    empty = tmp_path / "none.parquet"
    result = run_cli("export", "--db", str(archive), "-o", str(empty), "--since", "2099-01-01")
    assert result.returncode == 0, result.stderr
    assert pq.read_table(empty).num_rows == 0 and pq.read_table(empty).schema.names[0] == "url"


def test_csv_one_row_per_article_lists_joined_readably(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "rentsh.csv"
    result = run_cli("export", "--db", str(archive), "-o", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    records = _jsonl(archive)
    assert len(rows) == len(records) == 15
    for row, record in zip(rows, records, strict=True):
        assert row["url"] == record["url"]
        assert row["title"] == (record["title"] or "")
        assert row["body"] == (record["body"] or "")  # newlines between paragraphs survive quoting
        assert row["byline.reporters"] == "; ".join(record["byline"]["reporters"])
        assert row["byline.correspondents"] == "; ".join(record["byline"]["correspondents"])
        assert row["images"] == "; ".join(record["images"])
        links = [f"{x['text']} <{x['url']}>" if x["text"] else x["url"] for x in record["body_links"]]
        assert row["body_links"] == "\n".join(links)
        assert row["published_at"] == (record["published_at"] or "")
    assert any(r["byline.reporters"] for r in rows)


def test_csv_bom_for_spreadsheets_and_to_standard_output(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    result = run_cli("export", "--db", str(archive), "-o", str(out), "--bom", "--fields", "title")
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,title,schema_version\r\n")
    stdout = run_cli("export", "--db", str(archive), "--format", "csv", "--fields", "title")
    assert stdout.returncode == 0
    assert stdout.stdout.splitlines()[0] == "url,title,schema_version"
    assert len(list(csv.reader(io.StringIO(stdout.stdout)))) == 16  # header and 15 articles
    bad = run_cli("export", "--db", str(archive), "--bom")
    assert bad.returncode == 2 and "--bom applies to --format csv only" in bad.stderr


def test_a_missing_optional_package_is_one_line(archive: Path, tmp_path: Path) -> None:
    # A directory first on the path whose pyarrow and warcio fail to import, as when absent.
    shadow = tmp_path / "shadow"
    for name in ("pyarrow", "warcio"):
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError({f'No module named {name!r}'!r})\n")
    env = {"PYTHONPATH": str(shadow)}
    result = run_cli("export", "--db", str(archive), "-o", str(tmp_path / "x.parquet"), env=env)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == ["Error: --format parquet needs pyarrow: pip install 'parknews[parquet]'"]
    result = run_cli("export", "--db", str(archive), "-o", str(tmp_path / "x.warc.gz"), env=env)
    assert result.stderr.strip().splitlines() == ["Error: --format warc needs warcio: pip install 'parknews[warc]'"]
    assert not (tmp_path / "x.parquet").exists()
