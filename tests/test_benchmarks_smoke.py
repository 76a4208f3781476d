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


def test_the_launcher_counts_the_cpu_of_orphaned_descendants(tmp_path: Path, monkeypatch) -> None:
    # The crawl's extraction worker is a grandchild nobody waits for (multiprocessing's forkserver
    # forks it): a launcher measuring wait4 on the command alone misses its CPU. Here the command's
    # child exits at once, leaving an orphaned grandchild that burns 0.4 s of CPU.
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.run import run_process

    burn = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    if os.fork() == 0:\n"
        "        end = time.process_time() + 0.4\n"
        "        while time.process_time() < end: pass\n"
        "    os._exit(0)\n"
        "os.wait()\n"
    )
    proc = run_process([sys.executable, "-c", burn], tmp_path)
    assert proc.status == 0
    assert proc.cpu >= 0.35, f"the grandchild's 0.4 s of CPU was not counted ({proc.cpu:.2f} s)"
