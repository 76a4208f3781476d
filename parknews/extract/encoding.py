"""Turn page bytes into text, choosing the encoding by evidence rather than trust.

Chinese CMS sites often send a server-default ``charset=utf-8`` header in front of
a GBK page (or the reverse). A strict decode is a cheap, strong test: GBK bytes
are almost never valid UTF-8, so we try UTF-8 strictly first, then the declared
charsets, then the common Chinese encodings, and only as a last resort decode
with replacement characters (and say so).
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterator

# GB2312 and GBK are subsets of GB18030; decoding as GB18030 accepts the characters
# real "gb2312" pages use anyway (they are mostly GBK in practice).
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5-hkscs": "big5hkscs",
    "x-user-defined": "windows-1252",
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class DecodeError(ValueError):
    """The bytes could not be decoded as text in any plausible encoding."""


@functools.lru_cache(maxsize=256)
def normalize_encoding(name: str | None) -> str | None:
    """Python codec name for a charset label, or None when Python does not know it."""
    if not name:
        return None
    label = name.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return _ALIASES.get(codecs.lookup(label).name, codecs.lookup(label).name)
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB (``<meta charset>`` or http-equiv)."""
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _candidates(body: bytes, content_type: str | None) -> Iterator[str | None]:
    """Charset labels to try, in order; the declarations are read only when UTF-8 fails."""
    yield "utf-8"
    yield meta_charset(body)
    yield header_charset(content_type)
    yield "gb18030"
    yield "big5"


def decode_html(
    body: bytes, *, content_type: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode ``body`` and return ``(text, codec_name)``.

    Order: an explicit override (a profile's ``encoding``), a BOM, strict UTF-8,
    the page's meta charset, the HTTP header charset, GB18030, Big5; the first that
    decodes without error wins. Raises DecodeError for empty or binary input.
    """
    if not body:
        raise DecodeError("empty response body")
    if b"\x00" in body[:2048] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DecodeError("binary content (NUL bytes), not an HTML page")
    if override:
        codec = normalize_encoding(override)
        if codec is None:
            raise DecodeError(f"unknown encoding {override!r}")
        return body.decode(codec, "replace"), codec
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    tried: list[str] = []
    for label in _candidates(body, content_type):
        codec = normalize_encoding(label)
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    # Nothing decodes cleanly: a page with a few corrupt bytes. Use the declared
    # charset (or GB18030) with replacement characters rather than lose the page.
    codec = normalize_encoding(meta_charset(body)) or normalize_encoding(header_charset(content_type)) or "gb18030"
    text = body.decode(codec, "replace")
    if text.count("\ufffd") > max(20, len(text) // 50):
        raise DecodeError(f"undecodable: no encoding fits (tried {', '.join(tried)})")
    return text, codec
