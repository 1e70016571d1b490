"""The words of a query marked in a text: <mark> around each match, everything else escaped
(a ticket's text is never rendered as HTML)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from ticketing.search.index import HAN, IS_HAN, RUNS

SNIPPET_BEFORE = 24
SNIPPET_LENGTH = 90


def pattern(q: str) -> re.Pattern[str] | None:
    """What to mark for a query: each Chinese run of it (else its pairs or character, which
    the search matched), each Latin word with the rest of the word it begins, in any case."""
    alternatives: dict[str, None] = {}
    for run in RUNS.findall(q or ""):
        if IS_HAN.match(run):
            alternatives[re.escape(run)] = None
            pieces = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
            alternatives.update(dict.fromkeys(re.escape(piece) for piece in pieces))
        else:
            alternatives[rf"(?<![0-9A-Za-z]){re.escape(run)}[0-9A-Za-z]*"] = None
    if not alternatives:
        return None
    longest_first = sorted(alternatives, key=len, reverse=True)
    return re.compile("|".join(longest_first), re.IGNORECASE)


def marked(text: str, found: re.Pattern[str] | None) -> Markup:
    """`text` escaped, with each match of `found` in <mark>."""
    if found is None:
        return escape(text)
    spans: list[list[int]] = []
    for match in found.finditer(text):
        if match.end() == match.start():
            continue
        if spans and spans[-1][1] == match.start():  # 数字 then PCR: one mark, 数字PCR
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(str(escape(text[last:start])))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def snippet(texts: Iterable[str], found: re.Pattern[str] | None) -> Markup | None:
    """A short stretch of the first text where the query matches, marked; None if none does."""
    if found is None:
        return None
    for text in texts:
        flat = " ".join((text or "").split())
        match = found.search(flat)
        if match is None:
            continue
        start = max(0, match.start() - SNIPPET_BEFORE)
        if start and not re.match(rf"[{HAN}]", flat[start]):  # start at a word, not inside one
            space = flat.find(" ", start, match.start())
            start = space + 1 if space >= 0 else start
        end = min(len(flat), start + SNIPPET_LENGTH)
        body = marked(flat[start:end], found)
        return Markup("{}{}{}").format("…" if start else "", body, "…" if end < len(flat) else "")
    return None
