"""Record and raw-page writers for ``parknews export``: WARC, Parquet and CSV.

JSON Lines stays in ``parknews.cli.archive.write_jsonl``; these are the formats other tools
read: WARC for web-archive tooling (pywb, warcio, the Internet Archive's readers), Parquet
for dataframes (pandas, polars, DuckDB), CSV for spreadsheets. Every writer streams the
archive one article at a time, so memory does not grow with the archive.

warcio and pyarrow are optional extras (``pip install 'parknews[warc]'``,
``pip install 'parknews[parquet]'``); ``require`` turns a missing one into one clear line.
"""

from __future__ import annotations

import csv
import dataclasses
import http
import json
import types
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

from parknews import __version__, items
from parknews.items import Article

#: Output formats and the file-name endings that pick them when --format is not given.
FORMATS = ("jsonl", "warc", "parquet", "csv")
_ENDINGS = ((".warc.gz", "warc"), (".warc", "warc"), (".parquet", "parquet"), (".csv", "csv"))

#: Extra to install for each optional format.
_EXTRAS = {"warc": ("warcio", "warc"), "parquet": ("pyarrow", "parquet")}


class MissingExtra(RuntimeError):
    """An optional package the chosen format needs is not installed."""


def format_for(output: str | None, chosen: str | None) -> str:
    """The export format: the one chosen, else the output name's ending, else JSON Lines."""
    if chosen:
        return chosen
    name = (output or "").lower()
    for ending, fmt in _ENDINGS:
        if name.endswith(ending):
            return fmt
    return "jsonl"


def require(fmt: str) -> None:
    """Raise MissingExtra (one line, with the pip command) when ``fmt`` needs a missing package."""
    if fmt not in _EXTRAS:
        return
    module, extra = _EXTRAS[fmt]
    try:
        __import__(module)
    except ImportError:
        raise MissingExtra(f"--format {fmt} needs {module}: pip install 'parknews[{extra}]'") from None


def records(db: Any, **filters: Any) -> Iterator[dict[str, Any]]:
    """The selected articles as export records (schema order), ``cluster_id`` added from the
    archive's syndication clusters; one row at a time."""
    from parknews.archive.store import iter_articles

    has_clusters = bool(list(db.query(
        "SELECT name FROM sqlite_master WHERE name = 'article_signatures'")))
    for article in iter_articles(db, **filters):
        record = article.to_dict()
        version = record.pop("schema_version")
        record["cluster_id"] = None
        if has_clusters:
            found = list(db.query("SELECT cluster_id FROM article_signatures WHERE url = ?", [article.url]))
            record["cluster_id"] = found[0]["cluster_id"] if found else None
        record["schema_version"] = version
        yield record


# --- WARC ------------------------------------------------------------------------------

#: Headers that describe the bytes on the wire, not the body the archive kept: the store
#: holds the body after transfer and content decoding, so these would lie about the payload.
#: They are kept under an ``X-Archive-Orig-`` name, as web archives do.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


def _page_for(db: Any, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM pages WHERE url = ? AND status < 400", [url]))
    if not rows:
        rows = list(db.query("SELECT * FROM pages WHERE final_url = ? AND status < 400 ORDER BY fetched_at DESC LIMIT 1",
                             [url]))
    return rows[0] if rows else None


def _http_date(iso: str | None) -> str:
    """WARC-Date (ISO 8601 UTC, seconds) from the stored fetch time."""
    if not iso:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_warc(db: Any, fh: IO[bytes], *, gzip: bool = True, **filters: Any) -> tuple[int, int]:
    """Write the raw pages of the selected articles as WARC/1.1; returns (articles, pages).

    For each article whose page is in the archive: a ``request`` record (the GET the spider
    made), a ``response`` record (status line, the original response headers, the body as
    archived, payload and block digests) and a ``metadata`` record holding the extracted
    record as JSON, tied to the response by WARC-Concurrent-To. An article whose page is not
    archived (imported records) gets its metadata record alone, so the count stays honest.
    """
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from parknews.archive.store import load_page_body

    writer = WARCWriter(fh, gzip=gzip, warc_version="1.1")
    info = writer.create_warcinfo_record("parknews-export.warc", {
        "software": f"parknews/{__version__}",
        "format": "WARC File Format 1.1",
        "description": "Article pages from a parknews archive; bodies as archived (transfer and "
                       "content encoding removed, original values under X-Archive-Orig-*)",
    })
    writer.write_record(info)
    articles = pages = 0
    for data in records(db, **filters):
        articles += 1
        page = _page_for(db, data["url"])
        date = _http_date(page["fetched_at"] if page else data["fetched_at"])
        response_id = None
        if page is not None:
            target = page["final_url"] or page["url"]
            body = load_page_body(page)
            stored = json.loads(page["headers"] or "{}")
            headers: list[tuple[str, str]] = []
            for name, value in stored.items():
                if name.lower() in _WIRE_HEADERS:
                    headers.append((f"X-Archive-Orig-{name}", value))
                else:
                    headers.append((name, value))
            headers.append(("Content-Length", str(len(body))))
            try:
                phrase = http.HTTPStatus(page["status"]).phrase
            except ValueError:
                phrase = "Unknown"
            status = StatusAndHeaders(f"{page['status']} {phrase}", headers, protocol="HTTP/1.1")
            warc_headers = {"WARC-Date": date}
            response = writer.create_warc_record(target, "response", payload=BytesIO(body),
                                                 length=len(body), http_headers=status,
                                                 warc_headers_dict=warc_headers)
            split = urlsplit(target)
            path = split.path or "/"
            if split.query:
                path += "?" + split.query
            request = writer.create_warc_record(
                target, "request", payload=BytesIO(b""), length=0,
                http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", split.netloc)], is_http_request=True),
                warc_headers_dict={"WARC-Date": date})
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request.rec_headers.add_header("WARC-Concurrent-To", response_id)
            writer.write_record(request)
            writer.write_record(response)
            pages += 1
        record = json.dumps(data, ensure_ascii=False).encode("utf-8")
        meta_headers = {"WARC-Date": date, "Content-Type": "application/json"}
        if response_id:
            meta_headers["WARC-Concurrent-To"] = response_id
        metadata = writer.create_warc_record(data["url"], "metadata", payload=BytesIO(record),
                                             length=len(record), warc_content_type="application/json",
                                             warc_headers_dict=meta_headers)
        writer.write_record(metadata)
    return articles, pages


# --- Parquet ---------------------------------------------------------------------------

#: Rows per Parquet row group: bounds the memory of a write to this many records.
PARQUET_BATCH = 1000


def _arrow_type(tp: Any) -> Any:
    import pyarrow as pa

    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return _arrow_type(inner)
    if origin is list:
        return pa.list_(_arrow_type(args[0]))
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, vars(items))
        return pa.struct([pa.field(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(tp)])
    return {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}[tp]


def arrow_schema() -> Any:
    """The Arrow schema of the record, derived from the Article dataclass like the JSON Schema:
    lists are list<>, bylines, captions and links are structs, never JSON strings."""
    import pyarrow as pa

    from parknews.items import SCHEMA_VERSION

    hints = typing.get_type_hints(Article, vars(items))
    fields = [pa.field(f.name, _arrow_type(hints[f.name]), nullable=f.name != "url") for f in dataclasses.fields(Article)]
    fields.append(pa.field("cluster_id", pa.int64()))
    fields.append(pa.field("schema_version", pa.string(), nullable=False))
    return pa.schema(fields, metadata={"parknews.schema_version": SCHEMA_VERSION})


def write_parquet(db: Any, path: str, *, fields: list[str] | None = None, batch: int = PARQUET_BATCH,
                  **filters: Any) -> int:
    """Write the selected articles to a Parquet file in row groups of ``batch`` records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema()
    if fields is not None:
        schema = pa.schema([schema.field(name) for name in fields], metadata=schema.metadata)
    count = 0
    rows: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for record in records(db, **filters):
            rows.append({name: record[name] for name in schema.names})
            count += 1
            if len(rows) >= batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return count


# --- CSV -------------------------------------------------------------------------------

#: How a list of names is joined in one CSV cell.
CSV_LIST_SEPARATOR = "; "


def _cell(value: Any) -> str:
    """One field as readable CSV text: names joined with "; ", links as "text <url>", one a line."""
    if value is None:
        return ""
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return CSV_LIST_SEPARATOR.join(value)
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"url", "text"}:
            return f"{value['text']} <{value['url']}>" if value["text"] else value["url"]
        if "text" in value and "rule" in value:
            return f"[{value['rule']}] {value['text']}"
        if "text" in value and "image_url" in value:
            parts = [value["text"]]
            if value.get("credit"):
                parts.append(f"({value['credit']})")
            if value.get("image_url"):
                parts.append(f"<{value['image_url']}>")
            return " ".join(parts)
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items() if v not in (None, [], ""))
    return str(value)


def csv_columns(fields: list[str] | None = None) -> list[str]:
    """CSV column order: the record's fields, the byline spread over its own columns."""
    names = fields or [f.name for f in dataclasses.fields(Article)] + ["cluster_id", "schema_version"]
    columns: list[str] = []
    for name in names:
        if name == "byline":
            columns += [f"byline.{f.name}" for f in dataclasses.fields(items.Byline)]
        else:
            columns.append(name)
    return columns


def _csv_row(record: dict[str, Any], columns: list[str]) -> list[str]:
    out = []
    for column in columns:
        if column.startswith("byline."):
            out.append(_cell(record["byline"][column.split(".", 1)[1]]))
        else:
            out.append(_cell(record[column]))
    return out


def iter_csv_rows(db: Any, *, fields: list[str] | None = None, **filters: Any) -> Iterator[list[str]]:
    columns = csv_columns(fields)
    yield columns
    for record in records(db, **filters):
        yield _csv_row(record, columns)


def write_csv(db: Any, out: IO[str], *, fields: list[str] | None = None, bom: bool = False, **filters: Any) -> int:
    """One row per article, UTF-8; ``bom`` starts the file with a byte-order mark so that
    Excel opens the Chinese text as UTF-8 instead of the system code page."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    for row in iter_csv_rows(db, fields=fields, **filters):
        writer.writerow(row)
        count += 1
    return count
