"""What changed between two states of a guide: the analysts' texts word by word, sections shown or hidden, the
published figures that moved, quotes added or removed.

Everything compared is what readers of the two states could read: a hidden section's text counts as empty (it
was never published), and figures are the snapshot's cells, which are the statistics release's visitor view.
No figure is recomputed here, so a change log cannot reveal a suppressed cell.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from app.services.guide_sections import ordered_sections

# Words and punctuation runs, each with the whitespace before it: a word added after "référent" reads " et".
_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]+|\s+")
# At most this many cells of comparison table per text: the comparison of two blocks costs the product of their
# lengths, and a page must not take seconds for a hostile text (difflib's matcher, used before, went cubic on
# repeated lines). Past the budget a changed block is shown as removed then added.
DIFF_BUDGET = 200_000
CONTEXT = 160  # characters of unchanged text kept on each side of a change
LONG_UNCHANGED = 3 * CONTEXT


def text_diff(before: str, after: str) -> list[dict[str, str]]:
    """Segments {"op": "equal" | "insert" | "delete" | "skip", "text"}: lines compared first, then words within
    the lines that changed; long unchanged passages shortened to their edges ("skip" marks what is left out)."""
    return _shorten(diff_segments(before, after))


def diff_segments(before: str, after: str) -> list[tuple[str, str]]:
    """The whole comparison, nothing shortened: the equal and deleted parts make `before`, the equal and inserted
    parts make `after`. Its cost is linear in the texts plus at most DIFF_BUDGET table cells."""
    before, after = before.replace("\r\n", "\n"), after.replace("\r\n", "\n")
    budget = [DIFF_BUDGET]
    segments: list[tuple[str, str]] = []
    for op, old, new in _blocks(before.splitlines(keepends=True), after.splitlines(keepends=True), budget):
        if op == "equal":
            segments.append(("equal", "".join(old)))
        elif len(old) == len(new):  # paragraphs reworded in place: compared pairwise, a smaller table each
            for old_line, new_line in zip(old, new, strict=True):
                segments.extend(_word_diff(old_line, new_line, budget))
        else:
            segments.extend(_word_diff("".join(old), "".join(new), budget))
    return _merge(segments)


def _word_diff(old: str, new: str, budget: list[int]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, a, b in _blocks(_TOKEN.findall(old), _TOKEN.findall(new), budget):
        if op == "equal":
            out.append(("equal", "".join(a)))
            continue
        out.append(("delete", "".join(a)))
        out.append(("insert", "".join(b)))
    return out


def _blocks(a: list[str], b: list[str], budget: list[int]) -> list[tuple[str, list[str], list[str]]]:
    """("equal" | "change", part of a, part of b) in order: common ends first (linear), then a longest common
    subsequence of the middle when its table fits in what is left of the budget, else the middle as one change."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    mid_a, mid_b = a[start:end_a], b[start:end_b]
    blocks: list[tuple[str, list[str], list[str]]] = [("equal", a[:start], b[:start])] if start else []
    cells = len(mid_a) * len(mid_b)
    if mid_a and mid_b and cells <= budget[0]:
        budget[0] -= cells
        blocks.extend(_lcs_blocks(mid_a, mid_b))
    elif mid_a or mid_b:
        blocks.append(("change", mid_a, mid_b))
    if end_a < len(a):
        blocks.append(("equal", a[end_a:], b[end_b:]))
    return blocks


def _lcs_blocks(a: list[str], b: list[str]) -> list[tuple[str, list[str], list[str]]]:
    n, m = len(a), len(b)
    # lengths[i][j]: the longest common subsequence of a[i:] and b[j:]
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, item = lengths[i], lengths[i + 1], a[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if item == b[j] else max(below[j], row[j + 1])
    blocks: list[tuple[str, list[str], list[str]]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and a[i] == b[j]:
            op, old, new = "equal", [a[i]], [b[j]]
            i, j = i + 1, j + 1
        elif j >= m or (i < n and lengths[i + 1][j] >= lengths[i][j + 1]):
            op, old, new = "change", [a[i]], []
            i += 1
        else:
            op, old, new = "change", [], [b[j]]
            j += 1
        if blocks and blocks[-1][0] == op:
            blocks[-1][1].extend(old)
            blocks[-1][2].extend(new)
        else:
            blocks.append((op, old, new))
    return blocks


def _merge(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for op, text in segments:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def _shorten(segments: list[tuple[str, str]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    last = len(segments) - 1
    for index, (op, text) in enumerate(segments):
        if op != "equal" or len(text) <= LONG_UNCHANGED:
            out.append({"op": op, "text": text})
            continue
        if index > 0:
            out.append({"op": "equal", "text": text[:CONTEXT]})
        out.append({"op": "skip", "text": ""})
        if index < last:
            out.append({"op": "equal", "text": text[-CONTEXT:]})
    return out


def _shown_text(section: dict[str, Any] | None) -> str:
    if not section or not section.get("visible", True):
        return ""
    return str(section.get("narrative") or "")


def compare(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The change log from `before` (a published snapshot, or None before a first version) to `after` (a later
    snapshot or the draft about to be published), sections in the order of `after`."""
    old_sections = {s["key"]: s for s in (before or {}).get("sections", [])}
    sections, figures = [], []
    for section in ordered_sections(after):
        old = old_sections.get(section["key"])
        was_shown = bool(old) and old.get("visible", True)
        shown = section.get("visible", True)
        old_text, new_text = _shown_text(old), _shown_text(section)
        entry = {"key": section["key"], "title": section["title"], "number": section.get("number"),
                 "shown": shown, "visibility": None, "diff": None}
        if was_shown != shown and (before is not None):
            entry["visibility"] = "shown" if shown else "hidden"
        if old_text != new_text:
            entry["diff"] = text_diff(old_text, new_text)
        if entry["visibility"] or entry["diff"]:
            sections.append(entry)
        if was_shown and shown:
            old_figures = {f["key"]: f for f in old.get("figures", [])}
            for fig in section.get("figures", []):
                previous = old_figures.get(fig["key"])
                if previous and previous["cell"].get("value") != fig["cell"].get("value"):
                    figures.append({"section": section["title"], "label": fig["label"], "kind": fig.get("kind"),
                                    "scale": fig.get("scale", ""), "before": previous["cell"], "after": fig["cell"]})
    old_quotes = {(q["report_id"], q["field"]): q for q in (before or {}).get("quotes", [])}
    new_quotes = {(q["report_id"], q["field"]): q for q in after.get("quotes", [])}
    old_order = [s["key"] for s in ordered_sections(before or {}, include_hidden=False)]
    new_order = [s["key"] for s in ordered_sections(after, include_hidden=False)]
    common = set(old_order) & set(new_order)
    log = {
        "sections": sections, "figures": figures,
        "quotes_added": [q for key, q in new_quotes.items() if key not in old_quotes],
        "quotes_removed": [q for key, q in old_quotes.items() if key not in new_quotes],
        "order_changed": before is not None and [k for k in old_order if k in common] != [k for k in new_order
                                                                                           if k in common],
    }
    log["empty"] = not (sections or figures or log["quotes_added"] or log["quotes_removed"] or log["order_changed"])
    return log


def content(document: dict[str, Any]) -> Any:
    """What a published version is made of: two documents with the same content publish the same guide."""
    return ([(s["key"], s.get("narrative"), s.get("visible"), s.get("position"),
              [(f["key"], f["cell"].get("value")) for f in s.get("figures", [])]) for s in document.get("sections", [])],
            [(q["report_id"], q["field"]) for q in document.get("quotes", [])])


def fingerprint(document: dict[str, Any]) -> str:
    """A short digest of the content: the confirmation page carries it, so that what is published is what the
    analyst saw."""
    return hashlib.sha256(json.dumps(content(document), sort_keys=True, default=str).encode()).hexdigest()[:32]
