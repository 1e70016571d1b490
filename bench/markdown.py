"""Writing a benchmark's section into docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path


def put_section(path: Path, heading: str, section: str) -> None:
    """Replace the section under `heading` (up to the next heading of level 2 or 3) with
    `section`, or add `section` at the end when the heading is not there yet."""
    text = path.read_text(encoding="utf-8")
    if heading in text:
        start = text.index(heading)
        ends = [text.find(mark, start + len(heading)) for mark in ("\n## ", "\n### ")]
        end = min((e for e in ends if e != -1), default=-1)
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
