"""The fixture pages and their hand-written expectations, shared by tests and the regen script.

Each site copy lives in ``parknews/demo_site/<site>/``; its ground truth in
``tests/fixtures/<site>/expected.toml`` (facts written by reading the pages) and its
golden records in ``tests/fixtures/<site>/golden/<name>.json`` (full extractor output,
regenerated with ``python tests/regen_golden.py`` and reviewed in ``git diff``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from parknews.crawl.localsite import DEMO_SITES
from parknews.extract import ExtractionError
from parknews.extract.process import article_from_raw
from parknews.items import RawPage
from parknews.sites.profiles import SiteProfile, builtin_profiles, load_profile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The host the fixture pages pretend to live on (their profile's real domain);
#: a test-only site may name its own in tests/fixtures/<site>/host.txt.
FIXTURE_HOSTS = {"rentsh": "http://rent.sh.cn"}


@dataclass
class FixturePage:
    site: str
    path: str
    """URL path, e.g. /index.php/post/11584.html."""
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.site}:{self.path}"

    @property
    def root(self) -> Path:
        """The site copy: the bundled demo site, or a test-only copy in tests/fixtures/<site>/site/."""
        demo = DEMO_SITES / self.site
        return demo if demo.is_dir() else FIXTURES / self.site / "site"

    @property
    def file(self) -> Path:
        return self.root / self.path.lstrip("/")

    @property
    def url(self) -> str:
        host_file = FIXTURES / self.site / "host.txt"
        host = host_file.read_text("utf-8").strip() if host_file.exists() else FIXTURE_HOSTS.get(self.site)
        return (host or f"http://{self.site}.example") + self.path

    @property
    def golden(self) -> Path:
        name = self.path.strip("/").replace("/", "_")
        return FIXTURES / self.site / "golden" / f"{name}.json"

    def content_type(self) -> str | None:
        config = self.root / "site.toml"
        if config.exists():
            return tomllib.loads(config.read_text("utf-8")).get("content_type", {}).get(self.path)
        return None


def fixture_pages() -> list[FixturePage]:
    pages = []
    for expected_file in sorted(FIXTURES.glob("*/expected.toml")):
        site = expected_file.parent.name
        for path, expected in tomllib.loads(expected_file.read_text("utf-8")).items():
            pages.append(FixturePage(site=site, path=path, expected=expected))
    return pages


def fixture_profile(site: str) -> SiteProfile | None:
    """The built-in profile of that name, else tests/fixtures/<site>/profile.toml, else None (generic)."""
    if site in builtin_profiles():
        return load_profile(site)
    own = FIXTURES / site / "profile.toml"
    return load_profile(own) if own.exists() else None


def extract_fixture(page: FixturePage) -> dict[str, Any]:
    """Extract a fixture page through the crawl's own path; an error becomes {"error": ...}."""
    profile = fixture_profile(page.site)
    headers = {"content-type": ct} if (ct := page.content_type()) else {}
    raw = RawPage(url=page.url, final_url=page.url, status=200, headers=headers, body=page.file.read_bytes(),
                  kind="article", fetched_at="2024-01-01T00:00:00+00:00", site=page.site)
    try:
        return article_from_raw(raw, profile.selectors if profile else None).to_dict()
    except ExtractionError as exc:
        return {"url": page.url, "error": str(exc), "reason": exc.reason}


def write_golden(page: FixturePage) -> None:
    page.golden.parent.mkdir(parents=True, exist_ok=True)
    page.golden.write_text(json.dumps(extract_fixture(page), ensure_ascii=False, indent=2) + "\n", "utf-8")
