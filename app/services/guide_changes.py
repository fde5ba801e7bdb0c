"""What changed between two states of a guide: the analysts' texts word by word, sections shown or hidden, the
published figures that moved, quotes added or removed.

Everything compared is what readers of the two states could read: a hidden section's text counts as empty (it
was never published), and figures are the snapshot's cells, which are the statistics release's visitor view.
No figure is recomputed here, so a change log cannot reveal a suppressed cell.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from typing import Any

from app.services.guide_sections import ordered_sections

# Words and punctuation runs, each with the whitespace before it: a word added after "référent" reads " et".
_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]+|\s+")
# Above this many token pairs, a replaced block is shown as removed then added rather than word by word: the
# comparison's cost grows with the product, and a page must not take seconds for a hostile text.
WORD_DIFF_LIMIT = 400_000
CONTEXT = 160  # characters of unchanged text kept on each side of a change
LONG_UNCHANGED = 3 * CONTEXT


def text_diff(before: str, after: str) -> list[dict[str, str]]:
    """Segments {"op": "equal" | "insert" | "delete" | "skip", "text"}: lines compared first, then words within
    the lines that changed; long unchanged passages shortened to their edges ("skip" marks what is left out)."""
    before, after = before.replace("\r\n", "\n"), after.replace("\r\n", "\n")
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            segments.append(("equal", old))
        elif op == "replace":
            segments.extend(_word_diff(old, new))
        else:
            segments.append(("delete", old) if old else ("insert", new))
    return _shorten(_merge(segments))


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) * len(b) > WORD_DIFF_LIMIT:
        return [("delete", old), ("insert", new)]
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("insert", "".join(b[j1:j2])))
    return out


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
