"""A form sent after the session had expired is kept for its author and sent again after the next login."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.auth import form_stash
from app.extensions import db
from app.models import FormStash, Guide, GuideVersion, User
from app.models._types import utcnow
from app.services import guides
from tests.factories import PASSWORD, make_solution, make_user, text
from tests.test_session_security import expire_login

NARRATIVE = "Former les équipes de nuit avant l'ouverture.\n\nDeuxième paragraphe « guillemets » & <b>balises</b>."


class Forms(HTMLParser):
    """The page's forms as a browser would send them: action, and (name, value) pairs in document order."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: list | None = None
        self._select: str | None = None
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[-1]["fields"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1]["fields"].append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def with_action(self, path: str) -> dict:
        return next(f for f in self.forms if urlsplit(f["action"]).path == path)


def send(client, form: dict, **changes: str):
    data: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    return client.post(form["action"], data=data)


def login(client, user: User, next_path: str | None = None):
    page = client.get("/login" + (f"?next={next_path}" if next_path else ""))
    form = Forms(page.get_data(as_text=True)).with_action("")
    return send(client, {**form, "action": "/login" + (f"?next={next_path}" if next_path else "")},
                email=user.email, password=PASSWORD)


@pytest.fixture
def editor(app, client):
    """An analyst logged in (CSRF on), with a guide's draft open in the editor."""
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=make_solution(name="Alpha"))
    db.session.commit()
    assert login(client, analyst).status_code == 302
    return analyst, guide


def narrative_field(form: dict) -> str:
    return next(name for name, _ in form["fields"] if name.endswith("-narrative"))


def drafted(guide: Guide) -> list[str]:
    db.session.expire_all()
    return [s.get("narrative", "") for s in db.session.get(Guide, guide.id).draft["sections"]]


def save_after_expiry(client, guide: Guide) -> str:
    """The editor opened, the login expired, the narrative saved anyway (refused, kept): the editor's path."""
    edit_path = f"/guides/manage/{guide.id}"
    form = {**Forms(client.get(edit_path).get_data(as_text=True)).with_action(edit_path), "action": edit_path}
    expire_login(client)
    send(client, form, **{narrative_field(form): NARRATIVE})
    return edit_path


def test_the_guide_text_sent_after_expiry_is_kept_and_saved_after_the_next_login(client, editor):
    analyst, guide = editor
    edit_path = f"/guides/manage/{guide.id}"
    form = Forms(client.get(edit_path).get_data(as_text=True)).with_action(edit_path)
    form["action"] = edit_path
    expire_login(client)

    refused = send(client, form, **{narrative_field(form): NARRATIVE})
    assert refused.status_code == 302 and urlsplit(refused.headers["Location"]).path == "/login"
    assert NARRATIVE not in drafted(guide)  # nothing of an expired session is saved
    login_page = text(client.get(refused.headers["Location"]))
    assert "ce que vous y aviez saisi est conservé" in login_page

    back = login(client, analyst)
    assert back.status_code == 302 and back.headers["Location"].endswith("/resume")
    page = client.get("/resume")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Renvoyer le formulaire" in body
    assert f"Enregistrer le brouillon d'un guide (<code>{edit_path}</code>)" in body.replace("&#39;", "'")
    assert "sections-0-key" in body  # every field is shown, the short ones too
    assert "Deuxième paragraphe « guillemets » &amp; &lt;b&gt;balises&lt;/b&gt;" in body  # shown, escaped
    assert "<b>balises</b>" not in body

    resend = Forms(body).with_action(edit_path)
    saved = send(client, resend)
    assert saved.status_code == 302 and urlsplit(saved.headers["Location"]).path == edit_path
    assert NARRATIVE.replace("\n", "\r\n") in drafted(guide) or NARRATIVE in drafted(guide)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0
    assert "Aucun formulaire" in text(client.get("/resume", follow_redirects=True))


def test_the_kept_form_is_offered_to_its_author_only(client, editor):
    analyst, guide = editor
    save_after_expiry(client, guide)

    other = make_user("analyst")
    db.session.commit()
    back = login(client, other, next_path="/guides/manage")
    assert urlsplit(back.headers["Location"]).path == "/guides/manage"
    assert "Aucun formulaire" in text(client.get("/resume", follow_redirects=True))
    assert db.session.scalar(sa.select(FormStash.user_id)) == analyst.id


def test_a_resent_form_is_checked_like_any_other(client, editor):
    """The role is checked again at the second sending: an analyst who lost the role cannot save through it."""
    analyst, guide = editor
    edit_path = save_after_expiry(client, guide)
    analyst.role = "contributor"
    db.session.commit()
    assert login(client, analyst).headers["Location"].endswith("/resume")
    resend = Forms(client.get("/resume").get_data(as_text=True)).with_action(edit_path)
    assert send(client, resend).status_code == 403
    assert NARRATIVE not in drafted(guide)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 1  # refused: still kept


def test_dropping_the_kept_form_goes_back_to_its_page(client, editor):
    analyst, guide = editor
    edit_path = f"/guides/manage/{guide.id}"
    form = {**Forms(client.get(edit_path).get_data(as_text=True)).with_action(edit_path), "action": edit_path}
    expire_login(client)
    client.post(edit_path, data=dict(form["fields"]) | {narrative_field(form): "Brouillon perdu ?"},
                headers={"Referer": f"http://retex.test{edit_path}"})
    login(client, analyst)
    drop = Forms(client.get("/resume").get_data(as_text=True)).with_action("/resume/discard")
    dropped = send(client, drop)
    assert dropped.status_code == 302 and urlsplit(dropped.headers["Location"]).path == edit_path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0


def test_an_action_button_sent_after_expiry_keeps_nothing_and_reopens_its_page(client, editor):
    """The publication's confirmation carries no text: after expiry it is not kept, and its page opens again."""
    analyst, guide = editor
    publish_path = f"/guides/manage/{guide.id}/publish"
    confirm = Forms(client.get(publish_path).get_data(as_text=True)).with_action(publish_path)
    expire_login(client)
    refused = client.post(confirm["action"], data=dict(confirm["fields"]),
                          headers={"Referer": f"http://retex.test{publish_path}"})
    assert parse_qs(urlsplit(refused.headers["Location"]).query)["next"] == [publish_path]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0
    assert urlsplit(login(client, analyst, next_path=publish_path).headers["Location"]).path == publish_path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuideVersion)) == 0


def test_one_form_per_user_passwords_never_and_a_week_at_most(app, client, editor):
    analyst, guide = editor
    with app.test_request_context("/moderation/revisions/1/reject", method="POST",
                                  data={"csrf_token": "t", "reason": "Premier", "new_password": "secret-typed"}):
        assert form_stash.keep_sent_form(analyst.id)
    with app.test_request_context("/moderation/revisions/1/reject", method="POST", data={"reason": "Second"}):
        assert form_stash.keep_sent_form(analyst.id)
    kept = db.session.scalars(sa.select(FormStash)).all()
    assert [k.fields for k in kept] == [[["reason", "Second"]]]
    with app.test_request_context("/moderation/revisions/1/reject", method="POST",
                                  data={"reason": "x", "password_confirm": "p"}):
        assert form_stash.keep_sent_form(analyst.id)
        assert db.session.scalar(sa.select(FormStash.fields)) == [["reason", "x"]]
    with app.test_request_context("/login", method="POST", data={"email": "a@b.fr", "password": "p"}):
        assert not form_stash.keep_sent_form(analyst.id)  # the authentication pages are never kept

    stash = db.session.scalar(sa.select(FormStash))
    stash.at = utcnow() - timedelta(days=form_stash.KEEP_DAYS, minutes=1)
    db.session.commit()
    expire_login(client)
    client.get("/login")  # logged out
    assert urlsplit(login(client, analyst, next_path="/guides/manage").headers["Location"]).path != "/resume"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0


def test_forms_other_than_the_writing_ones_are_never_kept(client, editor):
    """Someone at an unattended browser must not leave an account change for its owner to send in one click."""
    analyst, guide = editor
    target = make_user("contributor")
    db.session.commit()
    edit_path = f"/guides/manage/{guide.id}"
    token = dict(Forms(client.get(edit_path).get_data(as_text=True)).with_action(edit_path)["fields"])
    expire_login(client)
    refused = client.post(f"/admin/users/{target.id}", data={"role": "admin", "status": "active", "finess": "",
                                                             "csrf_token": token["csrf_token"]})
    assert urlsplit(refused.headers["Location"]).path == "/login"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 0


def test_a_resent_form_refused_with_an_error_message_stays_kept(app, client):
    """A moderator's refusal written after the login expired; meanwhile another moderator published the
    report: sending it again fails with an error message, and the text is still kept."""
    from app.services import reports as service
    from tests.factories import make_report

    moderator, other = make_user("moderator"), make_user("moderator")
    report = make_report(state="submitted")
    db.session.commit()
    revision_id = report.working_revision_id if report.working_revision_id else report.revisions[-1].id
    login(client, moderator)
    review = f"/moderation/revisions/{revision_id}"
    reject = Forms(client.get(review).get_data(as_text=True)).with_action(f"{review}/reject")
    expire_login(client)
    message = next(name for name, _ in reject["fields"] if name.endswith("message"))
    send(client, reject, **{message: "Le texte cite un patient par son nom."})
    service.publish(db.session.get(type(report.revisions[-1]), revision_id), other)
    db.session.commit()

    assert login(client, moderator).headers["Location"].endswith("/resume")
    resend = Forms(client.get("/resume").get_data(as_text=True)).with_action(f"{review}/reject")
    refused = send(client, resend)
    assert refused.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormStash)) == 1
