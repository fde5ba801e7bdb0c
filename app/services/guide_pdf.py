"""The PDF of a published guide version: rendered once with WeasyPrint, stored, served from storage afterwards.

The template receives plain values only (strings, numbers, lists, dicts), never ORM objects, and WeasyPrint
may read nothing but the application's own static files: no network, no `file://`.
"""

from __future__ import annotations

import mimetypes
import re
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import nh3
from flask import current_app, render_template
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.extensions import db
from app.models import GuideVersion
from app.models._types import utcnow
from app.services import numbers
from app.services.guides import ordered_sections
from app.services.markdown_text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

# The origin WeasyPrint resolves the document's relative URLs against; it never goes on the network.
STATIC_ORIGIN = "https://retex.local/static/"
PDF_LOCALE = "fr"

# Bar charts, in SVG user units (the SVG is scaled to the text width).
CHART_WIDTH = 640
LABEL_RIGHT = 262
PLOT_LEFT = 270
PLOT_WIDTH = 290
ROW_HEIGHT = 32
LABEL_CHARS = 40

QUOTE_FIELDS = {"advice": _l("Conseil aux pairs"), "success_factors": _l("Facteur de réussite"),
                "difficulties_text": _l("Difficulté rencontrée")}


# Producing and storing ---------------------------------------------------------------------------------

def pdf_for(version: GuideVersion) -> bytes:
    """The version's PDF: produced at the first call and kept in the version (the caller commits)."""
    if version.pdf is None:
        version.pdf = render_pdf(version)
        version.pdf_generated_at = utcnow()
    return version.pdf


def store_pdf(version_id: int) -> None:
    """The job run after a version's publication: its PDF made before the first reader asks for it."""
    version = db.session.get(GuideVersion, version_id)
    if version is not None and version.pdf is None:
        pdf_for(version)
        db.session.commit()


def render_pdf(version: GuideVersion) -> bytes:
    """Render the version to PDF bytes. Always in French: the stored PDF must not depend on who asked first."""
    from weasyprint import HTML  # slow to import: only when a PDF is actually made

    with force_locale(PDF_LOCALE):
        html = render_template("guides/pdf.html", **document(version))
    return HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=_weasyprint_fetcher()).write_pdf()


# Plain values for the template -------------------------------------------------------------------------

def document(version: GuideVersion) -> dict[str, Any]:
    """Everything the template shows, as plain values: call inside the PDF's locale."""
    snapshot = version.snapshot or {}
    source = snapshot.get("source") or {}
    sections = [_section(s) for s in ordered_sections(snapshot, include_hidden=False)]
    solution = version.guide.solution if version.guide else None
    return {
        "title": version.title,
        "number": version.number,
        "published_at": format_date(version.published_at, format="long"),
        "data_as_of": format_date(version.data_as_of, format="long") if version.data_as_of else None,
        "source_line": _source_line(source),
        "fictional": bool(current_app.config.get("DEMO_BANNER") or (solution is not None and solution.is_fictional)),
        "sections": sections,
        "checklist": [_checklist_item(item) for item in snapshot.get("checklist", [])],
        "quotes": [{"text": str(q.get("text", "")), "establishment": str(q.get("establishment", "")),
                    "field": str(QUOTE_FIELDS.get(q.get("field"), ""))} for q in snapshot.get("quotes", [])],
        "page_footer": Markup(_page_counter_css(_("Page %(page)s sur %(pages)s", page="\0page\0",  # noqa: S704  # nosec B704  # CSS strings escaped by _css_string
                                                  pages="\0pages\0"))),
    }


def _source_line(source: dict[str, Any]) -> str:
    reports = int(source.get("reports") or 0)
    establishments = source.get("establishments")
    reports_text = ngettext("%(num)d retour publié", "%(num)d retours publiés", reports)
    if establishments is None:
        # Fewer establishments than the publication threshold: their number is not published either.
        return _("Établi à partir de %(reports)s.", reports=reports_text)
    return _("Établi à partir de %(reports)s de %(establishments)s.", reports=reports_text,
             establishments=ngettext("%(num)d établissement", "%(num)d établissements", int(establishments)))


def _section(section: dict[str, Any]) -> dict[str, Any]:
    """A visible section, numbered as on the web page: by its place in the current order, from 0."""
    return {
        "key": section["key"],
        "anchor": f"section-{re.sub(r'[^a-z0-9_-]', '', str(section['key']))}",
        "number": section["number"],
        "title": str(section.get("title", "")),
        "narrative": _narrative(section.get("narrative_html", "")),
        "figures": [_figure(f) for f in section.get("figures", [])],
        "sentences": [str(s) for s in section.get("sentences", [])],
        "charts": [_chart(c) for c in section.get("charts", [])],
        "declared": [{"label": str(d.get("label", "")), "value": str(d.get("value", "")),
                      "declared": bool(d.get("declared"))} for d in section.get("declared", [])],
    }


def _narrative(html: str) -> Markup:
    """The narrative was sanitised at publication; cleaning it again with the same rules costs nothing and
    keeps a tampered or older snapshot from putting markup into the PDF."""
    clean = nh3.clean(str(html or ""), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                      strip_comments=True)
    return Markup(clean)  # noqa: S704  # nosec B704  # sanitised by nh3 just above


def value_text(cell: dict[str, Any], kind: str, scale: str = "") -> str | None:
    """A cell's value in the current language (the PDF's: French), or None when it is not published."""
    value = cell.get("value")
    if value is None:
        return None
    if kind == "share":
        return numbers.percent(value)
    if kind == "count":
        return numbers.integer(value)
    return numbers.decimal(value) + (scale or "")


def ci_text(cell: dict[str, Any], kind: str) -> str:
    ci = cell.get("ci")
    if cell.get("value") is None or not ci or kind == "count":
        return ""
    low, high = ((numbers.percent(ci[0]), numbers.percent(ci[1])) if kind == "share"
                 else (numbers.decimal(ci[0]), numbers.decimal(ci[1])))
    return _("%(low)s à %(high)s", low=low, high=high)


def n_text(cell: dict[str, Any]) -> str:
    n = cell.get("n")
    if cell.get("value") is None or n is None:
        return ""
    return ngettext("%(num)d établissement", "%(num)d établissements", int(n))


def _figure(fig: dict[str, Any]) -> dict[str, Any]:
    cell, kind = fig.get("cell") or {}, fig.get("kind", "mean")
    return {"label": str(fig.get("label", "")), "value": value_text(cell, kind, fig.get("scale", "")),
            "ci": ci_text(cell, kind), "n": n_text(cell)}


def _label_lines(label: str) -> list[str]:
    lines = textwrap.wrap(label, LABEL_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_CHARS, placeholder=" …")]
    return lines


def _chart(chart: dict[str, Any]) -> dict[str, Any]:
    """A horizontal bar chart's geometry (means with their interval from `low`, or counts from 0) and its
    data table."""
    kind = "mean" if chart.get("type") == "mean_bars" else "count"
    rows = [(str(label), cell or {}) for label, cell in chart.get("rows", [])]
    values = [c["value"] for _, c in rows if c.get("value") is not None]
    if kind == "mean":
        low, high = float(chart.get("low", 0)), float(chart.get("high", 5))
    else:
        low, high = 0.0, float(max(values + [1]))
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return round(PLOT_LEFT + (min(max(v, low), high) - low) / span * PLOT_WIDTH, 1)

    top = 6
    drawn = []
    for i, (label, cell) in enumerate(rows):
        y = top + i * ROW_HEIGHT
        lines = _label_lines(label)
        row: dict[str, Any] = {"y": y, "label_y": y + 13 - (len(lines) - 1) * 6.5, "lines": lines,
                               "bar_width": None, "whisker": None}
        value = cell.get("value")
        if value is None:
            row.update(text=_("effectif insuffisant"), text_x=PLOT_LEFT + 4)
        else:
            row["bar_width"] = max(round(x(value) - PLOT_LEFT, 1), 0.5)
            end = x(value)
            if kind == "mean" and cell.get("ci"):
                row["whisker"] = (x(cell["ci"][0]), x(cell["ci"][1]))
                end = max(end, row["whisker"][1])
            row.update(text=value_text(cell, kind), text_x=end + 6)
        drawn.append(row)
    plot_bottom = top + len(rows) * ROW_HEIGHT
    ticks = ([{"x": x(t), "text": str(t)} for t in range(int(low), int(high) + 1)] if kind == "mean" else [])
    return {
        "title": str(chart.get("title", "")).replace("%%", "%"),
        "kind": kind, "width": CHART_WIDTH, "height": plot_bottom + (22 if ticks else 4),
        "plot_left": PLOT_LEFT, "label_right": LABEL_RIGHT, "plot_bottom": plot_bottom, "rows": drawn,
        "ticks": ticks,
        "table": [{"label": label, "value": value_text(cell, kind), "ci": ci_text(cell, kind), "n": n_text(cell)}
                  for label, cell in rows],
    }


def _checklist_item(item: dict[str, Any]) -> dict[str, Any]:
    support = item.get("support") or {}
    k, of = int(support.get("establishments") or 0), int(support.get("of") or 0)
    return {"text": str(item.get("text", "")), "level": max(1, min(3, int(support.get("level") or 1))),
            "label": str(support.get("label", "")),
            "count": ngettext("%(num)d établissement sur %(of)d", "%(num)d établissements sur %(of)d", k, of=of)}


def _css_string(text: str) -> str:
    """A CSS string literal: every character that is not a letter, digit or space is hex-escaped."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _page_counter_css(message: str) -> str:
    """ "Page \0page\0 sur \0pages\0" → CSS `content` with counters, whatever the translation's word order."""
    parts = []
    for piece in re.split(r"(\0pages?\0)", message):
        if piece == "\0page\0":
            parts.append("counter(page)")
        elif piece == "\0pages\0":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


# Fetching: the application's static files only -----------------------------------------------------------

def static_path(url: str) -> Path:
    """The file under the static folder that `url` names; ValueError for anything else."""
    parts = urlsplit(url)
    origin = urlsplit(STATIC_ORIGIN)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or parts.query or parts.username:
        raise ValueError(f"Resource refused (not a static file of the application): {url[:200]}")
    path = unquote(parts.path)
    if not path.startswith(origin.path) or "\\" in path or "\0" in path:
        raise ValueError(f"Resource refused (outside the static folder): {url[:200]}")
    root = Path(current_app.static_folder or "").resolve()
    target = (root / path[len(origin.path):]).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise ValueError(f"Resource refused (outside the static folder or missing): {url[:200]}")
    return target


def restricted_fetcher(url: str) -> dict[str, Any]:
    """Serve a static file of the application, refuse everything else (file://, network, data:, ../)."""
    path = static_path(url)
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return {"string": path.read_bytes(), "mime_type": mime_type, "redirected_url": url}


def _weasyprint_fetcher():
    """WeasyPrint 70 wants a `URLFetcher` instance: one whose only source is `restricted_fetcher`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: ARG002 (signature of URLFetcher.fetch)
            resource = restricted_fetcher(url)
            return URLFetcherResponse(url, resource["string"], {"Content-Type": resource["mime_type"]})

    return StaticOnlyFetcher()
