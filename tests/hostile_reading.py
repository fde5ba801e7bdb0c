"""Hostile input, read back: pages, CSV, JSON and PDF checked for anything that runs or breaks, values shown as text.

HTML is read with the standard library's parser (html5lib and lxml are not installed), which is stricter than a
browser: it takes markup inside a <textarea> or <title> for real tags. Guide pages, where sanitised Markdown is the
one legitimate HTML built from input, are also read by tinyhtml5, the HTML5 parser WeasyPrint uses
(tests/test_hostile_guides.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser

from markupsafe import escape
from pypdf import PdfReader

from tests.hostile_helpers import Value, tally

# Reading pages ----------------------------------------------------------------------------------------------

FOOTER_TEXT = "Retex IA — plateforme de retours d'expérience"
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "mtext", "mglyph",
                  "plaintext", "xmp", "noembed", "noframes", "noscript", "style", "template", "img", "image", "audio",
                  "video", "source", "animate", "set", "foreignobject", "marquee", "portal"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "ping", "cite",
                  "srcset", "srcdoc"}
SAFE_LINK = re.compile(r"^(?:/(?!/)|#|\?|https?://|mailto:)", re.IGNORECASE)


class Page(HTMLParser):
    """A page as the standard library's parser reads it: start tags with their attributes, end tags, text."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.events: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False
        self._marks: list[str] = []  # open <mark> and <span> inside a highlighted passage
        self.errors: dict[str, str] = {}  # field id → the text of its error list
        self._errors_of: str | None = None
        self.feed(body)
        self.close()
        self.text = normalise("".join(self.texts))
        self.attribute_values = [normalise(v) for _tag, attrs in self.starts for v in attrs.values() if v]

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        self.events.append(("start", tag))
        self._in_script = tag == "script"
        if tag == "ul" and (dict(attrs).get("id") or "").endswith("-errors"):
            self._errors_of = dict(attrs)["id"].removesuffix("-errors")
            self.errors[self._errors_of] = ""
        if tag == "mark" or (self._marks and tag == "span"):
            # A highlighted passage carries its label for screen readers: not part of the value.
            self._marks.append("label" if "visually-hidden" in (dict(attrs).get("class") or "") else tag)

    def handle_startendtag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        self.events.append(("start", tag))
        self.events.append(("end", tag))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))
        self._in_script = False
        if self._marks and tag in ("mark", "span"):
            self._marks.pop()
        if tag == "ul":
            self._errors_of = None

    def handle_data(self, data):
        if self._errors_of:
            self.errors[self._errors_of] += data
        if "label" not in self._marks:
            (self.script_text if self._in_script else self.texts).append(data)

    def shows(self, text: str) -> bool:
        text = normalise(text)
        return text in self.text or any(text in value for value in self.attribute_values)


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def url_runs_code(value: str) -> bool:
    # Browsers ignore spaces and control characters inside a URL's scheme.
    squeezed = re.sub(r"[\x00-\x20\u200b]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:"))


def assert_safe_page(body: str) -> Page:
    """Nothing on the page runs or redirects but the application's own, and the layout is whole."""
    page = Page(body)
    for tag, attrs in page.starts:
        assert tag not in FORBIDDEN_TAGS, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert value is not None and not url_runs_code(value), (tag, attrs)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        elif tag == "a" and "href" in attrs:
            assert SAFE_LINK.match(attrs["href"] or ""), attrs
        elif tag == "form":
            assert (attrs.get("action") or "/").startswith("/") and not (attrs.get("action") or "").startswith("//")
        elif tag == "meta":
            assert set(attrs) <= {"charset", "name", "content"}, attrs
        elif tag == "link":
            assert attrs.get("rel") in ("stylesheet", "icon") and attrs.get("href", "").startswith("/static/"), attrs
        elif tag == "svg":
            assert attrs.get("role") == "img", attrs  # the application's charts
    assert not "".join(page.script_text).strip(), "inline script"
    head = page.events[:page.events.index(("end", "head"))]
    assert page.events.count(("start", "main")) == 1 and head.count(("start", "title")) == 1
    site_footer = len(page.events) - 1 - page.events[::-1].index(("start", "footer"))
    assert site_footer > page.events.index(("end", "main"))
    assert FOOTER_TEXT in page.text
    assert page.events[-2:] == [("end", "body"), ("end", "html")]
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.endswith("Retex IA") and "<" not in title
    return page


@cache
def markup_signatures(text: str) -> frozenset[tuple[str, frozenset]]:
    """The elements a text would make if it were written as HTML, by tag and attributes."""
    if "<" not in text:
        return frozenset()
    return frozenset((tag, frozenset(attrs.items())) for tag, attrs in Page(text).starts if attrs)


def assert_shown_as_text(body: str, page: Page, expected: str, shown: bool = True) -> None:
    """The value is on the page as text: escaped wherever it is, never raw; nothing made of it exists."""
    if set(expected) & set("<>\"'&"):
        assert expected not in body.replace(str(escape(expected)), ""), expected
    elements = {(tag, frozenset(attrs.items())) for tag, attrs in page.starts}
    assert not markup_signatures(expected) & elements, expected
    if shown:
        assert page.shows(expected), expected


def check_page(surface: str, response, output: str, items: Iterable[tuple[Value, str, str]], status: int = 200,
               ) -> Page:
    """items: (the payloads of a value, its field, the value as stored)."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, (output, response.status_code, body[:3000])
    assert response.mimetype == "text/html"
    page = assert_safe_page(body)
    for payload, field, expected in items:
        assert_shown_as_text(body, page, expected)
        tally(surface, payload, field, output)
    return page


FRENCH_ERROR = re.compile(r"caractères?|obligatoire|Saisissez|Indiquez|entier|nombre|FINESS|adresse|au moins|"
                          r"mois|Choisissez", re.IGNORECASE)


def french_error(page: Page, field_id: str) -> str:
    """The error shown under a field: there, and in French (WTForms' own messages are translated too)."""
    assert field_id in page.errors, (field_id, sorted(page.errors))
    assert FRENCH_ERROR.search(page.errors[field_id]), (field_id, page.errors[field_id])
    return page.errors[field_id]


# Reading downloads ------------------------------------------------------------------------------------------

def runs_as_formula(text: str) -> bool:
    """What a spreadsheet would run: a cell starting with a tab, CR or LF, or whose first character past spaces,
    invisible (format) characters and controls is = + - @ % or its full-width form."""
    if text.startswith(("\t", "\r", "\n")):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in ("=", "+", "-", "@", "%")
    return False


def spreadsheet_cell(text: str) -> str:
    return "'" + text if runs_as_formula(text) else text


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    header = rows[0]
    assert all(len(row) == len(header) for row in rows), "a row lost or gained columns"
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def read_json(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


PRINTABLE = set(string.ascii_letters + string.digits + string.punctuation)


def printable(text: str) -> str:
    """The ASCII letters, digits and punctuation of a text, accents dropped: what survives any text extraction."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if char in PRINTABLE)


def _breaks_extraction(char: str) -> bool:
    # Combining marks, format and control characters, and what only a fallback font draws (emoji, astral
    # planes) come out of pypdf's extraction as other characters, or none.
    return unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc", "Co", "Cs", "So", "Zl", "Zp") or ord(char) > 0xFFFF


def read_pdf(data: bytes) -> str:
    """A valid PDF without any action, script or link other than http(s)/mailto; its text, printable only."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root and "/AcroForm" not in root
    names = root.get("/Names")
    assert names is None or "/JavaScript" not in names.get_object()
    for page in reader.pages:
        assert "/AA" not in page
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                action = action.get_object()
                assert action.get("/S") in ("/URI", "/GoTo"), action
                if action.get("/S") == "/URI":
                    assert re.match(r"^(https?|mailto):", str(action["/URI"])), action
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return printable(re.sub(r"Page \d+ sur \d+", "", text))


LIGATURES = ("ff", "fi", "fl")


def _pdf_pattern(piece: str) -> str:
    # The font's ligatures (fi, fl…) come out of the PDF as another character, or none.
    return "".join(f"(?:{part}|.?)" if part in LIGATURES else re.escape(part) for part in re.split(r"(ff|fi|fl)", piece))


def shown_in_pdf(pdf: str, text: str) -> bool:
    """Each run of the value's printable characters is in the PDF's text; a right-to-left run may be reversed."""
    runs = "".join("\x00" if _breaks_extraction(char) else char for char in text).split("\x00")
    pieces = [piece for piece in map(printable, runs) if len(piece) >= 2] or list(printable(text))
    return bool(pieces) and all(re.search(_pdf_pattern(piece), pdf) or re.search(_pdf_pattern(piece[::-1]), pdf)
                                for piece in pieces)
