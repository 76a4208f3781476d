"""The package layout is the architecture: which side of the crawl/archive line a module is on.

``parknews.extract`` (pure page -> record functions), ``parknews.sites`` (profiles as data) and
``parknews.archive`` (the SQLite archive, its readers and the reading room) must work without a
crawler: importing every module of them must not load Scrapy or Twisted, nor reach into the
crawling side (``parknews.crawl``) or the command line.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import parknews

PROBE = r"""
import importlib, json, pkgutil, sys
import parknews.archive, parknews.extract, parknews.sites
names = ["parknews.items"]
for pkg in (parknews.extract, parknews.archive, parknews.sites):
    names += [pkg.__name__ + "." + m.name for m in pkgutil.iter_modules(pkg.__path__)]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted")
                or m.startswith("parknews.crawl") or m.startswith("parknews.cli"))
print(json.dumps({"imported": names, "loaded": loaded}))
"""


def test_extract_and_archive_import_neither_scrapy_nor_the_crawling_side() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "parknews.archive.store" in report["imported"] and "parknews.extract.article" in report["imported"]
    assert len(report["imported"]) >= 20
    assert report["loaded"] == []


def test_every_module_sits_in_one_of_the_named_places() -> None:
    top = {m.name for m in pkgutil.iter_modules(parknews.__path__)}
    assert top == {"archive", "cli", "crawl", "extract", "items", "sites"}, "a new module belongs to a side"
