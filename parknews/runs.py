"""Run bookkeeping for scheduled crawls: the per-profile lock, resumable runs, verdicts.

No Scrapy here: the CLI prepares a run (lock, run row, job directory), hands it to
the crawler, and judges the finished row (finish reason, failed listing pages,
field coverage against the profile's thresholds).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlite_utils

from parknews.profiles import SiteProfile
from parknews.store import now_iso, start_run


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
    jobdir: Path
    resumed: bool


def jobs_dir(db_path: Path) -> Path:
    return db_path.parent / "jobs"


def abandon_stale_runs(db: sqlite_utils.Database, profile: str, keep: int | None = None) -> int:
    """Runs of this profile that never finished (the process died): mark them abandoned.

    Only called while holding the profile's lock, so none of them is still running.
    Their job directories stay, so ``--resume`` can still pick the latest one up.
    """
    with db.atomic():
        cursor = db.execute(
            "UPDATE runs SET finish_reason = 'abandoned', finished_at = ? "
            "WHERE profile = ? AND finished_at IS NULL AND id IS NOT ?",
            [now_iso(), profile, keep],
        )
    return cursor.rowcount


def resumable_run(db: sqlite_utils.Database, profile: str) -> dict[str, Any] | None:
    """The latest interrupted run of the profile whose job directory still exists."""
    rows = db.query(
        "SELECT * FROM runs WHERE profile = ? AND jobdir IS NOT NULL "
        "AND (finish_reason IS NULL OR finish_reason IN ('shutdown', 'abandoned', 'cancelled')) "
        "ORDER BY id DESC LIMIT 1",
        [profile],
    )
    for row in rows:
        if Path(row["jobdir"]).is_dir():
            return row
    return None


def prepare_run(
    db: sqlite_utils.Database, db_path: Path, profile: SiteProfile, *, resume: bool, mode: str, args: dict[str, Any]
) -> PreparedRun:
    """Pick the run to continue (``resume``) or start a new one with its own job directory.

    A job directory is never shared between runs: a reused one would make Scrapy's
    dupefilter skip every page the earlier run saw.
    """
    previous = resumable_run(db, profile.name) if resume else None
    if previous is not None:
        abandon_stale_runs(db, profile.name, keep=previous["id"])
        with db.atomic():
            db["runs"].update(previous["id"], {"finish_reason": None, "finished_at": None})
        return PreparedRun(previous["id"], Path(previous["jobdir"]), resumed=True)
    abandon_stale_runs(db, profile.name)
    run_id = start_run(db, profile.name, args)
    jobdir = jobs_dir(db_path) / f"{profile.name}-{run_id}"
    with db.atomic():
        db["runs"].update(run_id, {"jobdir": str(jobdir), "mode": mode})
    return PreparedRun(run_id, jobdir, resumed=False)


def close_job(db: sqlite_utils.Database, run: dict[str, Any]) -> None:
    """A run that finished normally has nothing to resume: remove its job directory."""
    if run.get("finish_reason") == "finished" and run.get("jobdir"):
        shutil.rmtree(run["jobdir"], ignore_errors=True)
        with db.atomic():
            db["runs"].update(run["id"], {"jobdir": None})


def run_warnings(run: dict[str, Any], profile: SiteProfile) -> list[str]:
    """What a scheduled run must shout about: it did not finish, listings failed, coverage fell."""
    warnings = []
    reason = run.get("finish_reason")
    if reason != "finished":
        warnings.append(f"run {run.get('id')} did not finish normally ({reason}); 'parknews crawl {profile.name} --resume' continues it")
    if run.get("listing_failed"):
        warnings.append(
            f"{run['listing_failed']} listing page(s) failed: the site may be down or redesigned "
            f"(see: parknews runs --site {profile.name}; the failures table)"
        )
    coverage = json.loads(run.get("coverage") or "{}")
    shares = coverage.get("shares") or {}
    for field_name, minimum in profile.thresholds.items():
        share = shares.get(field_name)
        if share is not None and share < minimum:
            new = (coverage.get("counts") or {}).get("new", 0)
            warnings.append(
                f"only {share:.0%} of {new} new articles have a {field_name} (profile threshold {minimum:.0%}): "
                "extraction may be broken by a redesign"
            )
    return warnings
