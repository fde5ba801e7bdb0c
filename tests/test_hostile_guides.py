"""Hostile input in the guides: narratives sanitised, titles escaped on the web and in the PDF, a form kept after expiry."""

from __future__ import annotations

import re

import sqlalchemy as sa
import tinyhtml5

from app.extensions import db
from app.models import FormStash, Guide
from app.services import guides as guide_service
from app.services.markdown_text import ALLOWED_TAGS
from tests.factories import PASSWORD, make_solution, make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    ROUNDS,
    assert_stored,
    encoded,
    expected,
    form_body,
    location_id,
    logged_in,
    packed,
    post_form,
    print_surface,
    tally,
)
from tests.hostile_payloads import FLOWING
from tests.hostile_reading import assert_shown_as_text, check_page, printable, read_json, read_pdf, shown_in_pdf

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
        response = writing.post(f"/guides/manage/{guide_id}/publish",
                                data={"shown": guide_service.draft_fingerprint(db.session.get(Guide, guide_id))})
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
        fields = {**values, "action": "preview"}
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
        kept = {name: expected(value) for name, value in values.items()} | {"action": "preview"}
        if not password_like:
            kept[name_shown] = "deux mots"
        assert dict(sent_back) == kept
        for name, value in values.items():
            tally(surface, value, name, "kept form, sent back")
        tally(surface, named, "field name", "kept form, sent back")
        assert browser.post("/resume/discard").status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0
    print_surface(capsys, surface)

