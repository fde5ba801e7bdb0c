"""Hostile input: the corpus of tests/hostile_payloads.py goes through every free-text field of the questionnaire,
the catalogue, the guides and the registration, by the real form posts; every page, PDF, CSV and JSON where the
value comes out is read back. Nothing may run (no script, event handler, javascript: URL, SVG or MathML coming from
a value), no output may break (page structure, CSV rows and columns, JSON, PDF), NUL characters never reach the
database, and oversize input gets a French error and is kept, never a 500.

Each check is counted as payload × field × output and the counts are printed per surface, then in total.
HTML is read with the standard library's parser (html5lib and lxml are not installed), which is stricter than a
browser: it takes markup inside a <textarea> or <title> for real tags. Guide pages, where sanitised Markdown is the
one legitimate HTML built from input, are also read by tinyhtml5, the HTML5 parser WeasyPrint uses.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote_plus, urlencode

import pytest
import sqlalchemy as sa
import tinyhtml5
from markupsafe import escape
from pypdf import PdfReader

from app import questionnaire as q
from app.extensions import db
from app.models import Establishment, FormStash, Guide, PrivacyFlag, Report, ReportRevision, Solution, User
from app.services import finess
from app.services import guides as guides_service
from app.services import reports as report_service
from app.services.markdown_text import ALLOWED_TAGS
from app.views_common import close_bidi
from tests.factories import (
    COMPLETE_STEPS,
    PASSWORD,
    complete_answers,
    make_category,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)
from tests.hostile_payloads import CATEGORIES, FLOWING, OVERSIZED, PAYLOADS, Payload

CHECKED: dict[str, set[tuple[str, str, str]]] = defaultdict(set)


def tally(surface: str, value: Payload | tuple[Payload, ...], field: str, output: str) -> None:
    for payload in value if isinstance(value, tuple) else (value,):
        CHECKED[surface].add((payload.name, field, output))


def print_surface(capsys, surface: str) -> None:
    checks = CHECKED[surface]
    with capsys.disabled():
        print(f"\n[hostile input] {surface}: {len(checks)} payload × field × output checks "
              f"({len({c[0] for c in checks})} payloads, {len({c[1] for c in checks})} fields, "
              f"{len({c[2] for c in checks})} outputs)")


@pytest.fixture(scope="module", autouse=True)
def print_total(request):
    yield
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        total = sum(len(checks) for checks in CHECKED.values())
        print(f"\n[hostile input] total: {total} payload × field × output checks, {len(PAYLOADS)} payloads "
              f"in {len(CATEGORIES)} categories ({', '.join(CATEGORIES)})")


@pytest.fixture(autouse=True)
def scan_once_per_text(monkeypatch):
    """The real patient-data scanner, run once per distinct text: it is deterministic, and pages scan the same
    answers again and again (each step, the summary, the submission)."""
    from app.services import privacy

    real, seen = privacy.scan, {}

    def scan(text: str, *, not_names: Iterable[str] = ()) -> list:
        key = (text, tuple(not_names))
        if key not in seen:
            seen[key] = real(text, not_names=key[1])
        return list(seen[key])

    monkeypatch.setattr(privacy, "scan", scan)


@pytest.fixture
def site(app, no_csrf):
    app.config["ITEMS_PER_PAGE"] = 200  # every list on one page
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    app.config["REGISTER_RATE_LIMIT"] = "100000 per hour"  # one visitor registers every payload
    return app


def logged_in(app, user: User):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


SEPARATOR = "\n"
PER_VALUE = 2  # payloads per answer, one per line: every field still sees every payload, in half the rounds
ROUNDS = -(-len(FLOWING) // PER_VALUE)
Value = tuple[Payload, ...]


def packed(index: int, names: Iterable[str]) -> dict[str, Value]:
    """A Latin square: over ROUNDS rounds every payload goes once through every field, first of its value in about
    half of the fields (where a spreadsheet reads a formula) and second in the others."""
    count = len(FLOWING)
    return {name: tuple(FLOWING[(PER_VALUE * index + slot + offset) % count] for slot in range(PER_VALUE))
            for offset, name in enumerate(names)}


def decoded(payload: Payload) -> str:
    """What the server reads of a payload: its text, or its raw bytes as Werkzeug decodes them."""
    if payload.raw:
        return parse_qsl("v=" + payload.raw, keep_blank_values=True, errors="werkzeug.url_quote")[0][1]
    return payload.text


def expected(value: Value, strip: bool = False) -> str:
    """What the application should keep of a value: NUL characters removed, bidirectional formatting closed at
    the end of each line (and surrounding spaces removed, if it strips)."""
    text = close_bidi(SEPARATOR.join(decoded(payload) for payload in value).replace("\x00", ""))
    return text.strip() if strip else text


BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}


def bidi_closed(text: str) -> bool:
    """No line leaves a bidirectional embedding, override or isolate open (it would turn the text after it)."""
    for line in re.split("[\n\r\x85\u2028\u2029]", text):
        opened = []
        for char in line:
            if char in BIDI_OPENERS:
                opened.append(BIDI_OPENERS[char])
            elif char in ("\u202c", "\u2069") and char in opened:
                del opened[len(opened) - 1 - opened[::-1].index(char):]
        if opened:
            return False
    return True


CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def on_one_line(value: Value) -> str:
    """A value as a person's name may hold it: its payloads on one line, each control character made a space."""
    return CONTROL_CHARACTERS.sub(" ", " ".join(decoded(payload) for payload in value))


def encoded(value: Value) -> str:
    return quote_plus(SEPARATOR).join(payload.raw or quote_plus(payload.text) for payload in value)


def form_body(fields: dict) -> bytes:
    """An application/x-www-form-urlencoded body; a payload's raw bytes (not UTF-8) go in as they are."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            parts.append(f"{quote_plus(name)}={encoded(value)}")
        else:
            parts += [urlencode({name: item}) for item in (value if isinstance(value, list) else [value])]
    return "&".join(parts).encode("ascii")


def post_form(client, url: str, fields: dict):
    return client.post(url, data=form_body(fields), content_type="application/x-www-form-urlencoded")


def assert_stored(value: Value, stored: str | None, strip: bool = False) -> str:
    """What the application kept: the payloads as text, without NUL, valid UTF-8."""
    assert isinstance(stored, str), (value, stored)
    assert "\x00" not in stored, value
    stored.encode("utf-8")  # no lone surrogate
    assert stored == expected(value, strip), (value, stored)
    assert bidi_closed(stored), (value, stored)
    for payload in value:
        assert all(part in stored for part in payload.keeps), (payload, stored)
    return stored


def location_id(response, pattern: str) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(pattern, response.headers["Location"]).group(1))


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


# The questionnaire --------------------------------------------------------------------------------------------

FREE_TEXTS = ("services", "volume", "difficulties_text", "success_factors", "advice", "stop_reasons_text")
FREE_TEXT_STEPS = {1: FREE_TEXTS[:2], 6: FREE_TEXTS[2:]}
MESSAGE = "moderator_message"
STEP_DATA = {1: {**COMPLETE_STEPS[1], "stage": "stopped"}, 6: {**COMPLETE_STEPS[6], "stop_reasons": ["cost"]}}


def test_every_free_text_of_the_questionnaire_is_sent():
    assert set(FREE_TEXTS) == set(q.FREE_TEXT_FIELDS)


def test_questionnaire_free_texts_come_out_as_text_everywhere(site, capsys):
    """Written, autosaved, summarised, moderated (with a message back to the author), published, exported and
    quoted in a guide."""
    surface = "questionnaire"
    solution = make_solution(name="Radiolys", vendor="Nordalune")
    moderator, analyst = make_user("moderator"), make_user("analyst")
    drafts = []
    for index in range(ROUNDS):
        author = make_user("contributor")
        report, _created = report_service.new_report(author, solution, uuid.uuid4().hex)
        report.working_revision.answers = complete_answers(stage="stopped", stop_reasons=["cost"],
                                                           **dict.fromkeys(FREE_TEXTS, ""))
        drafts.append((author, report.id, report.working_revision.id, packed(index, (*FREE_TEXTS, MESSAGE))))
    db.session.commit()
    moderation, reading = logged_in(site, moderator), logged_in(site, analyst)

    published = {}
    for author, report_id, revision_id, values in drafts:
        writing, url = logged_in(site, author), f"/reports/{report_id}"
        for step, names in FREE_TEXT_STEPS.items():
            fields = {**STEP_DATA[step], **{name: values[name] for name in names}}
            if step == 6:  # the browser's autosave first, as the contributor types
                saved = read_json(post_form(writing, f"{url}/step/6/autosave", fields))
                assert saved["status"] == "saved"
                fragment = Page(saved["warnings_html"])  # the passages flagged as personal data, highlighted
                assert not [tag for tag, attrs in fragment.starts
                            if tag in FORBIDDEN_TAGS or [name for name in attrs if name.startswith("on")]]
                for name in names:
                    if f'href="#{name}"' in saved["warnings_html"]:
                        assert_shown_as_text(saved["warnings_html"], fragment, expected(values[name]))
                    tally(surface, values[name], name, "autosave (JSON)")
            response = post_form(writing, f"{url}/step/{step}", {**fields, "nav": "next"})
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        answers = db.session.get(ReportRevision, revision_id).answers
        stored = {name: assert_stored(values[name], answers[name]) for name in FREE_TEXTS}

        def items(names, stored=stored, values=values):
            return [(values[name], name, stored[name]) for name in names]

        check_page(surface, writing.get(f"{url}/summary"), "summary", items(FREE_TEXTS))
        assert writing.post(f"{url}/summary", data={"submission_key": uuid.uuid4().hex}).status_code == 302
        check_page(surface, moderation.get(f"/moderation/revisions/{revision_id}"), "moderation review",
                   items(FREE_TEXTS))
        response = post_form(moderation, f"/moderation/revisions/{revision_id}/request-changes",
                             {"changes-message": values[MESSAGE]})
        assert response.status_code == 302
        db.session.expire_all()
        stored[MESSAGE] = assert_stored(values[MESSAGE], db.session.get(ReportRevision, revision_id).moderator_message,
                                        strip=True)
        for step, names in FREE_TEXT_STEPS.items():
            check_page(surface, writing.get(f"{url}/step/{step}"), "questionnaire step", items((*names, MESSAGE)))
        check_page(surface, writing.get(url), "report (author)", items((*FREE_TEXTS, MESSAGE)))

        assert writing.post(f"{url}/summary", data={"submission_key": uuid.uuid4().hex}).status_code == 302
        for flag_id in db.session.scalars(sa.select(PrivacyFlag.id).where(PrivacyFlag.revision_id == revision_id,
                                                                          PrivacyFlag.status == "open")):
            assert moderation.post(f"/moderation/flags/{flag_id}/dismiss").status_code == 302
        assert moderation.post(f"/moderation/revisions/{revision_id}/publish").status_code == 302
        check_page(surface, reading.get(url), "report (analyst)", items(FREE_TEXTS))
        published[report_id] = (values, stored)
        db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.status == "published")) \
        == ROUNDS

    # The exports: one row per report, every column in place, formulas neutralised, values intact.
    rows = {int(row["report_id"]): row for row in read_csv(reading.get("/exports/reports.csv"))}
    assert sorted(rows) == sorted(published)
    for report_id, (values, stored) in published.items():
        for name in FREE_TEXTS:
            cell = rows[report_id][name]
            assert cell == spreadsheet_cell(stored[name]) and not runs_as_formula(cell), (values[name], cell)
            tally(surface, values[name], name, "CSV export")
    rows = {row["report_id"]: row for row in read_json(reading.get("/exports/reports.json"))}
    for report_id, (values, stored) in published.items():
        for name in FREE_TEXTS:
            assert rows[report_id][name] == stored[name]
            tally(surface, values[name], name, "JSON export")

    # A guide quoting every report's advice: the analyst's page, the published page and its PDF. A guide reads
    # its subject's statistics release: one holding every report (made here at once rather than when enough
    # establishments have published since the last one).
    from app.services import releases

    releases.build(releases.solution_scope(solution.id))
    db.session.commit()
    guide_id = location_id(reading.post("/guides/manage/new", data={"subject": f"solution:{solution.id}"}),
                           r"/guides/manage/([0-9]+)")
    for report_id in published:
        response = reading.post(f"/guides/manage/{guide_id}/quotes", data={"report_id": report_id, "field": "advice"})
        assert response.status_code == 302
    quotes = [(values["advice"], "advice", stored["advice"].strip()) for values, stored in published.values()]
    assert len(db.session.get(Guide, guide_id).draft["quotes"]) == len(quotes)
    check_page(surface, reading.get(f"/guides/manage/{guide_id}"), "guide editing (quotes)", quotes)
    response = reading.post(f"/guides/manage/{guide_id}/publish")
    assert response.status_code == 302
    check_page(surface, reading.get(response.headers["Location"]), "guide page (quotes)", quotes)
    pdf = read_pdf(reading.get(response.headers["Location"] + ".pdf").get_data())
    for value, name, text in quotes:
        assert shown_in_pdf(pdf, text), (value, text)
        tally(surface, value, name, "guide PDF (quotes)")
    print_surface(capsys, surface)


OTHER_INPUTS = {1: ("start_date", "users_count", "stage", "initiated_by"), 2: ("months_to_golive", "cost_bracket"),
                3: ("time_saved_hours", "incidents_count", "choose_again")}
TYPED_INPUTS = ("start_date", "users_count", "months_to_golive", "time_saved_hours", "incidents_count")


def test_questionnaire_other_inputs_answer_in_french_and_show_what_was_typed(site, capsys):
    """Dates and numbers, and choices whose value was tampered with: a French error, the value shown as text."""
    surface = "questionnaire (other inputs)"
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    revision_id = report.working_revision.id
    db.session.commit()
    writing, url = logged_in(site, author), f"/reports/{report.id}"
    names = [name for step_names in OTHER_INPUTS.values() for name in step_names]
    for index in range(ROUNDS):
        values = packed(index, names)
        for step, step_names in OTHER_INPUTS.items():
            response = post_form(writing, f"{url}/step/{step}",
                                 {**COMPLETE_STEPS[step], **{name: values[name] for name in step_names}, "nav": "next"})
            answers = db.session.get(ReportRevision, revision_id).answers
            typed = [name for name in step_names if name in TYPED_INPUTS]
            page = check_page(surface, response, "questionnaire step",
                              [(values[name], name, assert_stored(values[name], answers[name])) for name in typed])
            for name in typed:
                french_error(page, name)
            db.session.expire_all()
        answers = db.session.get(ReportRevision, revision_id).answers
        check_page(surface, writing.get(f"{url}/summary"), "summary",
                   [(values[name], name, assert_stored(values[name], answers[name])) for name in names])
        db.session.expire_all()
    print_surface(capsys, surface)


# The catalogue ------------------------------------------------------------------------------------------------

SOLUTION_TEXTS = ("name", "vendor", "short_description", "intended_use", "target_users")


def test_catalogue_fields_come_out_as_text_in_pages_api_and_exports(site, capsys):
    surface = "catalogue"
    category = make_category(name="Imagerie")
    admin, contributor, analyst = make_user("admin"), make_user("contributor"), make_user("analyst")
    db.session.commit()
    administration, writing, reading = logged_in(site, admin), logged_in(site, contributor), logged_in(site, analyst)
    visitor = site.test_client()
    created = []
    for index in range(ROUNDS):
        values = packed(index, SOLUTION_TEXTS)
        fields = {**values, "category_id": str(category.id), "device_class": "unknown", "ai_act_risk": "unknown",
                  "ce_marked": ""}
        url = "/admin/solutions/new"
        for website in FLOWING[PER_VALUE * index:PER_VALUE * (index + 1)]:  # on creation, then on edition
            response = post_form(administration, url, {**fields, "website": (website,)})
            if response.status_code == 200:  # refused: the form comes back with what was typed and a French error
                page = check_page(surface, response, "solution form (refused)",
                                  [(values[name], name, expected(values[name])) for name in SOLUTION_TEXTS]
                                  + ([] if website.raw else [((website,), "website", website.expected)]))
                french_error(page, "website")
                response = post_form(administration, url, {**fields, "website": ""})
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
            slug = response.headers["Location"].rsplit("/", 1)[1]
            solution_id = db.session.scalar(sa.select(Solution.id).where(Solution.slug == slug))
            url = f"/admin/solutions/{solution_id}"
        db.session.expire_all()
        solution = db.session.get(Solution, solution_id)
        stored = {name: assert_stored(values[name], getattr(solution, name), strip=True) for name in SOLUTION_TEXTS}
        if solution.website:
            values["website"] = (website,)
            stored["website"] = assert_stored(values["website"], solution.website, strip=True)
        created.append((solution.id, solution.slug, values, stored))

    def items(values, stored, names):
        return [(values[name], name, stored[name]) for name in names if name in stored]

    for solution_id, slug, values, stored in created:
        assert not slug.isdigit(), "a slug made of digits would be read as an id"
        check_page(surface, visitor.get(f"/catalogue/{slug}"), "solution page", items(values, stored, stored))
        check_page(surface, administration.get(f"/admin/solutions/{solution_id}"), "solution form",
                   items(values, stored, stored))
        item = read_json(visitor.get(f"/api/v1/solutions/{solution_id}"))
        for name, value in stored.items():
            assert item[name] == value
            tally(surface, values[name], name, "API solution")
        check_page(surface, visitor.get(f"/statistics/solutions/{solution_id}"), "scorecard",
                   items(values, stored, ("name",)))
        check_page(surface, writing.get(f"/reports/timeline/{solution_id}"), "timeline",
                   items(values, stored, ("name",)))

    def listed(*names):
        return [item for _id, _slug, values, stored in created for item in items(values, stored, names)]

    check_page(surface, visitor.get("/catalogue"), "catalogue", listed("name", "vendor", "short_description"))
    check_page(surface, administration.get("/admin/solutions"), "catalogue (admin)", listed("name"))
    check_page(surface, writing.get("/reports/new"), "new report (solution list)", listed("name", "vendor"))
    check_page(surface, reading.get("/exports/"), "exports (solution list)", listed("name", "vendor"))
    check_page(surface, reading.get("/guides/manage"), "guide subjects", listed("name"))
    api = {item["id"]: item for item in read_json(visitor.get("/api/v1/solutions?per_page=100"))["items"]}
    aggregates_csv = {int(row["solution_id"]): row for row in read_csv(reading.get("/exports/aggregates.csv"))}
    aggregates_json = {row["solution_id"]: row for row in read_json(reading.get("/exports/aggregates.json"))}
    for solution_id, _slug, values, stored in created:
        for name in ("name", "vendor", "short_description"):
            assert api[solution_id][name] == stored[name]
            tally(surface, values[name], name, "API solution list")
        for name in ("name", "vendor"):
            cell = aggregates_csv[solution_id][f"solution_{name}"]
            assert cell == spreadsheet_cell(stored[name]) and not runs_as_formula(cell)
            assert aggregates_json[solution_id][f"solution_{name}"] == stored[name]
            tally(surface, values[name], name, "aggregates CSV")
            tally(surface, values[name], name, "aggregates JSON")

    # The search box keeps what was typed, as text; the API answers in JSON.
    for index in range(ROUNDS):
        value = packed(index, ["q"])["q"]
        response = visitor.get(f"/catalogue?q={encoded(value)}")
        page = check_page(surface, response, "catalogue search", [])
        typed = next(attrs["value"] for tag, attrs in page.starts if tag == "input" and attrs.get("id") == "q")
        assert_shown_as_text(response.get_data(as_text=True), page, assert_stored(value, typed, strip=True))
        tally(surface, value, "q", "catalogue search")
        assert isinstance(read_json(visitor.get(f"/api/v1/solutions?q={encoded(value)}"))["items"], list)
        tally(surface, value, "q", "API search")
    print_surface(capsys, surface)


# The guides -----------------------------------------------------------------------------------------------------

GUIDE_SOLUTION_TEXTS = ("name", "vendor", "intended_use", "target_users")
HTML_NAMESPACE = "{http://www.w3.org/1999/xhtml}"


def narrative_blocks(body: str) -> list:
    """The narratives of a guide page as a browser builds them (HTML5 tree), one element per section."""
    tree = tinyhtml5.parse(body)
    for element in tree.iter():
        tag = element.tag.removeprefix(HTML_NAMESPACE)
        assert element.tag.startswith(HTML_NAMESPACE) or element.tag.startswith("{http://www.w3.org/2000/svg}") \
            and element.tag != "{http://www.w3.org/2000/svg}script", element.tag
        assert tag != "script" or (element.get("src") or "").startswith("/static/")
    return [e for e in tree.iter(f"{HTML_NAMESPACE}div") if "narrative" in (e.get("class") or "").split()]


def sanitised_text(block) -> str:
    """Only the Markdown's tags, links to http(s) or mailto only, opened without referrer; the block's text."""
    for element in block.iter():
        if element is block:
            continue
        assert element.tag.startswith(HTML_NAMESPACE), element.tag  # no SVG or MathML
        tag = element.tag.removeprefix(HTML_NAMESPACE)
        assert tag in ALLOWED_TAGS, tag
        assert set(element.attrib) <= {"href", "title", "rel"}, element.attrib
        if tag == "a" and element.get("href") is not None:
            assert re.match(r"^(https?://|mailto:)", element.get("href")), element.attrib
            assert "noopener" in (element.get("rel") or ""), element.attrib
    return "".join(block.itertext())


def test_guide_narratives_are_sanitised_and_titles_escaped_on_the_web_and_in_the_pdf(site, capsys):
    """One payload per section (Markdown blocks would swallow one another), the guide on a solution whose name,
    vendor and declared fields are payloads too: its title and identity sheet."""
    surface = "guides"
    analyst = make_user("analyst")
    db.session.commit()
    writing, visitor = logged_in(site, analyst), site.test_client()
    guides = []
    section_count = 11
    for number in range(-(-len(FLOWING) // section_count)):
        values = packed(number, GUIDE_SOLUTION_TEXTS)
        solution = make_solution(**{name: expected(value, strip=True) for name, value in values.items()})
        db.session.commit()
        guide_id = location_id(writing.post("/guides/manage/new", data={"subject": f"solution:{solution.id}"}),
                               r"/guides/manage/([0-9]+)")
        guide = db.session.get(Guide, guide_id)
        keys = [section["key"] for section in sorted(guide.draft["sections"], key=lambda s: s["number"])]
        assert len(keys) == section_count
        narratives = {key: (FLOWING[(number * section_count + position) % len(FLOWING)],)
                      for position, key in enumerate(keys)}
        fields = {}
        for position, key in enumerate(keys):
            fields.update({f"sections-{position}-key": key, f"sections-{position}-narrative": narratives[key],
                           f"sections-{position}-visible": "y", f"sections-{position}-position": str(position)})
        assert post_form(writing, f"/guides/manage/{guide_id}", fields).status_code == 302
        db.session.expire_all()
        guide = db.session.get(Guide, guide_id)
        saved = {s["key"]: assert_stored(narratives[s["key"]], s["narrative"]) for s in guide.draft["sections"]}
        solution_items = [(value, name, guide.title if name == "name" else getattr(solution, name))
                          for name, value in values.items()]
        check_page(surface, writing.get(f"/guides/manage/{guide_id}"), "guide editing (Markdown)",
                   [(narratives[key], "narrative", saved[key]) for key in keys]
                   + [item for item in solution_items if item[1] == "name"])

        # Rendered: the preview, the published page and its PDF show the same sanitised text.
        response = writing.get(f"/guides/manage/{guide_id}/preview")
        check_page(surface, response, "guide preview", [])
        for block in narrative_blocks(response.get_data(as_text=True)):
            sanitised_text(block)
        response = writing.post(f"/guides/manage/{guide_id}/publish")
        assert response.status_code == 302
        page_url = response.headers["Location"]
        response = visitor.get(page_url)
        check_page(surface, response, "guide page", solution_items)
        body = response.get_data(as_text=True)
        assert body.count('class="guide-section"') == section_count, "a narrative swallowed the sections after it"
        texts = [sanitised_text(block) for block in narrative_blocks(body)]
        pdf = read_pdf(visitor.get(page_url + ".pdf").get_data())
        for text in texts:
            assert not printable(text) or shown_in_pdf(pdf, text), text
        for key in keys:
            for output in ("guide preview", "guide page", "guide PDF"):
                tally(surface, narratives[key], "narrative", output)
        for value, name, text in solution_items:
            assert shown_in_pdf(pdf, text) or len(printable(text)) < 2, (value, text)
            tally(surface, value, name, "guide PDF")
        guides.append(solution_items)

    titles = [item for solution_items in guides for item in solution_items if item[1] == "name"]
    check_page(surface, visitor.get("/guides"), "guides", titles)
    listed = {item["title"] for item in read_json(visitor.get("/api/v1/guides?per_page=100"))["items"]}
    for value, name, title in titles:
        assert title in listed
        tally(surface, value, name, "API guides")
    print_surface(capsys, surface)


# A form kept after the session expired -----------------------------------------------------------------------

KEPT_FIELDS = ("sections-0-narrative", "sections-1-narrative", "sections-2-narrative")


def test_a_form_kept_after_expiry_shows_every_payload_as_text_and_sends_it_back_intact(site, capsys):
    """The kept form's page shows what was typed and carries it in hidden fields: field names and values, both
    the sender's, must come out as text and go back exactly as the server first read them."""
    from app.services import guides as guide_service
    from tests.test_session_security import expire_login

    surface = "kept form"
    analyst = make_user("analyst")
    guide = guide_service.create_guide(analyst, solution=make_solution())
    db.session.commit()
    url = f"/guides/manage/{guide.id}"
    for index in range(ROUNDS):
        values = packed(index, KEPT_FIELDS)
        named = FLOWING[index % len(FLOWING)]  # a field whose name is a payload
        browser = logged_in(site, analyst)
        expire_login(browser)
        fields = {**values, "then": "preview"}
        body = form_body(fields) + b"&" + f"{encoded((named,))}=deux+mots".encode("ascii")
        refused = browser.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
        login = browser.post("/login", data={"email": analyst.email, "password": PASSWORD})
        assert login.headers["Location"].endswith("/resume")

        response = browser.get("/resume")
        items = [(value, name, expected(value)) for name, value in values.items()]
        page = check_page(surface, response, "kept form page", items)
        name_shown = expected((named,))
        password_like = "password" in name_shown.lower()  # such a field is never kept
        assert_shown_as_text(response.get_data(as_text=True), page, name_shown, shown=not password_like)
        tally(surface, named, "field name", "kept form page")
        sent_back, action = [], None
        for tag, attrs in page.starts:  # the hidden fields of the form that sends it back (not the layout's)
            if tag == "form":
                action = attrs.get("action")
            elif tag == "input" and action == url and attrs["name"] not in ("csrf_token", "_resumed_form"):
                sent_back.append((attrs["name"], attrs.get("value") or ""))
        kept = {name: expected(value) for name, value in values.items()} | {"then": "preview"}
        if not password_like:
            kept[name_shown] = "deux mots"
        assert dict(sent_back) == kept
        for name, value in values.items():
            tally(surface, value, name, "kept form, sent back")
        tally(surface, named, "field name", "kept form, sent back")
        assert browser.post("/resume/discard").status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0
    print_surface(capsys, surface)


# Registration and establishments ----------------------------------------------------------------------------

ESTABLISHMENT_TEXTS = ("name", "city", "ght")
REGISTRATION_TEXTS = ("full_name", "email", "finess")
PASSWORDS = {"password": "un mot de passe assez long", "confirm": "un mot de passe assez long"}


def test_registration_and_establishment_fields_come_out_as_text(site, capsys):
    surface = "registration"
    admin = make_user("admin")
    db.session.commit()
    administration, visitor = logged_in(site, admin), site.test_client()
    establishments = []
    for index in range(ROUNDS):
        values = packed(index, ESTABLISHMENT_TEXTS)
        number = f"750{index:05d}"
        number += finess.luhn_key(number)
        response = post_form(administration, "/admin/establishments/new",
                             {**values, "finess": number, "type": "ch", "sector": "health", "region": "11",
                              "legal_status": "", "size_class": ""})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        establishment = db.session.scalar(sa.select(Establishment).where(Establishment.finess == number))
        stored = {name: assert_stored(values[name], getattr(establishment, name)) for name in ESTABLISHMENT_TEXTS}
        check_page(surface, administration.get(f"/admin/establishments/{establishment.id}"), "establishment form",
                   [(values[name], name, stored[name]) for name in ESTABLISHMENT_TEXTS])
        establishments.append((number, values, stored))

    people = []
    for index, (number, place_values, place) in enumerate(establishments):
        values = packed(index, REGISTRATION_TEXTS)
        response = post_form(visitor, "/register", {**values, **PASSWORDS})
        page = check_page(surface, response, "registration form (refused)",
                          [(values[name], name, expected(values[name])) for name in REGISTRATION_TEXTS])
        french_error(page, "email")
        french_error(page, "finess")
        french_error(page, "full_name")  # its payloads are on two lines: a name is one
        email = f"hostile{index}@hopital.test"
        name = on_one_line(values["full_name"])
        response = post_form(visitor, "/register", {**values, **PASSWORDS, "email": email, "finess": number,
                                                    "full_name": name})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.full_name == close_bidi(name).strip(), (values["full_name"], user.full_name)
        assert bidi_closed(user.full_name)
        people.append((values["full_name"], "full_name", user.full_name))
        check_page(surface, visitor.get("/register/done"), "registration confirmation",
                   [(place_values["name"], "name", place["name"])])

    places = [(values["name"], "name", stored["name"]) for _number, values, stored in establishments]
    check_page(surface, administration.get("/admin/users?status=pending"), "users (admin)", people + places)
    check_page(surface, administration.get("/admin/establishments"), "establishments (admin)", places)
    for index in range(ROUNDS):
        value = packed(index, ["q"])["q"]
        response = administration.get(f"/admin/users?q={encoded(value)}")
        page = check_page(surface, response, "user search (admin)", [])
        typed = next(attrs.get("value") or "" for tag, attrs in page.starts if tag == "input" and attrs.get("name") == "q")
        assert "\x00" not in typed
        tally(surface, value, "q", "user search (admin)")
    print_surface(capsys, surface)


# Oversize input, undecodable bodies, NUL outside forms --------------------------------------------------------

def test_oversize_input_gets_a_french_error_keeps_the_text_and_never_a_500(site, capsys):
    """100 kB in any field: the form comes back (200) with the field's error in French and what was typed."""
    surface = "oversize"
    author, moderator, admin, analyst = (make_user(role) for role in ("contributor", "moderator", "admin", "analyst"))
    draft, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    draft.working_revision.answers = complete_answers(stage="stopped", stop_reasons=["cost"])
    submitted = make_report(state="submitted")
    category = make_category()
    place = make_establishment()
    guide = guides_service.create_guide(analyst, solution=make_solution())
    db.session.commit()
    writing, moderation = logged_in(site, author), logged_in(site, moderator)
    administration, editing, visitor = logged_in(site, admin), logged_in(site, analyst), site.test_client()
    revision_id = submitted.working_revision_id
    sections = {}
    for position, section in enumerate(guide.draft["sections"]):
        sections.update({f"sections-{position}-key": section["key"], f"sections-{position}-narrative": "",
                         f"sections-{position}-visible": "y", f"sections-{position}-position": str(position)})
    solution = {"name": "Une solution", "vendor": "Un éditeur", "category_id": str(category.id),
                "short_description": "Une description.", "device_class": "unknown", "ai_act_risk": "unknown"}
    establishment = {"finess": "750000018", "name": "Un établissement", "type": "ch", "sector": "health",
                     "region": "11"}
    registration = {"full_name": "Une personne", "email": "personne@hopital.test", "finess": place.finess,
                    **PASSWORDS}
    forms = [  # (client, url, the other fields, the field, whether the form shows the value again)
        *[(writing, f"/reports/{draft.id}/step/{step}", {**STEP_DATA.get(step, COMPLETE_STEPS[step]), "nav": "next"},
           name, True)
          for step, names in {1: ("services", "volume", "start_date", "users_count"), 2: ("months_to_golive",),
                              3: ("time_saved_hours", "incidents_count"), 6: FREE_TEXTS[2:]}.items()
          for name in names],
        (moderation, f"/moderation/revisions/{revision_id}/request-changes", {}, "changes-message", True),
        (moderation, f"/moderation/revisions/{revision_id}/reject", {}, "reject-message", True),
        *[(administration, "/admin/solutions/new", solution, name, True) for name in (*SOLUTION_TEXTS, "website")],
        *[(administration, "/admin/establishments/new", establishment, name, True)
          for name in ("finess", *ESTABLISHMENT_TEXTS)],
        *[(visitor, "/register", registration, name, name != "password") for name in (*REGISTRATION_TEXTS, "password")],
        (editing, f"/guides/manage/{guide.id}", sections, "sections-0-narrative", True),
    ]
    for payload in OVERSIZED:
        for client, url, fields, name, shown_again in forms:
            response = post_form(client, url, {**fields, name: payload.text})
            page = check_page(surface, response, "form (refused)", [])
            french_error(page, name)
            assert_shown_as_text(response.get_data(as_text=True), page, payload.text, shown=shown_again)
            tally(surface, payload, name, "form (refused)")
    assert db.session.get(ReportRevision, revision_id).state == "submitted"
    draft_answers = db.session.get(ReportRevision, draft.working_revision_id).answers
    assert all(len(draft_answers[name]) <= q.MAX_RAW_SIZE for name in FREE_TEXTS)
    assert all(not entry["narrative"] for entry in db.session.get(Guide, guide.id).draft["sections"])

    # Search boxes: the query is cut, or refused in French by the API, never a 500.
    for payload in OVERSIZED:
        for client, url in ((visitor, "/catalogue"), (administration, "/admin/users"),
                            (administration, "/admin/establishments")):
            check_page(surface, client.get(f"{url}?q={quote_plus(payload.text)}"), "search", [])
            tally(surface, payload, "q", f"search {url}")
        response = visitor.get(f"/api/v1/solutions?q={quote_plus(payload.text)}")
        assert response.status_code == 400
        assert json.loads(response.get_data())["errors"]["q"] == ["Recherche limitée à 200 caractères."]
        tally(surface, payload, "q", "API search")
    print_surface(capsys, surface)


def test_a_body_beyond_the_size_limit_gets_a_french_page_and_changes_nothing(site):
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    db.session.commit()
    writing = logged_in(site, author)
    body = {**COMPLETE_STEPS[6], "advice": "a" * (site.config["MAX_CONTENT_LENGTH"] + 1), "nav": "save"}
    for client, url in ((writing, f"/reports/{report.id}/step/6"), (site.test_client(), "/register")):
        response = post_form(client, url, body)
        page = check_page("413", response, "page", [], status=413)
        assert "Envoi trop volumineux" in page.text and "raccourcissez" in page.text
    db.session.expire_all()
    assert db.session.get(ReportRevision, report.working_revision_id).answers["advice"] == COMPLETE_STEPS[6]["advice"]


def test_a_body_that_is_not_utf8_is_refused_in_french_and_erases_nothing(site):
    """A browser percent-encodes what it sends; raw Latin-1 bytes come from a broken client or proxy. Read as an
    empty form, they would save the questionnaire step as blank."""
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    db.session.commit()
    writing = logged_in(site, author)
    for client, url in ((writing, f"/reports/{report.id}/step/1"), (writing, f"/reports/{report.id}/step/1/autosave"),
                        (site.test_client(), "/register")):
        response = client.post(url, data=b"services=caf\xe9&full_name=H\xf4pital&nav=save",
                               content_type="application/x-www-form-urlencoded")
        page = check_page("undecodable", response, "page", [], status=400)
        assert "Requête invalide" in page.text
    db.session.expire_all()
    assert db.session.get(ReportRevision, report.working_revision_id).answers["services"] == \
        COMPLETE_STEPS[1]["services"]


@pytest.mark.parametrize("url", ["/catalogue/a%00b", "/guides/a%00b", "/catalogue?q=a%00b", "/api/v1/solutions?q=a%00b",
                                 "/api/v1/guides/a%00b", "/admin/users?q=a%00b", "/admin/establishments?q=a%00b",
                                 "/statistics/categories/a%00b", "/guides?category=a%00b"])
def test_nul_in_an_address_never_reaches_the_database(site, url):
    """PostgreSQL refuses NUL in text: it must never get to a query (a 500)."""
    admin = make_user("admin")
    db.session.commit()
    client = logged_in(site, admin) if url.startswith("/admin") else site.test_client()
    assert client.get(url).status_code in (200, 400, 404)


def test_a_tampered_creation_key_is_cut_to_its_column(site):
    """The new-report form's hidden key goes into a 64-character column, which PostgreSQL enforces."""
    author, solution = make_user("contributor"), make_solution()
    db.session.commit()
    response = logged_in(site, author).post("/reports/new", data={"solution_id": solution.id, "creation_key": "k" * 1000})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Report.creation_key)) == "k" * 64
