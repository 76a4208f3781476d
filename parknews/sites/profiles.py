"""Site profiles: one TOML file per site, loaded into a SiteProfile.

A profile is data: where to start, which URLs are articles and listings, optional
selectors for the extractor and politeness settings. Built-in profiles live in
``parknews/sites/``; a user passes a path to a file of their own.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from parknews.extract import SiteRules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Read through importlib.resources: a folder when installed, a folder inside the zipped egg under scrapyd.
SITES_DIR = files("parknews") / "sites"
CMS_DIR = SITES_DIR / "cms"
#: Fields whose coverage a run measures (share of new articles that have them).
COVERAGE_FIELDS = ("title", "body", "date", "byline")


class ProfileError(ValueError):
    """A profile that cannot be found or does not make sense."""


@dataclass
class SiteSettings:
    """Politeness and fetching settings; None means "use the project default"."""

    download_delay: float | None = None
    concurrency: int | None = None
    """Concurrent requests per domain."""
    obey_robots: bool | None = None
    autothrottle: bool | None = None
    user_agent: str | None = None


@dataclass
class SiteProfile:
    name: str
    start_urls: list[str]
    allowed_domains: list[str]
    article_url: list[re.Pattern[str]]
    """Matched (search) against the URL's path and query; a URL is an article when one matches."""
    listing_url: list[re.Pattern[str]] = field(default_factory=list)
    """Listing and pagination pages to follow, matched like article_url."""
    page_offset: int = 0
    """Page number = the ``page`` group's value + page_offset (TRS: ``index_1.html`` is page 2)."""
    pagination_script: tuple[re.Pattern[str], str] | None = None
    """Pagination written by a script: a regex over the listing page's source with groups
    ``count`` and ``current`` (0-based) and a template for the next page's URL relative to
    the page (``{n}`` is the next page's 0-based index; other groups by name)."""
    links_in_scripts: bool = False
    """Also take links from ``href="..."`` inside scripts (lists a CMS writes with JavaScript)."""
    extends: str | None = None
    """The CMS preset (parknews/sites/cms/NAME.toml) the profile builds on."""
    next_page: str | None = None
    """CSS selector of the pagination links, when a pattern is not enough."""
    title: str | None = None
    """Human name of the site."""
    selectors: SiteRules = field(default_factory=SiteRules)
    settings: SiteSettings = field(default_factory=SiteSettings)
    feeds: list[str] = field(default_factory=list)
    """RSS/Atom feeds and sitemaps (paths on the site, or URLs): more places to discover articles."""
    stale_listing_pages: int = 1
    """Incremental runs stop paginating a section after this many listing pages in a row
    hold no article that is not archived yet."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Minimum share of a run's new articles with each field (title, body, date, byline);
    below it the run warns and exits non-zero (a redesign broke extraction)."""
    path: Path | None = None
    original_domains: list[str] = field(default_factory=list)
    """The site's own domains when the profile was pointed at a mirror (with_start_urls)."""

    def with_start_urls(self, urls: list[str]) -> SiteProfile:
        """The same profile pointed at other hosts (a mirror, a local copy).

        Allowed domains follow the new start URLs, so the crawl stays on them.
        """
        hosts = []
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ProfileError(f"--start-url must be an http(s) URL, got {url!r}")
            hosts.append(parts.hostname)
        return replace(self, start_urls=list(urls), allowed_domains=list(dict.fromkeys(hosts)),
                       original_domains=self.original_domains or list(self.allowed_domains))

    def listing_position(self, url: str) -> tuple[str, int] | None:
        """(section, page number) of a listing URL whose pattern names them, else None.

        listing_url may name groups ``section`` and ``page`` (page 1 may have no page
        part): then pagination is walked in order and can stop early.
        """
        target = _path_query(url)
        for pattern in self.listing_url:
            if "page" not in pattern.groupindex:
                continue
            match = pattern.search(target)
            if match is None:
                continue
            groups = match.groupdict()
            section = groups.get("section") or ""
            return section, int(groups["page"]) + self.page_offset if groups.get("page") else 1
        return None

    def feed_urls(self) -> list[str]:
        """Feed and sitemap URLs, paths resolved against each start URL's origin."""
        urls = []
        for feed in self.feeds:
            if feed.startswith(("http://", "https://")):
                urls.append(feed)
                continue
            for start in self.start_urls:
                parts = urlsplit(start)
                urls.append(f"{parts.scheme}://{parts.netloc}/{feed.lstrip('/')}")
        return list(dict.fromkeys(urls))

    def is_article(self, url: str) -> bool:
        target = _path_query(url)
        return any(p.search(target) for p in self.article_url)

    def is_listing(self, url: str) -> bool:
        target = _path_query(url)
        return any(p.search(target) for p in self.listing_url)

    def script_next_page(self, url: str, text: str) -> str | None:
        """The next listing page a pagination script names, or None (last page, no script)."""
        if self.pagination_script is None:
            return None
        pattern, template = self.pagination_script
        match = pattern.search(text)
        if match is None:
            return None
        groups = match.groupdict()
        try:
            count, current = int(groups["count"]), int(groups["current"])
        except (KeyError, TypeError, ValueError):
            return None
        if current + 1 >= count:
            return None
        from urllib.parse import urljoin

        return urljoin(url, template.format(n=current + 1, **{k: v or "" for k, v in groups.items()}))


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped in parknews/sites/."""
    return sorted(p.name.removesuffix(".toml") for p in SITES_DIR.iterdir() if p.name.endswith(".toml"))


def load_profile(name_or_path: str | Path) -> SiteProfile:
    """Load a built-in profile by name, or a profile file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or path.exists()):
        path = SITES_DIR / f"{text}.toml"  # type: ignore[assignment]
        if not path.is_file():
            known = ", ".join(builtin_profiles()) or "none"
            raise ProfileError(f"no profile named {text!r} (built-in profiles: {known}; or pass a path to a .toml file)")
    if not path.is_file():
        raise ProfileError(f"profile file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    return profile_from_dict(data, path=path)


def _patterns(data: dict[str, Any], key: str, path: Path | None, required: bool = False) -> list[re.Pattern[str]]:
    value = data.get(key)
    if value is None or value == []:
        if required:
            raise ProfileError(f"{path}: missing required key {key!r}")
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProfileError(f"{path}: {key} must be a regular expression (a string) or a list of them, got {_describe(value)}")
    out = []
    for v in values:
        try:
            out.append(re.compile(v))
        except re.error as exc:
            raise ProfileError(f"{path}: {key} is not a valid regular expression: {v!r}: {exc}") from exc
    return out


def load_preset(name: str, path: Path | None = None) -> dict[str, Any]:
    """A CMS preset's table (parknews/sites/cms/NAME.toml)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ProfileError(f"{path}: extends must name a CMS preset, got {_describe(name)}")
    preset = CMS_DIR / f"{name}.toml"
    if not preset.is_file():
        known = ", ".join(cms_presets()) or "none"
        raise ProfileError(f"{path}: extends = {name!r} names no CMS preset (presets: {known})")
    return tomllib.loads(preset.read_text(encoding="utf-8"))


def cms_presets() -> list[str]:
    """Names of the CMS presets shipped in parknews/sites/cms/."""
    return sorted(p.name.removesuffix(".toml") for p in CMS_DIR.iterdir() if p.name.endswith(".toml"))


#: Preset keys that describe the CMS, not a site: never merged into a profile.
_PRESET_ONLY = ("detect", "description", "cms")


def _with_preset(data: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """The profile's table on top of its preset's: the profile's keys win, tables merge key by key."""
    if "extends" not in data:
        return data
    base = {k: v for k, v in load_preset(data["extends"], path).items() if k not in _PRESET_ONLY}
    merged = dict(base)
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def _str_list(value: Any, key: str, path: Path | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ProfileError(f"{path}: {key} must be a string or a list of strings")


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _table(data: dict[str, Any], key: str, path: Path | None) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: {key} must be a table ([{key}]), got {_describe(value)}")
    return value


def _optional(value: Any, key: str, path: Path | None, kind: str) -> Any:
    """None, or a value of the kind the key needs: "number" (>= 0), "count" (>= 1), "bool", "text"."""
    if value is None:
        return None
    ok = {
        "number": isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0,
        "count": isinstance(value, int) and not isinstance(value, bool) and value >= 1,
        "bool": isinstance(value, bool),
        "text": isinstance(value, str) and bool(value.strip()),
    }[kind]
    if not ok:
        expected = {"number": "a number >= 0", "count": "a whole number >= 1", "bool": "true or false",
                    "text": "a non-empty string"}[kind]
        raise ProfileError(f"{path}: {key} must be {expected}, got {_describe(value)}")
    return value


def _check_selectors(selectors: list[str], key: str, path: Path | None) -> None:
    from cssselect import GenericTranslator, SelectorError

    for selector in selectors:
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as exc:
            raise ProfileError(f"{path}: {key} holds an invalid CSS selector {selector!r}: {exc}") from None


def _http_url(url: str, key: str, path: Path | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProfileError(f"{path}: {key} must hold http(s) URLs with a host, got {url!r}")


def profile_from_dict(data: dict[str, Any], path: Path | None = None) -> SiteProfile:
    """Validate a parsed profile table (on top of its ``extends`` preset) and build the SiteProfile."""
    data = _with_preset(data, path)
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise ProfileError(f"{path}: 'name' must be a short identifier (letters, digits, _ . -)")
    start_urls = _str_list(data.get("start_urls"), "start_urls", path)
    if not start_urls:
        raise ProfileError(f"{path}: 'start_urls' must list at least one URL")
    for url in start_urls:
        _http_url(url, "start_urls", path)  # never file:, ftp:, data: ...
    allowed = _str_list(data.get("allowed_domains"), "allowed_domains", path) or [
        urlsplit(u).hostname or "" for u in start_urls
    ]
    for domain in allowed:
        if not re.fullmatch(r"[A-Za-z0-9.-]+", domain):
            raise ProfileError(f"{path}: allowed_domains must hold host names (no scheme, port or path), got {domain!r}")
    feeds = _str_list(data.get("feeds"), "feeds", path)
    for feed in feeds:
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", feed):
            _http_url(feed, "feeds", path)
    _optional(data.get("title"), "title", path, "text")
    if data.get("next_page") is not None:
        _optional(data["next_page"], "next_page", path, "text")
        _check_selectors([data["next_page"]], "next_page", path)
    sel = _table(data, "selectors", path)
    unknown = set(sel) - {"title", "body", "date", "category", "meta", "related", "drop"}
    if unknown:
        raise ProfileError(f"{path}: unknown selector keys: {', '.join(sorted(unknown))}")
    unknown = set(data) - {"name", "title", "start_urls", "allowed_domains", "article_url", "listing_url",
                           "next_page", "feeds", "selectors", "settings", "incremental", "thresholds",
                           "extends", "page_offset", "pagination_script", "links_in_scripts"}
    if unknown:
        raise ProfileError(f"{path}: unknown keys: {', '.join(sorted(unknown))}")
    incremental = _table(data, "incremental", path)
    stale = incremental.get("stale_listing_pages", 1)
    if not isinstance(stale, int) or isinstance(stale, bool) or stale < 1:
        raise ProfileError(f"{path}: incremental.stale_listing_pages must be a whole number >= 1, got {_describe(stale)}")
    thresholds = _table(data, "thresholds", path)
    bad = [k for k, v in thresholds.items() if k not in COVERAGE_FIELDS or isinstance(v, bool)
           or not isinstance(v, (int, float)) or not 0 <= v <= 1]
    if bad:
        raise ProfileError(f"{path}: thresholds must map {', '.join(COVERAGE_FIELDS)} to numbers from 0 to 1 (bad: {', '.join(bad)})")
    st = _table(data, "settings", path)
    unknown = set(st) - {"download_delay", "concurrency", "obey_robots", "autothrottle", "user_agent", "encoding"}
    if unknown:
        raise ProfileError(f"{path}: unknown settings keys: {', '.join(sorted(unknown))}")
    selectors = {k: _str_list(sel.get(k), f"selectors.{k}", path)
                 for k in ("title", "body", "date", "category", "meta", "related", "drop")}
    for key, values in selectors.items():
        _check_selectors(values, f"selectors.{key}", path)
    encoding = _optional(st.get("encoding"), "settings.encoding", path, "text")
    if encoding is not None:
        from parknews.extract.encoding import normalize_encoding

        if normalize_encoding(encoding) is None:
            raise ProfileError(f"{path}: settings.encoding names no encoding Python knows: {encoding!r}")
    rules = SiteRules(**selectors, encoding=encoding or None)
    offset = data.get("page_offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= 10:
        raise ProfileError(f"{path}: page_offset must be a whole number from 0 to 10, got {_describe(offset)}")
    script = _table(data, "pagination_script", path)
    pagination_script = None
    if script:
        if set(script) - {"pattern", "next"} or not all(isinstance(script.get(k), str) for k in ("pattern", "next")):
            raise ProfileError(f"{path}: pagination_script must be a table with the strings pattern and next")
        compiled = _patterns({"pagination_script.pattern": script["pattern"]}, "pagination_script.pattern", path, required=True)[0]
        if not {"count", "current"} <= set(compiled.groupindex):
            raise ProfileError(f"{path}: pagination_script.pattern must name the groups count and current")
        pagination_script = (compiled, script["next"])
    links_in_scripts = _optional(data.get("links_in_scripts"), "links_in_scripts", path, "bool") or False
    settings = SiteSettings(
        download_delay=_optional(st.get("download_delay"), "settings.download_delay", path, "number"),
        concurrency=_optional(st.get("concurrency"), "settings.concurrency", path, "count"),
        obey_robots=_optional(st.get("obey_robots"), "settings.obey_robots", path, "bool"),
        autothrottle=_optional(st.get("autothrottle"), "settings.autothrottle", path, "bool"),
        user_agent=_optional(st.get("user_agent"), "settings.user_agent", path, "text"),
    )
    return SiteProfile(
        name=name,
        title=data.get("title"),
        start_urls=start_urls,
        allowed_domains=[d for d in allowed if d],
        article_url=_patterns(data, "article_url", path, required=True),
        listing_url=_patterns(data, "listing_url", path),
        page_offset=offset,
        pagination_script=pagination_script,
        links_in_scripts=links_in_scripts,
        extends=data.get("extends"),
        next_page=data.get("next_page"),
        selectors=rules,
        settings=settings,
        feeds=feeds,
        stale_listing_pages=stale,
        thresholds={k: float(v) for k, v in thresholds.items()},
        path=path,
    )


def find_profile_for_url(url: str) -> SiteProfile | None:
    """The built-in profile whose allowed domains cover the URL's host, if any."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return None
    for name in builtin_profiles():
        profile = load_profile(name)
        if any(host == d or host.endswith("." + d) for d in profile.allowed_domains):
            return profile
    return None
