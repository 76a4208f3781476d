"""Turn page bytes into text, choosing the encoding by evidence rather than trust.

Chinese CMS sites often send a server-default ``charset=utf-8`` header in front of
a GBK page (or the reverse), and Tomcat-style servers label everything
``ISO-8859-1``. A strict decode is a cheap, strong test, but not always enough:

* GBK bytes are almost never valid UTF-8, so a strict UTF-8 decode that succeeds
  settles the question at once (the common case, and the fast one).
* Latin-1/windows-1252 decode any bytes, and GB18030 accepts most Big5 byte pairs,
  so when several encodings decode strictly the text decides: each Chinese reading
  is scored by how much of it is common characters and CJK punctuation (mojibake is
  mostly rare characters, kana, symbols and private-use code points), and a Western
  label loses to a plausible Chinese reading unless its own reading looks like a
  Western text (accented letters inside Latin words, not in runs).
* UTF-16 is recognised by its BOM, or without one by the pattern of NUL bytes that
  ASCII markup leaves in it.

Only when nothing decodes cleanly is the page decoded with replacement characters
(and too many of them make it a DecodeError).
"""

from __future__ import annotations

import codecs
import functools
import re

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
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

#: Codec families whose readings are scored against each other.
_CHINESE = frozenset({"gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "iso2022_cn"})
_JAPANESE = frozenset({"shift_jis", "cp932", "euc_jp", "shift_jis_2004", "shift_jisx0213", "euc_jis_2004",
                       "euc_jisx0213", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3",
                       "iso2022_jp_ext", "iso2022_jp_2004"})
_KOREAN = frozenset({"euc_kr", "cp949", "johab", "iso2022_kr"})
#: Encodings tried when the declared ones fail or are not believed; Big5-HKSCS only if Big5 fails.
_GUESSES = ("gb18030", "big5")

#: A reading whose non-ASCII characters are at least this share common characters and CJK
#: punctuation is plausible text (real news text scores 0.95-1.0; GB18030 read from Big5 bytes
#: about 0.3, Big5 read from GBK bytes 0.4-0.6 on short stretches).
_PLAUSIBLE = 0.8
#: A reading with replacement characters that scores below this is not text at all.
_GARBAGE = 0.4
#: Share of high bytes standing alone (or windows-1252 punctuation) from which bytes look Western:
#: English, French and German pages 0.55-1.0; Chinese pages in GBK under 0.1, in Big5 under 0.3.
_WESTERN = 0.5
#: Scores this close count as a tie, which the declared label wins.
_TIE = 0.05
#: Non-ASCII characters scored per reading: plenty to decide, cheap on any page.
_SAMPLE_CHARS = 4000
#: How far into the decoded text the sample is looked for.
_SAMPLE_SPAN = 400_000

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_HIGH_RUN = re.compile(rb"[\xa1-\xff]+")
_WESTERN_PUNCTUATION = bytes(range(0x80, 0xA1))
_C0_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


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


# --- evidence: how plausible a reading is ---------------------------------------------------------


def _pairs(leads: range, trails: tuple[range, ...], last: int = 0xFFFF) -> bytes:
    return bytes(b for lead in leads for t in trails for trail in t if lead << 8 | trail <= last for b in (lead, trail))


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """The characters ordinary Chinese text is made of, taken from Python's codecs: GB2312's
    level-1 hanzi (lead bytes 0xB0-0xD7, 3755 characters) and Big5's frequently used characters
    (0xA440-0xC67E, 5401 characters). Built once, on first use (a few milliseconds)."""
    gb = _pairs(range(0xB0, 0xD8), (range(0xA1, 0xFF),)).decode("gb2312", "replace")
    big5 = _pairs(range(0xA4, 0xC7), (range(0x40, 0x7F), range(0xA1, 0xFF)), last=0xC67E).decode("big5", "replace")
    return frozenset(gb + big5) - {"\ufffd"}


def _chars(*ranges: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))


@functools.cache
def _good_chars(family: str) -> frozenset[str]:
    """Characters that count as evidence for a reading in this codec family: common hanzi and
    the punctuation and symbols Chinese text uses, plus kana or hangul for Japanese or Korean."""
    punctuation = _chars(
        (0x3000, 0x303F),  # CJK symbols and punctuation: 　、。〈〉《》「」『』【】
        (0xFF01, 0xFF5E),  # fullwidth forms: ，：；！？（）
        (0x2010, 0x2027),  # dashes, quotes, ellipsis: —“”‘’…
        (0x00B7, 0x00B7), (0x00D7, 0x00D7), (0x00B0, 0x00B0), (0x2103, 0x2103),  # ·×°℃
        (0x2460, 0x2473), (0x25A0, 0x25CF), (0x2605, 0x2606), (0x2190, 0x2193),  # ①■●★→
    )
    good = _common_hanzi() | punctuation
    if family == "japanese":
        good |= _chars((0x3040, 0x30FF))
    elif family == "korean":
        good |= _chars((0xAC00, 0xD7A3))
    return good


def _family(codec: str) -> str:
    if codec in _CHINESE:
        return "chinese"
    if codec in _JAPANESE:
        return "japanese"
    if codec in _KOREAN:
        return "korean"
    return "other"


def _sample(text: str) -> str:
    """The first non-ASCII characters of a reading (markup is ASCII: what is left is the text)."""
    out: list[str] = []
    size = 0
    for match in _NON_ASCII.finditer(text, 0, _SAMPLE_SPAN):
        out.append(match.group())
        size += match.end() - match.start()
        if size >= _SAMPLE_CHARS:
            break
    return "".join(out)[:_SAMPLE_CHARS]


def _score(text: str, codec: str) -> tuple[float, int]:
    """(share of the sampled non-ASCII characters that are evidence for this reading, how many)."""
    sample = _sample(text)
    if not sample:
        return 0.0, 0
    good = sum(map(_good_chars(_family(codec)).__contains__, sample))
    return good / len(sample), good


def _looks_western(body: bytes) -> bool:
    """Whether the high bytes look like a Western single-byte text rather than Chinese: letters
    standing alone inside Latin words (é, ü, ß) and the windows-1252 punctuation of 0x80-0xA0
    (’ “ ” – — nbsp), against Chinese text's runs of two bytes or more (GB2312 and Big5 bytes
    are 0xA1-0xFE, but for Big5 second bytes in the ASCII range)."""
    head = body[:_SAMPLE_SPAN]
    punctuation = len(head) - len(head.translate(None, _WESTERN_PUNCTUATION))
    alone = total = punctuation
    for match in _HIGH_RUN.finditer(head):
        n = match.end() - match.start()
        total += n
        alone += n == 1
        if total >= _SAMPLE_CHARS:
            break
    return total > 0 and alone >= _WESTERN * total


def _best(readings: dict[str, str], order: list[str]) -> tuple[str, float, int]:
    """The codec among ``order`` whose reading scores best, its score and its count of evidence
    characters. ``order`` lists the declared codecs first: a declared one wins a tie. A score
    counts only with two characters of evidence or more."""
    scores = {}
    for codec in order:
        share, good = _score(readings[codec], codec)
        scores[codec] = (share if good >= 2 else 0.0, good)
    top = max(share for share, _ in scores.values())
    best = next(c for c in order if scores[c][0] >= top - _TIE)
    return best, *scores[best]


def _mostly_utf8(body: bytes) -> str | None:
    """The UTF-8 reading of a UTF-8 page with a few corrupt bytes (other encodings' bytes read as
    UTF-8 fail at nearly every non-ASCII character): at least 20 good non-ASCII characters for
    each bad byte. Else None."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = sum(match.end() - match.start() for match in _NON_ASCII.finditer(text)) - bad
    return text if 0 < bad <= non_ascii // 20 else None


def _too_damaged(text: str) -> bool:
    return text.count("\ufffd") > max(20, len(text) // 50)


# --- UTF-16 without a BOM ---------------------------------------------------------------------------


def _utf16_order(body: bytes, content_type: str | None) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the NUL bytes show UTF-16 (ASCII markup leaves a NUL in
    every other byte), helped by a utf-16 label in the header or the meta tag; else None."""
    head = body[:4096]
    head = head[: len(head) // 2 * 2]
    pairs = len(head) // 2
    if not pairs:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    order = None
    if odd >= 0.05 * pairs and even * 8 <= odd:
        order = "utf-16-le"
    elif even >= 0.05 * pairs and odd * 8 <= even:
        order = "utf-16-be"
    elif max(even, odd) >= 2 * min(even, odd) + 4:
        # A weaker pattern (much non-ASCII text): believe it only with a utf-16 label.
        label = normalize_encoding(header_charset(content_type)) or normalize_encoding(
            meta_charset(head.replace(b"\x00", b""))
        )
        if label and label.startswith("utf-16"):
            order = label if label in ("utf-16-le", "utf-16-be") else ("utf-16-le" if odd > even else "utf-16-be")
    if order is None:
        return None
    start = head.decode(order, "replace")
    if "<" not in start or len(_TEXT_CONTROLS.findall(start)) > len(start) // 100:
        return None  # NULs in a pattern, but not markup: binary data
    return order


# --- decoding -----------------------------------------------------------------------------------


def _declared(body: bytes, content_type: str | None) -> list[str]:
    """The codecs the page and the server declare (meta first), minus those the bytes already
    ruled out: UTF-8 (it failed) and UTF-16/32 (no NUL pattern)."""
    out: list[str] = []
    for label in (meta_charset(body), header_charset(content_type)):
        codec = normalize_encoding(label)
        if codec and codec not in out and not codec.startswith(("utf-8", "utf-16", "utf-32")):
            out.append(codec)
    return out


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _seven_bit(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    """An ASCII-only page declared in a 7-bit Chinese/Japanese/Korean encoding (ISO-2022, HZ)."""
    if b"\x1b" not in body and b"~{" not in body:
        return None
    for label in (meta_charset(body), header_charset(content_type)):
        codec = normalize_encoding(label)
        if codec and (codec.startswith("iso2022") or codec == "hz"):
            text = _strict(body, codec)
            if text is not None:
                return text, codec
    return None


def decode_html(
    body: bytes, *, content_type: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode ``body`` and return ``(text, codec_name)``.

    Order: an explicit override (a profile's ``encoding``), a BOM, UTF-16 shown by its NUL
    bytes, strict UTF-8 (final when it decodes). Otherwise every strict reading among the meta
    charset, the HTTP header charset, GB18030 and Big5 is judged by its text: the most plausible
    Chinese reading wins (the declared one on a tie), over any Western label; a Western label
    or Western-looking bytes win when no Chinese reading is plausible. With nothing clean, the
    most plausible reading with replacement characters. Raises DecodeError for empty, binary or
    undecodable input.
    """
    if not body:
        raise DecodeError("empty response body")
    utf16 = None
    if b"\x00" in body[:2048] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        utf16 = _utf16_order(body, content_type)
        forced = normalize_encoding(override) if override else None
        if utf16 is None and not (forced and forced.startswith(("utf-16", "utf-32"))):
            raise DecodeError("binary content (NUL bytes), not an HTML page")
    if override:
        codec = normalize_encoding(override)
        if codec is None:
            raise DecodeError(f"unknown encoding {override!r}")
        return body.decode(codec, "replace"), codec
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    if utf16:
        text = body.decode(utf16, "replace")
        if _too_damaged(text):
            raise DecodeError(f"undecodable: the NUL bytes say {utf16}, but the text does not decode as it")
        return text, utf16
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if body.isascii():
            return _seven_bit(body, content_type) or (text, "utf-8")
        return text, "utf-8"
    head = body[:4096]
    if len(head) - len(head.translate(None, _C0_CONTROLS)) > max(8, len(head) // 20):
        raise DecodeError("binary content (control bytes), not an HTML page")

    declared = _declared(body, content_type)
    readings: dict[str, str] = {}  # the clean readings, declared codecs first
    for codec in dict.fromkeys([*declared, *_GUESSES]):
        text = _strict(body, codec)
        if text is not None:
            readings[codec] = text
    if "big5" not in readings and "big5hkscs" not in readings and (text := _strict(body, "big5hkscs")) is not None:
        readings["big5hkscs"] = text  # Big5 with the Hong Kong and Microsoft additions
    cjk = [c for c in readings if _family(c) != "other"]
    western = next((c for c in readings if _family(c) == "other"), None)
    looks_western = _looks_western(body)
    if len(cjk) == 1 and western is None and not looks_western:
        return readings[cjk[0]], cjk[0]  # the only clean reading: no choice to make
    if cjk:
        best, score, evidence = _best(readings, cjk)
        # Plausible Chinese text beats any Western label. Bytes that look Western (accented
        # letters standing alone in Latin words) need a little more of it than two characters.
        if score >= _PLAUSIBLE and evidence >= (4 if western and looks_western else 2):
            return readings[best], best
    if western and looks_western:
        return readings[western], western

    # No plausible clean Chinese (Japanese, Korean) reading.
    text = _mostly_utf8(body)
    if text is not None:
        return text, "utf-8"
    candidates = [c for c in dict.fromkeys([*declared, *_GUESSES]) if _family(c) != "other"]
    if western:
        if not looks_western and not cjk:
            # Chinese-looking bytes under a Western label that do not decode cleanly: a Chinese
            # page with a few corrupt bytes behind a server-default ISO-8859-1?
            loose = {c: body.decode(c, "replace") for c in candidates}
            best, score, _ = _best(loose, candidates)
            if score >= _PLAUSIBLE and not _too_damaged(loose[best]):
                return loose[best], best
        return readings[western], western  # the declared Western label: the bytes fit it
    if looks_western:
        return body.decode("cp1252", "replace"), "cp1252"  # a Western page that declares nothing
    if cjk:
        return readings[best], best  # implausible, but the only clean readings there are

    # Nothing decodes cleanly: a page with a few corrupt bytes. Read each candidate with
    # replacement characters (which count against it) rather than lose the page.
    loose = {c: body.decode(c, "replace") for c in candidates}
    best, score, _ = _best(loose, candidates)
    text = loose[best]
    tried = ", ".join(dict.fromkeys(["utf-8", *declared, *_GUESSES, "big5hkscs"]))
    if _too_damaged(text):
        raise DecodeError(
            f"undecodable: no encoding fits (tried {tried}; the best, {best}, leaves "
            f"{text.count(chr(0xFFFD))} of {len(text)} characters unreadable)"
        )
    if score < _GARBAGE and len(_sample(text)) >= 50:
        raise DecodeError(
            f"undecodable: no encoding fits (tried {tried}; the best, {best}, reads as only "
            f"{score:.0%} common characters: not text)"
        )
    return text, best
