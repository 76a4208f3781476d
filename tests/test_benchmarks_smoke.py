"""The performance benchmarks run end to end: `python benchmarks/run.py --quick` writes its table.

A smoke run only: tiny sizes, figures not checked (CI machines are too noisy for that). It
writes to a temporary file, never to docs/benchmarks.md, and serves everything on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("1 Extraction", "2 Crawl", "3 Scaling", "4 Incremental", "5 Archive", "6 Search")


def test_quick_benchmarks_write_and_print_the_table(tmp_path: Path) -> None:
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_bytes() if docs.exists() else None
    out = tmp_path / "benchmarks.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    text = out.read_text("utf-8")
    assert "| benchmark | measured | result | target | met |" in text
    for benchmark in BENCHMARKS:
        assert f"| {benchmark} |" in text, f"no row for {benchmark}"
    assert "| 2 Crawl | parknews / bare Scrapy, articles/s |" in text
    assert "issue 4 · after 10 new articles" in text
    assert "## Machine and versions" in text and "- Scrapy: " in text
    assert text.strip() in proc.stdout  # printed as well as written
    assert (docs.read_bytes() if docs.exists() else None) == before  # the committed figures are left alone
