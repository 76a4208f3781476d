"""Run bookkeeping for scheduled crawls: the per-profile lock, resumable runs, verdicts.

No Scrapy here: the CLI prepares a run (lock, run row, job directory), hands it to
the crawler, and judges the finished row (finish reason, failed listing pages,
field coverage against the profile's thresholds).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlite_utils

from parknews.archive.store import now_iso, start_run
from parknews.sites.profiles import SiteProfile


class LockedError(RuntimeError):
    """Another run of the same profile holds the lock."""


class RunLock:
    """An exclusive, non-blocking lock per (archive, profile), held for the whole run.

    flock(2) locks die with their process, so a killed run never leaves a stale lock.
    """

    def __init__(self, db_path: Path, profile: str) -> None:
        self.path = db_path.with_name(f"{db_path.name}.{profile}.lock")
        self._fh: IO[str] | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise LockedError(holder) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()} since {now_iso()}")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class PreparedRun:
    run_id: int
    resumed: bool


#: Finish reasons of runs that stopped before their work was done.
INTERRUPTED = ("shutdown", "abandoned", "cancelled", "disk_full", "archive_error")


def abandon_stale_runs(db: sqlite_utils.Database, profile: str, keep: int | None = None) -> int:
    """Runs of this profile that never finished (the process died): mark them abandoned.

    Only called while holding the profile's lock, so none of them is still running.
    """
    with db.atomic():
        cursor = db.execute(
            "UPDATE runs SET finish_reason = 'abandoned', finished_at = ? "
            "WHERE profile = ? AND finished_at IS NULL AND id IS NOT ?",
            [now_iso(), profile, keep],
        )
    return cursor.rowcount


def resumable_run(db: sqlite_utils.Database, profile: str) -> dict[str, Any] | None:
    """The profile's latest run, when it was interrupted (it is the one ``--resume`` continues)."""
    rows = list(db.query("SELECT * FROM runs WHERE profile = ? ORDER BY id DESC LIMIT 1", [profile]))
    if rows and (rows[0]["finish_reason"] is None or rows[0]["finish_reason"] in INTERRUPTED):
        return rows[0]
    return None


def prepare_run(
    db: sqlite_utils.Database, profile: SiteProfile, *, resume: bool, mode: str, args: dict[str, Any]
) -> PreparedRun:
    """Pick the run to continue (``resume``) or start a new one.

    Either way the crawl starts from the archive's frontier (what earlier runs discovered
    and did not fetch), so a plain run after a crash completes the archive just as
    ``--resume`` does; resuming only keeps counting in the interrupted run's row. There is
    no Scrapy job directory: the frontier is written in the archive's own transactions, so
    no kill can leave it half-written or shared with another archive.
    """
    previous = resumable_run(db, profile.name) if resume else None
    if previous is not None:
        abandon_stale_runs(db, profile.name, keep=previous["id"])
        with db.atomic():
            db["runs"].update(previous["id"], {"finish_reason": None, "finished_at": None})
        return PreparedRun(previous["id"], resumed=True)
    abandon_stale_runs(db, profile.name)
    run_id = start_run(db, profile.name, args)
    with db.atomic():
        db["runs"].update(run_id, {"mode": mode})
    return PreparedRun(run_id, resumed=False)


def _listing_failures(db: sqlite_utils.Database, run: dict[str, Any]) -> list[dict[str, Any]]:
    """This run's failed listing pages (start URLs, listings, feeds), each with whether it
    ever answered before this run (``pages.ok_at``)."""
    return list(db.query(
        "SELECT f.url, f.stage, f.reason, p.ok_at AS ok_at FROM failures f LEFT JOIN pages p ON p.url = f.url "
        "WHERE f.run_id = ? AND f.kind = 'listing' ORDER BY f.id",
        [run["id"]],
    ))


def run_verdict(
    db: sqlite_utils.Database, run: dict[str, Any], profile: SiteProfile
) -> tuple[list[str], list[str]]:
    """(problems, notes) of a finished run. Problems make the CLI exit 1, so cron mails them:
    the run did not finish, a start URL failed, a listing page or feed that answered in an
    earlier run broke, coverage fell below the profile's thresholds. Notes are dead links
    never seen to work (a category the site dropped, a feed it never had): recorded in the
    run row and printed, but no reason to wake anyone every night.
    """
    problems, notes = [], []
    reason = run.get("finish_reason")
    fatal = json.loads(run.get("notes") or "[]") if reason in ("disk_full", "archive_error") else []
    if fatal:
        problems.append(f"run {run.get('id')} stopped: {fatal[0]}; free space and run again (the frontier keeps what is left)")
    elif reason != "finished":
        problems.append(f"run {run.get('id')} did not finish normally ({reason}); 'parknews crawl {profile.name} --resume' continues it")
    starts = {u.rstrip("/") for u in profile.start_urls}
    broke, dead = [], []
    for row in _listing_failures(db, run):
        (broke if row["url"].rstrip("/") in starts or row["ok_at"] else dead).append(row)
    if broke:
        urls = ", ".join(r["url"] for r in broke[:3]) + (" ..." if len(broke) > 3 else "")
        problems.append(
            f"{len(broke)} listing page(s) that answered before failed ({urls}): the site may be down or "
            f"redesigned (see: parknews runs --site {profile.name}; the failures table)"
        )
    for row in dead:
        notes.append(f"dead link, never seen to work: {row['url']} [{row['stage']}] {row['reason']}")
    coverage = json.loads(run.get("coverage") or "{}")
    shares = coverage.get("shares") or {}
    for field_name, minimum in profile.thresholds.items():
        share = shares.get(field_name)
        if share is not None and share < minimum:
            new = (coverage.get("counts") or {}).get("new", 0)
            problems.append(
                f"only {share:.0%} of {new} new articles have a {field_name} (profile threshold {minimum:.0%}): "
                "extraction may be broken by a redesign"
            )
    return problems, notes
