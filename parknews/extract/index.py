"""One walk over the cleaned page tree, shared by the finders that read the whole page.

Content detection, the date finder and the author finder all need the same facts about the
page: its elements in document order, the reading length of every element's text, and where
the text pieces sit. Each finder computing them for itself (a text_content() per element, a
tree walk per finder) cost O(text x depth) several times over and was most of extraction time.
:class:`TreeIndex` reads every text node once, bottom-up, and answers from what it read.

Build it after the page is stripped (scripts, comments, hidden elements gone). Its lengths and
text pieces describe the tree as it was then and go stale when elements are removed; element
positions and class strings stay true of the elements themselves (the article cleaner still
uses those after cutting the article block out, checking each element is still in the block).
"""

from __future__ import annotations

import bisect
import itertools
import re

from lxml import etree

from parknews.extract.page import HtmlElement
from parknews.extract.rules import ClassWords

# Reading units: each CJK character counts one, each word of other scripts counts one.
_READING_UNITS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+")
_OTHER_WORDS = re.compile(r"[^\W\u3400-\u9fff\uf900-\ufaff]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
PUNCT = re.compile(r"[，。、；：！？,;!?]")
"""Sentence punctuation."""
# ASCII bytes that are word characters (letters, digits, "_") stay; every other byte becomes a
# space, so the words of an ASCII text are its split() pieces.
_ASCII_WORDS = bytes(c if c < 128 and (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(256))
# Non-ASCII characters of English text that are never part of a word (the quotes, dashes and
# spaces that keep a paragraph off the ASCII path).
_NON_WORD = ("\u2019", "\u2018", "\u201c", "\u201d", "\u2014", "\u2013", "\u2026", "\xa0", "\u00b7")


def text_length(text: str) -> int:
    """Reading length: each CJK character counts one, each word of other scripts counts one.

    The same count as ``len(_READING_UNITS.findall(text))``, made without a str object per
    character or word: CJK runs are replaced by a space (their characters counted from the
    length change), then the words of what is left are counted, on bytes when it is ASCII."""
    cjk = 0
    if not text.isascii():
        rest, runs = _CJK_RUN.subn(" ", text)
        cjk = len(text) - len(rest) + runs
        text = rest
        if not text.isascii():
            for ch in _NON_WORD:
                if ch in text:
                    text = text.replace(ch, " ")
            if not text.isascii():
                return cjk + len(_OTHER_WORDS.findall(text))
    return cjk + len(text.encode().translate(_ASCII_WORDS).split())


def punct_count(text: str) -> int:
    """Sentence punctuation marks (，。、；：！？,;!?) in text."""
    if text.isascii():
        return text.count(",") + text.count(";") + text.count("!") + text.count("?")
    return len(PUNCT.findall(text))


# Elements that start a new block of text (their text is not part of the parent's own text).
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot tr td th blockquote "
    "section article figure figcaption pre center header footer main hr address details summary".split()
)


class TreeIndex:
    """What one bottom-up walk over ``<body>`` learns (the whole tree when there is no body)."""

    def __init__(self, tree: HtmlElement) -> None:
        body = tree.find("body")
        self.root: HtmlElement = body if body is not None else tree
        # Few tuples and small objects: what lives until extraction ends is what the
        # garbage collector keeps scanning.
        elements: list[HtmlElement] = []
        position: dict[HtmlElement, int] = {}
        parents: list[int] = []
        by_class: dict[str, list[int]] = {}
        for i, el in enumerate(self.root.iter(etree.Element)):  # one walk for all of them
            elements.append(el)
            position[el] = i
            parents.append(position.get(el.getparent(), -1))  # parents come first
            cls, ident = el.get("class"), el.get("id")
            if cls or ident:
                words = f"{cls or ''} {ident or ''}".lower()
                if words in by_class:
                    by_class[words].append(i)
                else:
                    by_class[words] = [i]
        self.elements = elements
        """Every element under (and including) the root, in document order."""
        self.position = position
        self.parents = parents
        """Position of each element's parent (-1 for the root)."""
        self.by_class = by_class
        """Positions of the elements with a class or an id, by their "class id" string
        lower-cased: the only elements class-name rules can pick."""
        # Reading lengths by position; "inline" counts an element's own text: its text, its
        # inline children's and its children's tails (a <br>-separated text block's text).
        n = len(elements)
        self.total: list[int] = [0] * n
        self.total_punct: list[int] = [0] * n
        self.linked: list[int] = [0] * n
        """Reading units inside links."""
        self.inline: list[int] = [0] * n
        self.inline_punct: list[int] = [0] * n
        self.chars: list[int] = [0] * n
        """Characters of all its text as written: len(text_of(element))."""
        self.room: list[int] = [0] * n
        """An upper bound of the length of its text with whitespace collapsed (page.collapse):
        the length of every piece that is not blank, one for each piece that is. (Reading units
        are a lower bound.) A text of more characters than this cannot be shorter than it."""
        self.texts: list[str] = []
        """Every text and tail that is not blank (in no order callers may rely on)…"""
        self.text_holders: list[HtmlElement] = []
        """…and the element that holds each (a tail's parent)."""
        self.anchors: dict[str, int | None] = {}
        """The date finder's headline index, by title reference (computed once per page)."""
        self._joined: str | None = None
        self._starts: list[int] = []
        self._class_text: str | None = None
        self._class_keys: list[str] = []
        self._class_starts: list[int] = []
        self._measure()

    def classed(self, words: ClassWords) -> list[int]:
        """Positions of the elements whose "class id" string ``words`` takes, in document order.

        The page's distinct class strings are joined once; each of the rule's words is looked
        for in that text (a C-level search), and only the strings holding one are tested."""
        if self._class_text is None:
            self._class_keys = list(self.by_class)
            self._class_text = "\0".join(self._class_keys)
            self._class_starts = list(itertools.accumulate((len(k) + 1 for k in self._class_keys), initial=0))
        text, starts, keys = self._class_text, self._class_starts, self._class_keys
        holding: set[int] = set()
        for word in words.words:
            at = text.find(word)
            while at != -1:
                k = bisect.bisect_right(starts, at) - 1
                holding.add(k)
                at = text.find(word, starts[k + 1]) if k + 1 < len(starts) else -1
        found: list[int] = []
        for k in holding:
            if words.search(keys[k]):
                found.extend(self.by_class[keys[k]])
        found.sort()
        return found

    def classed_elements(self, words: ClassWords) -> list[HtmlElement]:
        """The elements of :meth:`classed`."""
        elements = self.elements
        return [elements[i] for i in self.classed(words)]

    def _measure(self) -> None:
        """Children before parents: each text node is read once, and each element's lengths
        are added to its parent's."""
        elements, parents, texts, holders = self.elements, self.parents, self.texts, self.text_holders
        total, total_punct, linked = self.total, self.total_punct, self.linked
        inline, inline_punct, chars, room = self.inline, self.inline_punct, self.chars, self.room

        def take(k: int, piece: str, holder: HtmlElement) -> None:
            """A text or tail held by element k: its own text, counted in k's lengths."""
            chars[k] += len(piece)
            if piece.isspace():
                room[k] += 1
                return
            room[k] += len(piece)
            texts.append(piece)
            holders.append(holder)
            units, punct = text_length(piece), punct_count(piece)
            total[k] += units
            total_punct[k] += punct
            inline[k] += units
            inline_punct[k] += punct

        for i in range(len(elements) - 1, -1, -1):
            el = elements[i]
            if text := el.text:
                take(i, text, el)
            tag = el.tag
            if tag == "a":
                linked[i] = total[i]
            j = parents[i]
            if j < 0:
                continue
            total[j] += total[i]
            chars[j] += chars[i]
            room[j] += room[i]
            total_punct[j] += total_punct[i]
            linked[j] += linked[i]
            if tag not in BLOCK_TAGS:
                inline[j] += total[i]
                inline_punct[j] += total_punct[i]
            if tail := el.tail:
                take(j, tail, elements[j])

    def holding(self, *patterns: re.Pattern[str] | str) -> list[HtmlElement]:
        """The holders of the text pieces in which one of ``patterns`` (regexes, or plain
        strings found with str.find, several times faster) matches. Each is searched once over
        all the text joined with NUL separators (none may match across one), not once per piece.
        A holder is listed once per piece that matches."""
        if self._joined is None:
            self._joined = "\0".join(self.texts)
            self._starts = list(itertools.accumulate((len(text) + 1 for text in self.texts), initial=0))
        joined, starts, holders = self._joined, self._starts, self.text_holders
        taken: set[int] = set()
        for pattern in patterns:
            pos = 0
            while True:
                if isinstance(pattern, str):
                    at = joined.find(pattern, pos)
                    if at == -1:
                        break
                else:
                    m = pattern.search(joined, pos)
                    if m is None:
                        break
                    at = m.start()
                k = bisect.bisect_right(starts, at) - 1
                taken.add(k)  # one match per piece is enough: go on from the next piece
                if k + 1 >= len(starts):
                    break
                pos = starts[k + 1]
        return [holders[k] for k in sorted(taken)]

    def around(self, *patterns: re.Pattern[str] | str, levels: int, within_root: bool = False) -> set[HtmlElement]:
        """Elements around the text pieces in which ``pattern`` matches (see :meth:`holding`):
        each piece's holder and its ancestors, ``levels`` elements in all (a value, its span,
        its line, the line's cell). ``within_root`` stops below the root."""
        picked: set[HtmlElement] = set()
        root = self.root
        for holder in self.holding(*patterns):
            el: HtmlElement | None = holder
            for _ in range(levels):
                if el is None or (within_root and el is root):
                    break
                picked.add(el)
                el = el.getparent()
        return picked

    def in_order(self, elements: set[HtmlElement]) -> list[HtmlElement]:
        """Those of ``elements`` under the root, in document order."""
        position = self.position
        return sorted((el for el in elements if el in position), key=position.__getitem__)
