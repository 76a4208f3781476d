"""CI quality gate: extraction scores on the project's own fixtures may not drop below
the floors pinned in benchmarks/quality_floors.toml (no boilerplate in any body, bylines,
captions, dates and titles right)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_own_fixture_scores_meet_the_pinned_floors() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/quality.py", "--only", "parknews", "--datasets", "own", "--gate", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
