"""``-s NAME=VALUE`` overrides checked against each setting's type, before Scrapy sees them.

Scrapy reads a setting's type only when it uses it, deep inside a running crawl, so
``-s DOWNLOAD_DELAY=abc`` used to end in a long traceback and an unfinished run row. Here the
type comes from the setting's default (Scrapy's ``default_settings`` or ``parknews.crawl.settings``)
and a wrong value is one line naming the setting and what it expects.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from scrapy.settings import default_settings

from parknews.crawl import settings as parknews_settings

_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: Numeric settings that make no sense below zero (delays, timeouts, sizes, counts).
#: Settings measured in seconds or megabytes take fractions even when their default is whole.
_MEASURE = re.compile(r"(DELAY|TIMEOUT|_MAX$|SECONDS|_MB$)")
_NON_NEGATIVE = re.compile(r"(DELAY|TIMEOUT|SIZE|CONCURRENT|TIMES|_MB|_MAX|SECONDS|BATCH)")


class SettingsError(ValueError):
    """An ``-s`` option that is not NAME=VALUE or whose value does not fit the setting."""


def _default(name: str) -> Any:
    for module in (parknews_settings, default_settings):
        if hasattr(module, name):
            return getattr(module, name)
    return None


def convert(name: str, value: str) -> Any:
    """``value`` as the type of ``name``'s default; unknown settings stay strings."""
    default = _default(name)
    text = value.strip()

    def bad(expected: str) -> SettingsError:
        return SettingsError(f"-s {name}={value}: {name} must be {expected}, got {value!r}")

    if isinstance(default, bool):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise bad("true or false")
    if isinstance(default, (int, float)):
        whole = isinstance(default, int) and not _MEASURE.search(name)
        try:
            number: float = int(text) if whole else float(text)
        except ValueError:
            raise bad("a whole number" if whole else "a number") from None
        if isinstance(default, int) and not whole and number == int(number):
            number = int(number)
        if isinstance(number, float) and not math.isfinite(number):
            raise bad("a finite number")
        if number < 0 and _NON_NEGATIVE.search(name):
            raise bad("a number >= 0")
        return number
    if isinstance(default, (list, tuple, dict)):
        if text.startswith(("[", "{")):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                raise bad("JSON (a list or an object)") from None
            if isinstance(default, dict) != isinstance(parsed, dict):
                raise bad("a JSON object" if isinstance(default, dict) else "a JSON list")
            return parsed
        if isinstance(default, dict):
            raise bad("a JSON object")
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def parse_setting_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["DOWNLOAD_DELAY=2", ...]`` -> ``{"DOWNLOAD_DELAY": 2.0, ...}``; SettingsError on the first bad one."""
    overrides: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingsError(f"-s {item}: expected NAME=VALUE")
        if not _NAME.fullmatch(name):
            raise SettingsError(f"-s {item}: {name!r} is not a setting name (UPPER_CASE letters, digits, _)")
        overrides[name] = convert(name, value)
    return overrides
