"""Cost per byte of storing one article: a one-line page of 0.5 MB and of 5 MB, same process.

    python benchmarks/long_page.py

Extraction and archive write (row, full-text index, change log) are timed separately for each
size. The figure that matters is the ratio: ten times the bytes should cost about ten times
the time (the index windows are made in Python, ``parknews.archive.store.fts_windows``, in one pass),
not a hundred times, as the old piece-cutting SQL did (a 5 MB page took about a minute to store).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parknews.archive.store import open_db, save_article  # noqa: E402
from parknews.extract import extract_article  # noqa: E402

SENTENCE = "园区企业持续加大研发投入，新能源产业链加快集聚。"  # 24 characters, 72 bytes in UTF-8


def page(megabytes: float) -> bytes:
    body = SENTENCE * int(megabytes * 1_000_000 / len(SENTENCE.encode("utf-8")))
    return ("<html><head><meta charset='utf-8'><title>超长单行页面</title></head><body><h1>超长单行页面</h1>"
            f"<div class='content'><p>{body}</p></div></body></html>").encode()


def measure(megabytes: float, db_dir: Path) -> tuple[float, float, int]:
    html = page(megabytes)
    started = time.perf_counter()
    article = extract_article(html, f"http://127.0.0.1/post/{int(megabytes * 10)}.html")
    extracted = time.perf_counter() - started
    db = open_db(db_dir / f"{megabytes}.db")
    started = time.perf_counter()
    with db.atomic():
        save_article(db, article, run_id=None)
    stored = time.perf_counter() - started
    db.close()
    return extracted, stored, len(html)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="parknews-longpage-"))
    small = measure(0.5, work)
    large = measure(5.0, work)
    print("| page | bytes | extract s | store s |")
    print("|---|---:|---:|---:|")
    for name, (ex, st, size) in (("0.5 MB one line", small), ("5 MB one line", large)):
        print(f"| {name} | {size:,} | {ex:.2f} | {st:.2f} |")
    print(f"\nbytes x{large[2] / small[2]:.1f}: extraction x{large[0] / small[0]:.1f}, store x{large[1] / small[1]:.1f} "
          "(linear would be about x10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
