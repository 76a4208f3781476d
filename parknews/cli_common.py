"""Pieces shared by the CLI modules: the --db option's help, opening the archive, date options."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

DB_HELP = "Archive path (default: $PARKNEWS_DB or data/parknews.db)."


def db_path(value: str | None) -> Path:
    from parknews.store import default_db_path

    return Path(value) if value else default_db_path()


def open_archive(db: str | None, create: bool = True):  # type: ignore[no-untyped-def]
    """The archive as a sqlite-utils Database, or one clean CLI error line."""
    from parknews.store import StoreError, open_db

    try:
        return open_db(db_path(db), create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback: a YYYY-MM-DD option value, checked."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-10-12") from None
