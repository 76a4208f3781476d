"""Find the article block and turn it into an ordered list of text/image blocks.

Generic detection scores containers the way a reader skims: long runs of text with
sentence punctuation and few links are article, short linked items are chrome.
Every paragraph-like element adds its score to its parent (whole) and grandparent
(half); container class/id names nudge the score; link density scales it down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from parknews.extract.index import BLOCK_TAGS, PUNCT, TreeIndex, text_length
from parknews.extract.page import HtmlElement, collapse, text_of
from parknews.extract.rules import CAPTION_CLASSES, ClassWords
from parknews.items import Link

HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_POSITIVE = ClassWords(
    "article|content|post|entry|text|body|detail|main|story|news|zoom|con_|neirong|zhengwen|wenzhang|TRS_Editor|Custom_UnionStyle"
)
_NEGATIVE = ClassWords(
    "comment|sidebar|side|footer|foot|header|nav|menu|related|relate|recommend|share|ad-|ads|banner|"
    "widget|copyright|tag|hot|list|link|login|qrcode|promo|sponsor|breadcrumb|crumb|pagination|pager|popup|modal"
)


#: The scorer's numeric knobs, in one place so that benchmarks/quality.py can choose them by
#: cross-validation (a small grid, scored on held-out pages). Everything else (word lists,
#: line rules, the prose container's shares) is fixed.
KNOBS: dict[str, float] = {
    # how much a content-like or chrome-like class/id name adds to or takes from a container
    "class_weight": 25.0,
    # factor on a container inside a comment thread, sidebar or related list
    "unlikely_penalty": 0.3,
    # a sibling scoring this share of the winner's continues the article
    "sibling_share": 0.2,
}


@dataclass
class Block:
    """One paragraph, heading, image or caption of the article block, in page order."""

    text: str
    kind: str = "p"
    """"p", "h" (heading), "img" or "figcaption"."""
    image: str | None = None
    """Image URL for kind "img" (and the figure's image for "figcaption")."""
    links: list[Link] = field(default_factory=list)


def _own_text(el: HtmlElement) -> str:
    """Text of el not inside block-level children (what a <br>-separated div holds)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS:
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _class_weight(el: HtmlElement) -> float:
    names = f"{el.get('class', '')} {el.get('id', '')}"
    if not names.strip():
        return 0.0
    weight = 0.0
    step = KNOBS["class_weight"]
    if _POSITIVE.search(names):
        weight += step
    if _NEGATIVE.search(names):
        weight -= step
    return weight


def link_density(el: HtmlElement) -> float:
    total = text_length(text_of(el))
    if total == 0:
        return 1.0
    linked = sum(text_length(text_of(a)) for a in el.iter("a"))
    return min(1.0, linked / total)


def _paragraph_score(text: str) -> float:
    length = text_length(text)
    return 1 + len(PUNCT.findall(text)) + min(length / 50, 6)


_UNLIKELY = ClassWords("comment|sidebar|footer|related|share|widget|disqus|respond|pinglun|recommend|tuijian")


def _unlikely(el: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """Inside a comment thread, sidebar, footer or related list (and not also named as content)."""
    if el in cache:
        return cache[el]
    names = f"{el.get('class', '')} {el.get('id', '')}"
    result = bool(_UNLIKELY.search(names)) and not _POSITIVE.search(names)
    parent = el.getparent()
    if not result and parent is not None and parent.tag != "body":
        result = _unlikely(parent, cache)
    cache[el] = result
    return result


_PARAGRAPH_TAGS = frozenset(("p", "pre", "td", "div", "section", "article", "font", "span", "blockquote"))


def _score_tree(index: TreeIndex) -> dict[HtmlElement, float]:
    """Each paragraph-like element adds its score to its parent (whole) and grandparent (half)."""
    scores: dict[HtmlElement, float] = {}
    elements = index.elements
    for i in range(len(elements) - 1, -1, -1):
        el = elements[i]
        tag = el.tag
        if tag not in _PARAGRAPH_TAGS:
            continue
        own = tag not in ("p", "pre")
        units, punct = (index.inline[i], index.inline_punct[i]) if own else (index.total[i], index.total_punct[i])
        if units < 20:
            continue
        score = 1 + punct + min(units / 50, 6)
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
        if own and tag in ("div", "section", "article", "td"):
            # A <br>-separated text container (DedeCMS) is its own candidate too.
            scores[el] = scores.get(el, 0.0) + score
    return scores


def find_content_root(tree: HtmlElement, index: TreeIndex | None = None) -> HtmlElement | None:
    """Best-scoring container of article text, or None when the page has no prose.

    The winner is widened to its ancestors while they hold nothing else, then to
    its siblings that read like article text (others are pruned from the tree).
    """
    if index is None:
        index = TreeIndex(tree)
    scores = _score_tree(index)
    position, total, linked = index.position, index.total, index.linked

    def density(el: HtmlElement) -> float:
        i = position.get(el)
        return min(1.0, linked[i] / total[i]) if i is not None and total[i] else 1.0

    best: HtmlElement | None = None
    best_score = 0.0
    cache: dict[HtmlElement, bool] = {}
    ranked = sorted(
        ((score + _class_weight(el), el) for el, score in scores.items()
         if el.tag not in ("p", "span", "font", "a", "li", "html", "ul", "ol")),
        key=lambda pair: pair[0], reverse=True,
    )
    for raw, el in ranked:
        if raw <= best_score:
            break  # link density and penalties only lower a score: nothing further down can win
        final = raw * (1 - density(el))
        if _story_list(el):
            # A list of other stories (each item led by its headline link) never wins over
            # the text of the article it stands beside.
            final *= KNOBS["unlikely_penalty"]
        if _unlikely(el, cache):
            # A long comment or sidebar blurb loses to the article unless nothing else is there;
            # a penalty, not a veto: some themes name the whole layout "...sidebar".
            final *= KNOBS["unlikely_penalty"]
        if final > best_score:
            best, best_score = el, final
    if best is None:
        return None
    best_len = total[position[best]]
    node = best
    while node.getparent() is not None and node.getparent().tag not in ("body", "html"):
        parent = node.getparent()
        if total[position[parent]] > best_len * 1.03 + 5:
            break
        node = parent
    return _widen_to_siblings(node, scores.get(best, 0.0), scores)


def prose_container(tree: HtmlElement, share: float = 0.6, min_prose: int = 60) -> HtmlElement | None:
    """The deepest element holding ``share`` of the page's prose, or None when there is none.

    A second method beside the scorer above: prose is every run of text of ten or more
    characters outside links; each run counts for all its ancestors; the container is the
    last element, walking down from the root, whose count is still the share of the whole.
    """
    counts: dict[HtmlElement, int] = {}
    total = 0
    cache: dict[HtmlElement, bool] = {}
    for el in tree.iter(etree.Element):
        # Not prose: links, list items (a list of other stories), comment/sidebar/related blocks.
        if el.tag in ("a", "li") or any(a.tag in ("a", "li") for a in el.iterancestors()) or _unlikely(el, cache):
            continue
        runs = [el.text or ""] + [child.tail or "" for child in el]
        length = sum(n for run in runs if (n := text_length(run.strip())) >= 10)
        if not length:
            continue
        total += length
        node: HtmlElement | None = el
        while node is not None:
            counts[node] = counts.get(node, 0) + length
            node = node.getparent()
    if total < min_prose:
        return None
    node = tree
    while True:
        heavy = [c for c in node if isinstance(c.tag, str) and counts.get(c, 0) >= share * total]
        if not heavy:
            break
        node = heavy[0]
    # Scattered prose (no block below <body> holds the share) or a block that is mostly
    # something else (lists of other stories, menus) is no article block.
    if node.tag in ("html", "body") or counts[node] < 0.5 * text_length(text_of(node)):
        return None
    return node


def _story_list(el: HtmlElement) -> bool:
    """Five or more child items, nearly all led by a link of six or more characters (their
    headline): a list of other stories, whatever its summaries say."""
    items = [c for c in el if isinstance(c.tag, str)]
    if len(items) < 5:
        return False
    led = 0
    for item in items:
        link = item.find(".//a")
        if link is None:
            continue
        title = collapse(text_of(link))
        if len(title) >= 6 and collapse(text_of(item)).startswith(title[:6]):
            led += 1
    return led >= 0.8 * len(items)


def _is_content_sibling(sib: HtmlElement, threshold: float, scores: dict[HtmlElement, float]) -> bool:
    if _story_list(sib) or any(_story_list(c) for c in sib if isinstance(c.tag, str)):
        return False
    if scores.get(sib, 0.0) >= threshold:
        return True
    names = f"{sib.get('class', '')} {sib.get('id', '')}"
    if _NEGATIVE.search(names) and not _POSITIVE.search(names):
        return False
    text = collapse(text_of(sib))
    length = text_length(text)
    density = link_density(sib) if length else 0.0
    if length >= 40 and density < 0.25 and PUNCT.search(text):
        return True
    if 0 < length < 40 and density == 0 and re.search(r"[。.!?！？”\"]$", text):
        return True
    if sib.tag in ("img", "figure") or (sib.find(".//img") is not None and length < 60 and density == 0):
        return True
    return sib.tag in HEADING_TAGS and density == 0 and 0 < length < 60


def _widen_to_siblings(node: HtmlElement, top_score: float, scores: dict[HtmlElement, float]) -> HtmlElement:
    parent = node.getparent()
    if parent is None or parent.tag in ("body", "html"):
        return node
    threshold = max(10.0, top_score * KNOBS["sibling_share"])
    siblings = [s for s in parent if isinstance(s.tag, str) and s is not node]
    keep = [s for s in siblings if _is_content_sibling(s, threshold, scores)]
    if not any(text_length(text_of(s)) >= 20 for s in keep):
        return node
    for sib in siblings:
        if sib not in keep:
            drop_element(sib)
    return parent


def linearize(root: HtmlElement) -> list[Block]:
    """Flatten the article block into paragraphs, headings, images and figcaptions."""
    blocks: list[Block] = []
    buf: list[str] = []
    links: list[Link] = []

    def flush(kind: str = "p", image: str | None = None) -> None:
        text = collapse("".join(buf))
        if text:
            blocks.append(Block(text=text, kind=kind, image=image, links=list(links)))
        buf.clear()
        links.clear()

    def walk(el: HtmlElement, figure_img: str | None = None) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment or processing instruction
            buf.append(el.tail or "")
            return
        if tag == "br":
            flush()
        elif tag == "img":
            src = el.get("src") or el.get("data-src") or el.get("data-original")
            if src and not src.startswith("data:"):
                flush()
                blocks.append(Block(text="", kind="img", image=src))
        elif tag in BLOCK_TAGS or (tag == "span" and _is_caption_element(el)):
            flush()
            if tag == "figure":
                img = next((i for i in el.iter("img")), None)
                figure_img = img.get("src") if img is not None else None
            buf.append(el.text or "")
            for child in el:
                walk(child, figure_img)
            if tag in HEADING_TAGS:
                flush("h")
            elif tag in ("figcaption", "span") or _is_caption_element(el):  # a span here is a caption
                flush("figcaption", figure_img)
            else:
                flush()
        else:
            buf.append(el.text or "")
            for child in el:
                walk(child, figure_img)
            if tag == "a" and el.get("href"):
                links.append(Link(url=el.get("href"), text=collapse(text_of(el))))
        buf.append(el.tail or "")

    buf.append(root.text or "")
    for child in root:
        walk(child)
    flush()
    return blocks


def _is_caption_element(el: HtmlElement) -> bool:
    cls, ident = el.get("class"), el.get("id")
    if not (cls or ident):
        return False
    names = f"{cls or ''} {ident or ''}"
    return bool(names.strip()) and CAPTION_CLASSES.search(names) and len(text_of(el)) < 400


def drop_element(el: HtmlElement) -> None:
    """Remove el but keep its tail text in the tree."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_hidden(el: HtmlElement) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None


