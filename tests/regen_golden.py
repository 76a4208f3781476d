"""Regenerate the golden records from the fixture pages: python tests/regen_golden.py [SITE ...]

Review the result with `git diff tests/fixtures` before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_pages import fixture_pages, write_golden  # noqa: E402

if __name__ == "__main__":
    sites = set(sys.argv[1:])
    count = 0
    for page in fixture_pages():
        if not sites or page.site in sites:
            write_golden(page)
            count += 1
    print(f"wrote {count} golden records")
