"""Archive commands: ``runs`` (what each crawl did) and ``export`` (records out of the archive)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from parknews.cli.common import DB_HELP, iso_date, open_archive_for_reading
from parknews.cli.common import emit as _emit

#: The runs table as `parknews runs` prints it: (column, title that explains itself).
RUN_COLUMNS = [
    ("id", "run"), ("profile", "site"), ("started_at", "started (UTC)"), ("duration", "took"),
    ("how", "how started"), ("finish_reason", "ended"), ("pages_fetched", "pages fetched"),
    ("articles_new", "new articles"), ("articles_updated", "changed"), ("articles_unchanged", "unchanged"),
    ("articles_skipped", "already archived"), ("articles_deleted", "gone from site"),
    ("failures", "failed URLs"), ("listing_failed", "failed listings"), ("warnings", "warnings"),
]

#: Columns of the runs table that hold JSON; --json gives them as JSON values.
_JSON_COLUMNS = ("args", "warnings", "coverage")


@click.command()
@click.option("--db", help=DB_HELP)
@click.option("--site", help="Only runs of this profile.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs, newest first.")
@click.option("--run", "run_id", type=click.IntRange(min=1), metavar="N",
              help="One run in full: its counts, arguments, warnings and every URL that failed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run instead of a table.")
def runs(db: str | None, site: str | None, limit: int, run_id: int | None, as_json: bool) -> None:
    """Show the history of crawl runs: what each did and what failed.

    "how started" is demo (parknews demo), crawl or crawl --full (parknews crawl),
    recheck (parknews crawl --recheck DAYS) or scrapyd/scrapy (the spider run by scrapyd or
    scrapy crawl, which start their run in the store pipeline).

    \b
    Example:
      parknews runs --site rentsh
      parknews runs --run 12            # what run 12 fetched, failed and warned about
    """
    conn = open_archive_for_reading(db, min_version=1)
    try:
        if run_id is not None:
            rows = list(conn.query("SELECT * FROM runs WHERE id = ?", [run_id]))
            if not rows:
                raise click.ClickException(f"no run {run_id} in this archive (parknews runs lists them)")
            failed = list(conn.query("SELECT * FROM failures WHERE run_id = ? ORDER BY id", [run_id]))
        else:
            where, params = ("WHERE profile = ?", [site]) if site else ("", [])
            rows = list(conn.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", [*params, limit]))
    finally:
        conn.close()
    if run_id is not None:
        _show_run(_run_record(rows[0]), failed, as_json)
        return
    if as_json:
        for row in rows:
            _emit(_run_record(row))
        return
    table = [[_run_cell(row, key) for key, _ in RUN_COLUMNS] for row in rows]
    headers = [title for _, title in RUN_COLUMNS]
    widths = [max([len(h)] + [len(r[i]) for r in table]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if not rows:
        click.echo("(no runs yet)")
    else:
        click.echo("(parknews runs --run N: the failed URLs and warnings of run N)")


def _json_value(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def how_started(row: dict[str, Any]) -> str:
    """The way a run was started, in the words of the command: demo, crawl, crawl --full,
    recheck or scrapyd."""
    args = _json_value(row.get("args")) or {}
    mode = row.get("mode")
    if mode == "demo":
        return "demo"
    if isinstance(args, dict) and args.get("recheck") is not None:
        return "recheck"
    if mode == "full":
        return "crawl --full"
    if mode == "incremental":
        return "crawl"
    return "scrapyd/scrapy" if mode is None and isinstance(args, dict) and "full" not in args else (mode or "crawl")


def _run_record(row: dict[str, Any]) -> dict[str, Any]:
    record = {k: (_json_value(v) if k in _JSON_COLUMNS else v) for k, v in row.items()}
    if record.get("warnings") is None:
        record["warnings"] = []  # runs started outside `parknews crawl` record none
    record["how_started"] = how_started(row)
    return record


def _show_run(run: dict[str, Any], failed: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        _emit({**run, "failed": [{k: v for k, v in f.items() if k != "run_id"} for f in failed]})
        return
    for key, title in RUN_COLUMNS:
        if key not in ("warnings",):
            click.echo(f"{title + ':':<18} {_run_cell(run, key)}")
    click.echo(f"{'finished (UTC):':<18} {(run.get('finished_at') or '-')[:19].replace('T', ' ')}")
    args = run.get("args") or {}
    if isinstance(args, dict):
        click.echo("arguments:")
        for name, value in args.items():
            if value not in (None, False, [], ""):
                click.echo(f"{'  ' + name + ':':<18} {value if not isinstance(value, list) else ' '.join(map(str, value))}")
    warnings = run.get("warnings") or []
    click.echo(f"warnings ({len(warnings)}):" if warnings else "warnings: none")
    for warning in warnings:
        click.echo(f"  {warning}")
    click.echo(f"failed URLs ({len(failed)}):" if failed else "failed URLs: none")
    for f in failed:
        code = f.get("status")
        status = f" HTTP {code}" if code and code >= 400 and str(code) not in (f.get("reason") or "") else ""
        click.echo(f"  {f['url']}  [{f.get('kind') or '?'} {f['stage']}{status}] {f['reason']}")


def _run_cell(row: dict[str, Any], key: str) -> str:
    if key == "duration":
        from datetime import datetime

        if not row.get("finished_at"):
            return "-"
        seconds = (datetime.fromisoformat(row["finished_at"]) - datetime.fromisoformat(row["started_at"])).total_seconds()
        return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"
    if key == "started_at":
        return (row.get(key) or "")[:19].replace("T", " ")
    if key == "how":
        return row.get("how_started") or how_started(row)
    if key == "warnings":
        value = row.get(key)
        return str(len(_json_value(value) or []))
    value = row.get(key)
    return "-" if value is None else str(value)


@click.command()
@click.option("--db", help=DB_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write here instead of standard output; gzip-compressed when the name ends in .gz.")
@click.option("--site", help="Only articles of this profile.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=iso_date, help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--fields", metavar="NAME,...", help="Only these record fields (url and schema_version are always kept).")
@click.option("--after", type=click.IntRange(min=0), metavar="CURSOR",
              help="Only articles added or changed after this cursor (printed by the previous export).")
@click.option("--cursor-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Incremental export: read the cursor from FILE (if it exists), write the new one after success.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "warc", "parquet", "csv"]),
              help="jsonl (records), warc (the raw pages with their records), parquet (typed columns) "
                   "or csv (one row per article). Default: by the output's ending (.warc.gz, .warc, "
                   ".parquet, .csv), else jsonl.")
@click.option("--bom", is_flag=True, help="CSV only: start with a UTF-8 byte-order mark, for Excel.")
def export(db: str | None, output: str | None, site: str | None, since: str | None, until: str | None,
           fields: str | None, after: int | None, cursor_file: str | None, fmt: str | None, bom: bool) -> None:
    """Export articles as JSON Lines (UTF-8, one record per line, ordered by URL), WARC,
    Parquet or CSV.

    Records follow the JSON Schema in parknews/schemas/article.schema.json. Every
    export ends by printing a cursor on standard error; --after CURSOR (or
    --cursor-file) then exports only the articles added or changed since, so a
    downstream consumer misses nothing and gets nothing twice.

    \b
    Example:
      parknews export -o articles.jsonl --site rentsh --since 2024-01-01
      parknews export -o new.jsonl.gz --cursor-file state/cursor --fields title,body,published_at
      parknews export -o pages.warc.gz --site rentsh
      parknews export -o articles.parquet
      parknews export -o articles.csv --bom
    """
    from parknews.archive.exporters import MissingExtra, format_for, require
    from parknews.archive.store import change_cursor

    fmt = format_for(output, fmt)
    try:
        require(fmt)
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from None
    if fmt in ("warc", "parquet") and not output:
        raise click.UsageError(f"--format {fmt} writes a binary file: give it with -o FILE")
    if fmt == "warc" and fields:
        raise click.UsageError("--fields does not apply to --format warc (its records are whole)")
    if bom and fmt != "csv":
        raise click.UsageError("--bom applies to --format csv only")
    wanted = _parse_fields(fields)
    if cursor_file and after is None:
        try:
            text = Path(cursor_file).read_text("utf-8").strip()
        except FileNotFoundError:
            text = ""
        if text:
            if not text.isdigit():
                raise click.ClickException(f"{cursor_file} does not hold a cursor (a number): {text[:40]!r}")
            after = int(text)
    conn = open_archive_for_reading(db)
    try:
        # One read transaction: the cursor and the rows come from the same snapshot of the archive.
        conn.execute("BEGIN")
        cursor = change_cursor(conn)
        if after is not None and after > cursor:
            raise click.ClickException(f"cursor {after} is ahead of this archive (latest {cursor}): "
                                       "was it made on another or a rebuilt archive?")
        filters = {"site": site, "since": since, "until": until, "after": after, "upto": cursor}
        count = _write(conn, fmt, output, wanted, bom, filters)
        conn.execute("COMMIT")
    finally:
        conn.close()
    if cursor_file:
        Path(cursor_file).parent.mkdir(parents=True, exist_ok=True)
        Path(cursor_file).write_text(f"{cursor}\n", "utf-8")
    where = f" to {output}" if output else ""
    if fmt == "warc":
        count, pages = count
        where = f" with {pages} raw pages{where}"
    changed = f" changed after cursor {after}" if after is not None else ""
    click.echo(f"exported {count} articles{changed}{where}; cursor {cursor} (next: --after {cursor})", err=True)


def _write(conn: Any, fmt: str, output: str | None, wanted: list[str] | None, bom: bool,
           filters: dict[str, Any]) -> Any:
    from parknews.archive import exporters

    if fmt == "warc":
        assert output is not None
        with open(output, "wb") as raw:
            return exporters.write_warc(conn, raw, gzip=output.endswith(".gz"), **filters)
    if fmt == "parquet":
        assert output is not None
        return exporters.write_parquet(conn, output, fields=wanted, **filters)
    writer = exporters.write_csv if fmt == "csv" else write_jsonl
    extra = {"bom": bom} if fmt == "csv" else {}
    if output:
        with _open_output(output, newline="" if fmt == "csv" else None) as fh:
            return writer(conn, fh, fields=wanted, **extra, **filters)
    if fmt == "csv":
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
    return writer(conn, sys.stdout, fields=wanted, **extra, **filters)


def _parse_fields(value: str | None) -> list[str] | None:
    if not value:
        return None
    from parknews.archive.schema import json_schema

    known = list(json_schema()["properties"])
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.BadParameter(f"unknown field {', '.join(unknown)}; fields are {', '.join(known)}",
                                 param_hint="--fields")
    return [n for n in known if n in names or n in ("url", "schema_version")]


def _open_output(output: str, newline: str | None = None) -> IO[str]:
    if output.endswith(".gz"):
        import gzip

        # mtime=0 and no file name in the header: the same export gives the same bytes.
        raw = gzip.GzipFile(filename="", mode="wb", fileobj=open(output, "wb"), mtime=0)  # noqa: SIM115
        return _GzipText(raw, newline="\n" if newline is None else newline)
    return open(output, "w", encoding="utf-8", newline=newline)  # noqa: SIM115


class _GzipText(io.TextIOWrapper):
    """Text wrapper over a GzipFile that also closes the file object under it."""

    def __init__(self, raw: Any, newline: str = "\n") -> None:
        super().__init__(raw, encoding="utf-8", newline=newline)
        self._file = raw.fileobj

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._file.close()


def write_jsonl(conn: Any, out: IO[str], *, fields: list[str] | None = None, **filters: Any) -> int:
    """Stream the archive's articles as JSON Lines to ``out``, one at a time; returns the count.

    ``fields`` keeps only these keys (in schema order); ``filters`` go to ``store.iter_articles``.
    """
    from parknews.archive.exporters import records

    count = 0
    for record in records(conn, **filters):
        if fields is not None:
            record = {k: record[k] for k in fields}
        _emit(record, out)
        count += 1
    return count


def register(group: click.Group) -> None:
    group.add_command(runs)
    group.add_command(export)
