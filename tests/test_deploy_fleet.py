"""The systemd units of the crawl fleet under deploy/systemd/ (README.md, "A crawl fleet on Redis").

They must parse as unit files (and pass `systemd-analyze verify` where it is installed), run the
real `parknews fleet` commands with options those commands have (checked against each command's
own --help, in a fresh interpreter, and by parsing the command line as the CLI would), take
Redis' URL from /etc/parknews/fleet.env, stop gracefully, and be named in the README. No Redis
is needed: nothing here starts a fleet (tests/test_fleet.py does).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import pytest
from systemd_units import one as _one
from systemd_units import seconds as _seconds
from systemd_units import unit as _unit

from conftest import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"
WRITER = "parknews-fleet-writer.service"
WORKER = "parknews-fleet-worker@.service"
CRAWL = "parknews-fleet-crawl.service"
TIMER = "parknews-fleet-crawl.timer"
UNITS = (WRITER, WORKER, CRAWL, TIMER)
SERVICES = {WRITER: "writer", WORKER: "worker", CRAWL: "crawl"}
PARKNEWS = "/opt/parknews/bin/parknews"
ENV_FILE = "/etc/parknews/fleet.env"
#: Hardening every crawl unit has (parknews@.service): the fleet's units keep it.
HARDENING = ("NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "ProtectHome", "PrivateTmp", "PrivateDevices",
             "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
             "ProtectClock", "ProtectHostname", "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime",
             "RestrictSUIDSGID", "LockPersonality", "SystemCallArchitectures", "CapabilityBoundingSet", "UMask")


def _environment(service: dict[str, list[str]]) -> dict[str, str]:
    """Environment= lines (each `NAME=VALUE`, or quoted `"NAME=VALUE with spaces"`)."""
    env: dict[str, str] = {}
    for line in service.get("Environment", []):
        for assignment in shlex.split(line):
            name, _, value = assignment.partition("=")
            env[name] = value
    return env


def _argv(name: str) -> list[str]:
    """The parknews command line a service runs (the one inside `sh -c` for the crawl unit),
    with systemd's `$$` as the literal `$` the shell sees."""
    argv = shlex.split(_one(_unit(SYSTEMD / name)["Service"], "ExecStart"))
    if argv[0] == "/bin/sh":
        assert argv[1] == "-c" and len(argv) == 3, argv
        inner = argv[2].replace("$$", "$")
        argv = shlex.split(inner)
        assert argv[0] == "exec", argv  # sh is replaced: SIGTERM reaches parknews itself
        argv = argv[1:]
    return argv


def _help(command: str) -> str:
    result = subprocess.run([sys.executable, "-m", "parknews.cli", "fleet", command, "--help"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _help_options(text: str) -> set[str]:
    """The option names an --help lists (`--redis`, `-s`, `--set`, ...)."""
    block = text.split("Options:", 1)[1]
    return set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", block))


@pytest.mark.parametrize("name", UNITS)
def test_the_units_parse_as_systemd_ini(name: str) -> None:
    parser = ConfigParser(strict=False, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((SYSTEMD / name).read_text("utf-8"), source=name)
    unit = _unit(SYSTEMD / name)
    assert set(parser.sections()) == set(unit)
    assert _one(unit["Unit"], "Description")
    kind = "Timer" if name.endswith(".timer") else "Service"
    assert kind in unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    true = shutil.which("true")
    assert true
    names = []
    for name in UNITS:
        # verify insists that ExecStart's program exists: stand in for the venv's.
        text = re.sub(r"^ExecStart=/opt/\S+", f"ExecStart={true}", (SYSTEMD / name).read_text("utf-8"), flags=re.M)
        (tmp_path / name).write_text(text, "utf-8")
        names.append(str(tmp_path / name.replace("@.", "@1.")))
    result = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr
    for spec in _unit(SYSTEMD / TIMER)["Timer"]["OnCalendar"]:
        check = subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("name", list(SERVICES))
def test_services_run_the_fleet_command_with_options_it_has(name: str) -> None:
    command = SERVICES[name]
    argv = _argv(name)
    assert argv[:3] == [PARKNEWS, "fleet", command], argv
    text = _help(command)
    known = _help_options(text)
    used = [a for a in argv[3:] if a.startswith("-")]
    assert used, argv
    for option in used:
        assert option.split("=", 1)[0] in known, f"{name}: {option} is not an option of `parknews fleet {command}`"
    # Redis' URL comes from the environment file, through the option's own envvar.
    assert "--redis" not in argv and "$PARKNEWS_REDIS" in text

    # And the command line parses as the CLI would parse it, with the variables filled in.
    import click

    from parknews.cli import cli

    values = {"${PARKNEWS_DB}": "/var/lib/parknews/parknews.db", "${PARKNEWS_FLEET_PREFIX}": "parknews",
              "$PARKNEWS_FLEET_PREFIX": "parknews", "%H": "crawl1", "%i": "1"}
    args = []
    for a in argv[3:]:
        if a == "$PARKNEWS_ARGS":
            continue  # empty unless a drop-in sets it
        for var, value in values.items():
            a = a.replace(var, value)
        assert "$" not in a and "%" not in a, f"{name}: unexpanded {a!r}"
        args.append(a)
    ctx = click.Context(cli, info_name="parknews")
    fleet = cli.get_command(ctx, "fleet")
    assert isinstance(fleet, click.Group)
    sub = fleet.get_command(ctx, command)
    assert sub is not None
    sub.make_context(command, args, parent=ctx)  # raises click.UsageError on a bad option


@pytest.mark.parametrize("name", list(SERVICES))
def test_services_read_redis_from_the_env_file_and_stop_gracefully(name: str) -> None:
    unit = _unit(SYSTEMD / name)
    service = unit["Service"]
    assert _one(service, "EnvironmentFile") == ENV_FILE  # no "-": a missing file fails the start, loudly
    assert _one(service, "User") == "parknews" and _one(service, "Group") == "parknews"
    assert _one(service, "WorkingDirectory") == "/var/lib/parknews"
    assert _one(service, "KillSignal") == "SIGTERM"
    assert _seconds(_one(service, "TimeoutStopSec")) >= 30
    assert "network-online.target" in _one(unit["Unit"], "After").split()
    assert "network-online.target" in _one(unit["Unit"], "Wants").split()
    env = _environment(service)
    # Every variable the command line uses is set by the unit (fleet.env may override it).
    for var in re.findall(r"\$\{?(\w+)", _one(service, "ExecStart").replace("$$", "$")):
        assert var in env, f"{name}: ${var} is not set by an Environment= line"
    assert env["PARKNEWS_FLEET_PREFIX"] == "parknews"  # the CLI's default prefix
    reference = _unit(SYSTEMD / "parknews@.service")["Service"]
    for key in HARDENING:
        assert service.get(key) == reference[key], f"{name}: {key}= differs from parknews@.service"


@pytest.mark.parametrize("name", [WRITER, WORKER])
def test_the_long_running_services_restart_on_failure_and_start_at_boot(name: str) -> None:
    unit = _unit(SYSTEMD / name)
    service = unit["Service"]
    assert _one(service, "Type") == "simple"
    assert _one(service, "Restart") == "on-failure"
    assert _seconds(_one(service, "RestartSec")) >= 1
    assert _one(unit["Install"], "WantedBy") == "multi-user.target"
    # Time for a worker to finish its in-flight requests (DOWNLOAD_TIMEOUT, 30 s, each) after SIGTERM.
    assert _seconds(_one(service, "TimeoutStopSec")) >= (120 if name == WORKER else 30)
    assert "--until-done" not in _argv(name)  # a service runs until stopped


def test_the_writer_writes_the_archive_the_unit_names() -> None:
    service = _unit(SYSTEMD / WRITER)["Service"]
    db = Path(_environment(service)["PARKNEWS_DB"])
    assert db.is_absolute() and str(db.parent) in _one(service, "ReadWritePaths").split()
    argv = _argv(WRITER)
    assert argv[argv.index("--db") + 1] == "${PARKNEWS_DB}"


def test_worker_names_are_unique_across_hosts_and_instances() -> None:
    argv = _argv(WORKER)
    worker_id = argv[argv.index("--id") + 1]
    assert "%H" in worker_id and "%i" in worker_id, worker_id
    assert argv[-1] == "$PARKNEWS_ARGS"


def test_the_crawl_service_enqueues_every_profile_of_the_folder(tmp_path: Path) -> None:
    unit = _unit(SYSTEMD / CRAWL)
    service = unit["Service"]
    assert _one(service, "Type") == "oneshot"
    assert "Install" not in unit  # started by its timer
    argv = _argv(CRAWL)
    assert argv[-1] == "/etc/parknews/sites/*.toml", argv
    # Run the unit's own shell line with `parknews` replaced by a stand-in that prints its
    # arguments, and the folder by one of ours: the glob and the variables expand as intended.
    sites = tmp_path / "sites"
    sites.mkdir()
    for stem in ("b-park", "a-park"):
        (sites / f"{stem}.toml").write_text(f'name = "{stem}"\n', "utf-8")
    (sites / "notes.txt").write_text("not a profile\n", "utf-8")
    stand_in = tmp_path / "parknews"
    stand_in.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', "utf-8")
    stand_in.chmod(0o755)
    script = shlex.split(_one(service, "ExecStart"))[2].replace("$$", "$")
    script = script.replace(PARKNEWS, str(stand_in)).replace("/etc/parknews/sites", str(sites))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PARKNEWS_FLEET_PREFIX": "fleet2",
           "PARKNEWS_ARGS": "--recheck 7"}
    result = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["fleet", "crawl", "--prefix", "fleet2", "--recheck", "7",
                                          str(sites / "a-park.toml"), str(sites / "b-park.toml")]


def test_the_timer_starts_the_crawl_service() -> None:
    unit = _unit(SYSTEMD / TIMER)
    timer = unit["Timer"]
    assert _one(timer, "Unit") == CRAWL
    assert (SYSTEMD / _one(timer, "Unit")).is_file()
    assert timer["OnCalendar"]
    assert _one(timer, "Persistent") == "true"
    assert _seconds(_one(timer, "RandomizedDelaySec")) > 0
    assert _one(unit["Install"], "WantedBy") == "timers.target"


def test_readme_has_the_fleet_section_after_scheduled_crawls_and_names_every_unit() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert "A crawl fleet on Redis" in headings
    assert headings.index("A crawl fleet on Redis") == headings.index("Scheduled crawls") + 1
    section = readme.split("## A crawl fleet on Redis", 1)[1].split("\n## ", 1)[0]
    for name in UNITS:
        assert name in section, name
    for path in re.findall(r"`(deploy/[^`\s]+)`", section):
        assert (ROOT / path).exists(), path
    for needle in ("pip install 'parknews[fleet]'", ENV_FILE, "PARKNEWS_REDIS", "appendonly yes",
                   "appendfsync everysec", "maxmemory-policy noeviction", "parknews fleet status --json",
                   "pages_waiting_for_writer", "stopped answering"):
        assert needle in section, needle
    commands = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for command in ("writer", "worker", "crawl", "status"):
        assert f"| `parknews fleet {command}" in commands, command
