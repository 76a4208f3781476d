"""Separate image captions from body text and tie each to its image."""

from __future__ import annotations

import re

from parknews.extract.body import Block
from parknews.extract.rules import simplify_labels
from parknews.items import Caption

# A paragraph that opens with one of these is a caption. (marker, how it reads)
CAPTION_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^图说\s*[:：]\s*"),  # 新民晚报 style, seen on rent.sh.cn republications
    re.compile(r"^[▲△▼↑]\s*"),  # WeChat and Sohu republications: "▲ 园区鸟瞰"
    re.compile(r"^(?:图|图片|配图)\s*[:：]\s*"),  # "图:…"
    re.compile(r"^[(（]\s*图\s*[:：]?\s*"),  # "(图 新华社)"
)
# Openings that are captions but keep the marker as part of the sentence.
CAPTION_SENTENCES: tuple[re.Pattern[str], ...] = (
    re.compile(r"^图为"),  # "图为园区一角。"
    re.compile(r"^(?:图片|照片|图)来源\s*[:：]"),  # "图片来源:网络"
    re.compile(r"^(?:上|下|左|右)图\s*[:：]"),
)
# Short lines directly under an image that end in a photo credit.
CREDIT_ENDINGS = re.compile(r"(摄|供图|摄影|图源\S*|(?:图片|照片|图)来源\s*[:：]\s*[^\s。，,]{1,20}|[(（]资料图[)）]|[(（]资料图片[)）]|[(（]图片来源[^)）]*[)）]|\(摄影[^)]*\)|（摄影[^）]*）|\(\S{0,12}摄\)|（\S{0,12}摄）)\s*[)）]?\s*[。.]?$")

CREDIT_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:图片|照片|图)来源\s*[:：]\s*(?P<who>[^\s。，,]+)"),
    re.compile(r"[(（]\s*摄影\s*[:：]?\s*(?P<who>[^)）]+?)\s*[)）]"),
    re.compile(r"摄影\s*[:：/]?\s*(?P<who>[\u4e00-\u9fff·]{2,8})\s*[。.]?$"),
    re.compile(r"[(（]?\s*(?P<who>[\u4e00-\u9fff·]{2,4}(?:\s[\u4e00-\u9fff·]{2,4})*)\s*摄\s*[)）]?\s*[。.]?$"),
    re.compile(r"(?P<who>[\u4e00-\u9fffA-Za-z·]{2,20}?)供图"),
)

MAX_CAPTION = 160


def caption_credit(text: str) -> str | None:
    """Who supplied the picture, from the caption's credit phrase."""
    for pattern in CREDIT_PATTERNS:
        match = pattern.search(text)
        if match:
            who = match.group("who").strip()
            who = re.sub(r"^[。.，,\s]+", "", who)
            # "…大会。上虞区委宣传部供图" -> keep only the part after the last sentence stop
            who = re.split(r"[。.，,]", who)[-1].strip()
            return who or None
    return None


_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,4}(?:·[\u4e00-\u9fff]{1,6})?$")


# Credits that name the person who took the picture (not who supplied it: 供图, 图片来源).
PHOTO_CREDITS: tuple[re.Pattern[str], ...] = (CREDIT_PATTERNS[1], CREDIT_PATTERNS[2], CREDIT_PATTERNS[3])


def photographer(text: str) -> str | None:
    """The photographer a caption credits with (摄影 X) or X 摄, when that is a person."""
    for pattern in PHOTO_CREDITS:
        match = pattern.search(text)
        if match:
            who = re.split(r"[。.，,]", match.group("who").strip())[-1].strip()
            return who if who and is_person_credit(who) else None
    return None


def is_person_credit(credit: str) -> bool:
    """True for a person's name (蒋迪雯), False for an organisation (上虞区委宣传部, 新华社)."""
    if not _PERSON.match(credit):
        return False
    return not re.search(r"(社|网|报|部|办|局|委|中心|公司|集团|供图|图库|视觉|台)$", credit)


def _caption_text(text: str) -> str | None:
    for marker in CAPTION_MARKERS:
        if marker.match(text):
            return marker.sub("", text, count=1).strip()
    for sentence in CAPTION_SENTENCES:
        if sentence.match(text):
            return text
    return None


def split_captions(blocks: list[Block]) -> tuple[list[Block], list[Caption]]:
    """Remove caption paragraphs from blocks; return the rest and the captions.

    Markers are matched on the text with traditional label characters simplified
    (圖說, 圖片來源), but the caption keeps the page's own characters.
    """
    kept: list[Block] = []
    captions: list[Caption] = []
    last_image: str | None = None
    since_image = 99
    for i, b in enumerate(blocks):
        if b.kind == "img":
            kept.append(b)
            last_image, since_image = b.image, 0
            continue
        since_image += 1
        text: str | None = None
        if b.kind == "figcaption":
            text = b.text
            image = b.image or last_image
        elif len(b.text) <= MAX_CAPTION:
            simple = simplify_labels(b.text)
            text = _caption_text(simple)
            if text is not None:
                text = b.text[len(b.text) - len(text):]  # same span, original characters
            elif since_image == 1 and len(b.text) <= 80 and CREDIT_ENDINGS.search(simple):
                text = b.text
            image = last_image if since_image <= 2 else _next_image(blocks, i)
        if text is None:
            kept.append(b)
            continue
        captions.append(Caption(text=text, image_url=image, credit=caption_credit(simplify_labels(b.text))))
    return kept, captions


def _next_image(blocks: list[Block], i: int) -> str | None:
    """A caption placed above its picture belongs to the image right after it."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return nxt.image if nxt is not None and nxt.kind == "img" else None
