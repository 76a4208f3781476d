#!/usr/bin/env python3
"""Build the Scrapy egg that scrapyd runs, straight from the source tree.

    python deploy/scrapyd/build_egg.py                 # writes dist/parknews-<version>.egg
    python deploy/scrapyd/build_egg.py -o /tmp/eggs    # another output folder

scrapyd only runs projects uploaded as eggs: a zip of the package plus an
EGG-INFO folder whose entry_points.txt names the settings module under
``[scrapy]``. This script writes exactly that with the standard library, so the
project needs no setup.py and no ``bdist_egg`` (deprecated in setuptools). The
package files are the ones pyproject.toml ships: every module under parknews/
and the package-data globs (the site profiles in parknews/sites/*.toml above all).

The egg holds parknews only; its dependencies (Scrapy, lxml, sqlite-utils, ...)
must be installed next to scrapyd (see README, "Scheduled crawls").
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "parknews"
SETTINGS_MODULE = "parknews.crawl.settings"
# Fixed timestamps: the same tree gives the same egg, byte for byte.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _version(root: Path) -> str:
    text = (root / PACKAGE / "__init__.py").read_text("utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not match:
        raise SystemExit(f"no __version__ in {root / PACKAGE / '__init__.py'}")
    return match.group(1)


def package_files(root: Path = ROOT) -> list[Path]:
    """Files of the package, relative to root: modules plus pyproject's package-data."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    globs = pyproject.get("tool", {}).get("setuptools", {}).get("package-data", {}).get(PACKAGE, [])
    base = root / PACKAGE
    found = {p for p in base.rglob("*.py")}
    for pattern in globs:
        found.update(base.glob(pattern))
    return sorted(
        p.relative_to(root) for p in found
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


def _metadata(version: str) -> dict[str, str]:
    return {
        "EGG-INFO/PKG-INFO": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n",
        "EGG-INFO/entry_points.txt": f"[scrapy]\nsettings = {SETTINGS_MODULE}\n",
        "EGG-INFO/top_level.txt": f"{PACKAGE}\n",
    }


def build_egg(out_dir: str | Path = ROOT / "dist", root: Path = ROOT) -> Path:
    """Write <out_dir>/parknews-<version>.egg and return its path."""
    version = _version(root)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    egg = out / f"{PACKAGE}-{version}.egg"
    tmp = egg.with_suffix(".egg.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in package_files(root):
            info = zipfile.ZipInfo(rel.as_posix(), ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (root / rel).read_bytes())
        for name, text in _metadata(version).items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text)
    tmp.replace(egg)
    return egg


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the parknews egg for scrapyd (addversion.json).")
    parser.add_argument("-o", "--out-dir", default=str(ROOT / "dist"), help="folder for the egg (default: dist/)")
    args = parser.parse_args(argv)
    print(build_egg(args.out_dir))


if __name__ == "__main__":
    main()
