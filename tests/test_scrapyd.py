"""scrapyd end to end: build the egg, deploy it to a scrapyd on 127.0.0.1, schedule a
crawl of the bundled rent.sh.cn copy through the HTTP API, find the articles in the archive.

scrapyd runs in its own process group, in a temporary folder holding its scrapyd.conf,
eggs, logs and queues; the fixture stops the whole group. Its job runner is wrapped so
that parknews can only be imported from the uploaded egg, as on a scrapyd host where
only the dependencies are installed: a package file the egg lacks fails the test.

The other scheduling recipes are checked here too: scrapy.cfg's deploy target, the
systemd units and the cron example under deploy/ (their directives, and that the crawl
options they pass are ones the CLI accepts), and the README section that shows them.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from configparser import ConfigParser
from pathlib import Path
from typing import Any

import pytest
from systemd_units import one as _one
from systemd_units import seconds as _seconds
from systemd_units import unit as _unit

from conftest import FIXTURES, ROOT
from parknews.crawl.localsite import DEMO_SITES, LocalSite

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXPECTED = tomllib.loads((FIXTURES / "rentsh" / "expected.toml").read_text("utf-8"))
ARTICLE_PATHS = sorted(p for p, e in EXPECTED.items() if "expect_error" not in e)
START_TIMEOUT = 30.0
JOB_TIMEOUT = 45.0
DEPLOY = ROOT / "deploy"

# `python -m egg_only_runner` from scrapyd's folder: the stock runner, except that the
# top-level parknews package is looked up only in activated eggs on sys.path.
EGG_ONLY_RUNNER = '''\
import importlib.machinery
import os
import sys


class EggOnly:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "parknews":
            return None
        eggs = [p for p in sys.path if p.endswith(".egg")]
        spec = importlib.machinery.PathFinder.find_spec(name, eggs)
        if spec is None:
            raise ModuleNotFoundError(f"parknews is not in an activated egg (eggs on sys.path: {eggs})")
        with open(os.environ["PARKNEWS_EGG_TRACE"], "a", encoding="utf-8") as fh:
            fh.write(spec.origin + "\\n")
        return spec


sys.meta_path.insert(0, EggOnly)

from scrapyd.runner import main  # noqa: E402

main()
'''


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Scrapyd:
    """A scrapyd process on 127.0.0.1 and a small JSON client for its API (stdlib urllib)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = home / "scrapyd.out"
        self.trace = home / "egg-imports.txt"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        (self.home / "egg_only_runner.py").write_text(EGG_ONLY_RUNNER, "utf-8")
        env = {**os.environ, "PARKNEWS_EGG_TRACE": str(self.trace)}
        for name in ("PARKNEWS_DB", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT"):
            env.pop(name, None)  # the archive comes from the job's setting, the settings from the egg
        for _attempt in range(3):  # another process may grab the port between probe and bind
            self.port = _free_port()
            # The shipped configuration, with this test's port, folders and runner.
            conf = ConfigParser()
            conf.read(DEPLOY / "scrapyd" / "scrapyd.conf", encoding="utf-8")
            conf["scrapyd"].update({
                "bind_address": "127.0.0.1",
                "http_port": str(self.port),
                "poll_interval": "0.2",
                "eggs_dir": str(self.home / "eggs"),
                "logs_dir": str(self.home / "logs"),
                "dbs_dir": str(self.home / "dbs"),
                "runner": "egg_only_runner",
            })
            with open(self.home / "scrapyd.conf", "w", encoding="utf-8") as fh:
                conf.write(fh)
            with open(self.output, "ab") as out:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "scrapyd", "--pidfile="],
                    cwd=self.home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            if self._wait_until_up():
                return
            self.stop()
        pytest.fail(f"scrapyd did not start:\n{self.log_tail()}")

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """SIGTERM scrapyd's process group (scrapyd and any crawl it launched), SIGKILL if it lingers."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.proc = None

    def log_tail(self, path: Path | None = None, chars: int = 4000) -> str:
        path = path or self.output
        return path.read_text("utf-8", "replace")[-chars:] if path.exists() else f"({path} missing)"

    # --- HTTP API ------------------------------------------------------------------

    def _call(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return {"status": "error", "http_status": exc.code, "message": exc.read().decode("utf-8", "replace")}

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call(urllib.request.Request(f"{self.url}/{endpoint}{query}"))

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        data = urllib.parse.urlencode(fields).encode("utf-8")
        return self._call(urllib.request.Request(f"{self.url}/{endpoint}", data=data, method="POST"))

    def post_file(self, endpoint: str, fields: dict[str, str], name: str, path: Path) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode() + path.read_bytes() + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        request = urllib.request.Request(
            f"{self.url}/{endpoint}", data=b"".join(parts), method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return self._call(request)


@pytest.fixture()
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    home = tmp_path / "scrapyd"
    home.mkdir()
    server = Scrapyd(home)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _build_egg(out_dir: Path) -> Path:
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "scrapyd" / "build_egg.py"), "-o", str(out_dir)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def test_the_egg_holds_the_package_its_profiles_and_the_scrapy_entry_point(tmp_path: Path) -> None:
    egg = _build_egg(tmp_path)
    assert egg.name.startswith("parknews-") and egg.suffix == ".egg"
    with zipfile.ZipFile(egg) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]" in entry_points and "settings = parknews.crawl.settings" in entry_points
    assert {"EGG-INFO/PKG-INFO", "parknews/__init__.py", "parknews/crawl/settings.py", "parknews/crawl/spiders/site.py"} <= names
    profiles = {p.relative_to(ROOT).as_posix() for p in (ROOT / "parknews" / "sites").glob("*.toml")}
    assert profiles and profiles <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    # The same tree gives the same egg.
    again = _build_egg(tmp_path / "again")
    assert again.read_bytes() == egg.read_bytes()


def test_scrapy_cfg_has_a_deploy_target_for_the_project() -> None:
    cfg = ConfigParser()
    cfg.read(ROOT / "scrapy.cfg", encoding="utf-8")
    assert cfg["settings"]["default"] == "parknews.crawl.settings"
    assert cfg["deploy"]["url"].rstrip("/") == "http://127.0.0.1:6800"
    assert cfg["deploy"]["project"] == "parknews"


def test_a_crawl_scheduled_through_scrapyd_fills_the_archive(scrapyd: Scrapyd, tmp_path: Path) -> None:
    egg = _build_egg(tmp_path / "dist")
    added = scrapyd.post_file("addversion.json", {"project": "parknews", "version": "1"}, "egg", egg)
    assert added.get("status") == "ok", f"{added}\n{scrapyd.log_tail()}"
    assert added["spiders"] == 1
    assert scrapyd.get("listspiders.json", project="parknews")["spiders"] == ["site"]

    db = tmp_path / "archive" / "parknews.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        scheduled = scrapyd.post("schedule.json", [
            ("project", "parknews"),
            ("spider", "site"),
            ("profile", "rentsh"),
            ("start_url", site.url + "/"),
            ("setting", f"PARKNEWS_DB={db}"),
            # Our own loopback server: no politeness delay needed.
            ("setting", "DOWNLOAD_DELAY=0"),
            ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ("setting", "CONCURRENT_REQUESTS_PER_DOMAIN=8"),
        ])
        assert scheduled.get("status") == "ok", scheduled
        job = scheduled["jobid"]
        deadline = time.monotonic() + JOB_TIMEOUT
        finished: dict[str, Any] | None = None
        while finished is None and time.monotonic() < deadline:
            jobs = scrapyd.get("listjobs.json", project="parknews")
            finished = next((j for j in jobs.get("finished", []) if j["id"] == job), None)
            if finished is None:
                time.sleep(0.25)
        requests = dict(site.requests)

    job_log = scrapyd.home / "logs" / "parknews" / "site" / f"{job}.log"
    context = f"job log:\n{scrapyd.log_tail(job_log)}\nscrapyd:\n{scrapyd.log_tail()}"
    assert finished is not None, f"job {job} not finished after {JOB_TIMEOUT:.0f} s\n{context}"
    assert "Traceback" not in job_log.read_text("utf-8", "replace"), context
    assert requests.get("/robots.txt") == 1, context  # the project's settings are in force

    # The job ran the code of the uploaded egg, not the source tree.
    origins = scrapyd.trace.read_text("utf-8").split() if scrapyd.trace.exists() else []
    assert origins and all(str(scrapyd.home / "eggs" / "parknews") in o for o in origins), origins

    assert db.exists(), context
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        urls = [u for (u,) in conn.execute("SELECT url FROM articles")]
        runs = conn.execute("SELECT profile, finish_reason, articles_new, finished_at FROM runs").fetchall()
    assert count == len(ARTICLE_PATHS) == 15, context
    assert sorted("/" + u.split("/", 3)[3] for u in urls) == ARTICLE_PATHS
    assert len(runs) == 1, runs
    profile, reason, new, finished_at = runs[0]
    assert (profile, reason, new) == ("rentsh", "finished", 15) and finished_at, context


# --- the cron and systemd recipes in deploy/ ----------------------------------------

CRAWL_SERVICES = ("parknews@.service", "parknews-recheck@.service")
TIMERS = ("parknews@.timer", "parknews-recheck@.timer")


def _check_crawl_args(argv: list[str]) -> None:
    """The options a recipe passes to `parknews crawl` are ones the CLI accepts."""
    import click

    from parknews.cli import cli

    assert argv[0].endswith("parknews") and argv[1] == "crawl", argv
    ctx = click.Context(cli, info_name="parknews")
    crawl = cli.get_command(ctx, "crawl")
    assert crawl is not None
    crawl.make_context("crawl", argv[2:], parent=ctx)  # raises click.UsageError on a bad option


@pytest.mark.parametrize("name", CRAWL_SERVICES)
def test_crawl_services_are_hardened_oneshots_that_stop_gracefully(name: str) -> None:
    unit = _unit(DEPLOY / "systemd" / name)
    service = unit["Service"]
    assert _one(service, "Type") == "oneshot"
    assert _one(service, "User") == "parknews" and _one(service, "Group") == "parknews"
    env = dict(v.split("=", 1) for v in service["Environment"])
    db = Path(env["PARKNEWS_DB"])
    assert db.is_absolute()
    assert _one(service, "WorkingDirectory") == str(db.parent)
    assert str(db.parent) in _one(service, "ReadWritePaths").split()
    assert _one(service, "NoNewPrivileges") == "yes"
    assert _one(service, "ProtectSystem") == "strict"
    assert _one(service, "ProtectHome") == "yes" and _one(service, "PrivateTmp") == "yes"
    assert int(_one(service, "Nice")) > 0
    assert _one(service, "KillSignal") == "SIGTERM"
    # Time for Scrapy to finish in-flight requests (DOWNLOAD_TIMEOUT each) after SIGTERM.
    assert _seconds(_one(service, "TimeoutStopSec")) >= 60
    # A oneshot's start timeout spans the whole crawl: never the 90 s default.
    assert _seconds(_one(service, "TimeoutStartSec")) >= 3600
    assert "75" in _one(service, "SuccessExitStatus").split()  # the lock was held: skipped
    argv = shlex.split(_one(service, "ExecStart"))
    assert argv[:3] == ["/opt/parknews/bin/parknews", "crawl", "%i"] and argv[-1] == "$PARKNEWS_ARGS"
    _check_crawl_args([a.replace("%i", "rentsh") for a in argv[:-1]])
    assert "network-online.target" in _one(unit["Unit"], "After")


def test_the_recheck_service_differs_from_the_crawl_service_only_in_its_command() -> None:
    crawl, recheck = (_unit(DEPLOY / "systemd" / name)["Service"] for name in CRAWL_SERVICES)
    assert {k: v for k, v in crawl.items() if k != "ExecStart"} == {k: v for k, v in recheck.items() if k != "ExecStart"}
    assert "--recheck 7" in _one(recheck, "ExecStart") and "--recheck" not in _one(crawl, "ExecStart")


@pytest.mark.parametrize("name", TIMERS)
def test_timers_are_persistent_randomized_and_start_their_service(name: str) -> None:
    unit = _unit(DEPLOY / "systemd" / name)
    timer = unit["Timer"]
    assert timer["OnCalendar"]
    assert _seconds(_one(timer, "RandomizedDelaySec")) > 0
    assert _one(timer, "Persistent") == "true"
    target = _one(timer, "Unit")
    assert target == name.replace("@.timer", "@%i.service")
    assert (DEPLOY / "systemd" / target.replace("%i", "")).is_file()
    assert _one(unit["Install"], "WantedBy") == "timers.target"


def test_one_timer_crawls_a_folder_of_sites_with_the_crawl_service_settings() -> None:
    sites, single = (_unit(DEPLOY / "systemd" / name)["Service"] for name in ("parknews-sites.service", "parknews@.service"))
    assert {k: v for k, v in sites.items() if k != "ExecStart"} == {k: v for k, v in single.items() if k != "ExecStart"}
    argv = shlex.split(_one(sites, "ExecStart"))
    assert argv[:4] == ["/opt/parknews/bin/parknews", "crawl", "--sites", "/etc/parknews/sites"]
    _check_crawl_args(argv[:-1])
    timer = _unit(DEPLOY / "systemd" / "parknews-sites.timer")
    assert _one(timer["Timer"], "Unit") == "parknews-sites.service" and _one(timer["Timer"], "Persistent") == "true"
    assert _seconds(_one(timer["Timer"], "RandomizedDelaySec")) > 0
    assert _one(timer["Install"], "WantedBy") == "timers.target"


def test_the_scrapyd_service_runs_scrapyd_with_the_archive_path() -> None:
    service = _unit(DEPLOY / "systemd" / "scrapyd.service")["Service"]
    assert _one(service, "ExecStart").split()[0].endswith("/scrapyd")
    env = dict(v.split("=", 1) for v in service["Environment"])
    assert str(Path(env["PARKNEWS_DB"]).parent) in _one(service, "ReadWritePaths").split()
    assert _one(service, "NoNewPrivileges") == "yes" and _one(service, "ProtectSystem") == "strict"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    true = shutil.which("true")
    assert true
    names = []
    for path in sorted((DEPLOY / "systemd").iterdir()):
        # verify insists that ExecStart's program exists: stand in for the venv's.
        text = re.sub(r"^ExecStart=\S+", f"ExecStart={true}", path.read_text("utf-8"), flags=re.M)
        (tmp_path / path.name).write_text(text, "utf-8")
        names.append(str(tmp_path / path.name.replace("@.", "@rentsh.")))
    result = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr
    for name in TIMERS:
        for spec in _unit(DEPLOY / "systemd" / name)["Timer"]["OnCalendar"]:
            check = subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True, text=True, timeout=30)
            assert check.returncode == 0, check.stderr


def test_the_cron_example_mails_stderr_logs_stdout_and_needs_no_flock() -> None:
    env: dict[str, str] = {}
    jobs: list[str] = []
    for raw in (DEPLOY / "cron" / "parknews.cron").read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            key, _, value = line.partition("=")
            env[key] = value
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]), f"not a cron job: {raw!r}"
        jobs.append(fields[5])
    assert env["MAILTO"] and env["PATH"].split(":")[0] == "/opt/parknews/bin"
    assert Path(env["PARKNEWS_DB"]).is_absolute()
    assert jobs and any("--recheck" in job for job in jobs)
    for job in jobs:
        assert "flock" not in job and "%" not in job  # cron turns % into newlines
        assert ">>" in job and "2>" not in job, job  # the summary to the log, warnings to mail
        command = next(part for part in job.split("&&") if "parknews crawl" in part)
        argv = shlex.split(command.split(">")[0])
        _check_crawl_args(argv)


def test_readme_has_the_scheduled_crawls_recipes_after_the_archive_section() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert "Scheduled crawls" in headings
    assert headings.index("Scheduled crawls") == headings.index("The archive") + 1
    section = readme.split("## Scheduled crawls", 1)[1].split("\n## ", 1)[0]
    for path in re.findall(r"`(deploy/[^`\s]+)`", section):
        assert (ROOT / path).exists(), path
    for needle in ("deploy/cron/parknews.cron", "deploy/systemd/parknews@.service", "deploy/systemd/parknews@.timer",
                   "deploy/scrapyd/build_egg.py", "schedule.json", "--recheck 7", "parknews runs"):
        assert needle in section, needle
