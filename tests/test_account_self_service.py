"""The account page: name, e-mail address confirmed by a link sent to the new one, deletion with its reports kept
under a pseudonym, and API tokens that expire."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, Report, User
from app.models._types import utcnow
from app.services import account_self, api_tokens
from tests.api_helpers import bearer, solution_with_establishments
from tests.factories import PASSWORD, make_establishment, make_report, make_user, text


def _link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0).split("retex.test", 1)[1]


def test_a_person_renames_themselves_and_a_name_on_two_lines_is_refused(client, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    assert client.post("/account/name", data={"full_name": "  Claire   Martin "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Claire Martin"
    refused = client.post("/account/name", data={"full_name": "Claire\nMartin"})
    assert refused.status_code == 200 and "retour à la ligne" in text(refused)
    assert "Claire\nMartin" in refused.get_data(as_text=True)  # what was typed is kept


def test_the_new_address_changes_only_once_its_link_is_opened_and_the_old_one_is_told(app, client, auth, mailbox):
    user = make_user(email="ancienne@hopital.test")
    db.session.commit()
    auth.login(user.email)

    sent = client.post("/account/email", data={"new-email": "Nouvelle@Hopital.test", "new-password": PASSWORD})
    assert sent.status_code == 302
    assert db.session.get(User, user.id).email == "ancienne@hopital.test"
    [confirmation] = mailbox
    assert confirmation.recipients == ["nouvelle@hopital.test"]
    link = _link_in(confirmation.body)

    page = client.get(link)
    assert page.status_code == 200 and "nouvelle@hopital.test" in text(page)
    assert db.session.get(User, user.id).email == "ancienne@hopital.test"  # a GET changes nothing
    assert client.post(link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "nouvelle@hopital.test"
    notice = mailbox[-1]
    assert notice.recipients == ["ancienne@hopital.test"] and "nouvelle@hopital.test" in notice.body
    # The link works once; the account logs in with the new address.
    assert client.get(link).status_code == 400
    auth.logout()
    assert auth.login("nouvelle@hopital.test").status_code == 302


def test_an_address_change_needs_the_password_and_a_free_address(client, auth, mailbox):
    user = make_user()
    taken = make_user()
    db.session.commit()
    auth.login(user.email)
    wrong = client.post("/account/email", data={"new-email": "autre@hopital.test", "new-password": "not-the-password"})
    assert "Mot de passe actuel incorrect." in text(wrong)
    busy = client.post("/account/email", data={"new-email": taken.email, "new-password": PASSWORD})
    assert "déjà celle d'un autre compte" in text(busy)
    invalid = client.post("/account/email", data={"new-email": "pas-une-adresse", "new-password": PASSWORD})
    assert "adresse électronique valide" in text(invalid) and "pas-une-adresse" in text(invalid)
    assert mailbox == []


def test_a_forged_or_expired_confirmation_link_is_refused(app, client):
    user = make_user()
    db.session.commit()
    assert client.get("/account/email/confirm/forged").status_code == 400
    token = account_self.email_change_token(user, "plus-tard@hopital.test")
    db.session.commit()
    app.config["EMAIL_CHANGE_MAX_AGE"] = -1
    assert client.get(f"/account/email/confirm/{token}").status_code == 400


def test_deleting_an_account_keeps_its_reports_under_a_pseudonym(app, client, auth, mailbox):
    author = make_user("contributor")
    make_user("referent", db.session.get(User, author.id).establishment)
    report = make_report(author, state="published")
    token, clear = api_tokens.create_token(author, "script")
    db.session.commit()
    email = author.email
    auth.login(email)

    refused = client.post("/account/delete", data={"password": "wrong-password", "understood": "y"})
    assert "Mot de passe actuel incorrect." in text(refused)
    unconfirmed = client.post("/account/delete", data={"password": PASSWORD})
    assert "Cochez cette case" in text(unconfirmed)
    done = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert done.status_code == 302

    db.session.expire_all()
    gone = db.session.get(User, author.id)
    assert gone.status == "deleted" and gone.full_name == "" and gone.password_hash is None
    assert gone.email != email and email.split("@")[0] not in gone.email
    kept = db.session.get(Report, report.id)
    assert kept.status == "published" and kept.author_id == author.id
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert mailbox[-1].recipients == [email]
    assert client.get("/account").status_code == 302  # logged out
    assert auth.login(email).status_code == 200


def test_the_last_referent_names_a_successor_before_leaving(client, auth, mailbox):
    establishment = make_establishment()
    referent = make_user("referent", establishment)
    colleague = make_user("contributor", establishment)
    stranger = make_user("contributor")
    db.session.commit()
    auth.login(referent.email)

    page = text(client.get("/account/delete"))
    assert "dernier référent" in page and colleague.email in page and stranger.email not in page
    missing = client.post("/account/delete", data={"password": PASSWORD, "understood": "y", "successor": "0"})
    assert "Choisissez le membre" in text(missing)
    outsider = client.post("/account/delete", data={"password": PASSWORD, "understood": "y",
                                                   "successor": str(stranger.id)})
    assert "Choisissez le membre" in text(outsider)
    assert client.post("/account/delete", data={"password": PASSWORD, "understood": "y",
                                                "successor": str(colleague.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, colleague.id).role == "referent"
    assert db.session.get(User, stranger.id).role == "contributor"
    assert colleague.email in {r for m in mailbox for r in m.recipients}


def test_the_last_administrator_cannot_delete_their_account(client, auth):
    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).status == "active"
    assert "dernier administrateur" in text(client.get("/account"))


def test_the_last_ethics_reviewer_cannot_delete_their_account_until_another_is_appointed(client, auth):
    reviewer = make_user("ethics_reviewer")
    db.session.commit()
    auth.login(reviewer.email)
    page = text(client.get("/account/delete"))
    assert "dernier référent éthique" in page and "Supprimer définitivement" not in page
    response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, reviewer.id).status == "active"
    assert "dernier référent éthique" in text(client.get("/account"))
    make_user("ethics_reviewer")  # a second reviewer: the first may now leave
    db.session.commit()
    assert "Supprimer définitivement" in text(client.get("/account/delete"))
    assert client.post("/account/delete", data={"password": PASSWORD, "understood": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, reviewer.id).status == "deleted"


def test_the_account_page_has_a_list_of_settings_links(client, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    assert 'aria-labelledby="account-links-title"' in page and 'href="/account/delete"' in page


# API tokens that expire ----------------------------------------------------------------------------------

def test_a_token_gets_the_default_expiry_and_the_list_shows_it(client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    page = text(client.get("/account/api-tokens"))
    assert api_tokens.default_expiry().isoformat() in page  # the form's default date
    assert client.post("/account/api-tokens", data={"name": "Tableau"}).status_code == 302
    [token] = api_tokens.user_tokens(analyst)
    assert token.expires_at is not None
    expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=utcnow().tzinfo)
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=92)
    assert "Expire le" in text(client.get("/account/api-tokens"))


def test_an_expiry_in_the_past_or_beyond_a_year_is_refused_in_french(client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    past = client.post("/account/api-tokens", data={"name": "A", "expires_on": "2020-01-01"})
    assert "date à venir" in text(past)
    far = (api_tokens.latest_expiry() + timedelta(days=1)).isoformat()
    assert "au plus un an" in text(client.post("/account/api-tokens", data={"name": "A", "expires_on": far}))
    garbled = client.post("/account/api-tokens", data={"name": "A", "expires_on": "demain"})
    assert "Indiquez une date valide" in text(garbled)
    assert api_tokens.user_tokens(analyst) == []
    latest = api_tokens.latest_expiry().isoformat()
    assert client.post("/account/api-tokens", data={"name": "A", "expires_on": latest}).status_code == 302


def test_an_expired_token_is_refused_by_the_api_with_a_clear_error(client):
    analyst = make_user("analyst")
    solution = solution_with_establishments(2)
    token, clear = api_tokens.create_token(analyst, "script")
    db.session.commit()
    url = f"/api/v1/solutions/{solution.id}/scorecard"
    assert client.get(url, headers=bearer(clear)).status_code == 200
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    refused = client.get(url, headers=bearer(clear))
    assert refused.status_code == 401
    assert "expiré" in refused.get_json()["message"]
    revoked_or_unknown = client.get(url, headers=bearer("unknown-token"))
    assert "expiré" not in revoked_or_unknown.get_json()["message"]


def test_deleting_an_account_forgets_its_national_identity_and_rpps_number(app):
    from app.models import ExternalIdentity

    person = make_user("contributor")
    make_user("referent", db.session.get(User, person.id).establishment)
    person.rpps = "10000000001"
    db.session.add(ExternalIdentity(user_id=person.id, provider="prosanteconnect", subject="psc-subject-1"))
    db.session.commit()
    account_self.delete_account(person)
    db.session.commit()
    assert db.session.get(User, person.id).rpps is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalIdentity)) == 0


def test_an_account_made_through_a_national_login_is_told_how_to_get_a_password(app, client, auth):
    person = make_user("contributor")
    make_user("referent", db.session.get(User, person.id).establishment)
    db.session.commit()
    auth.login(person.email)
    person.password_hash = None  # as an account request made through ProConnect leaves it
    db.session.commit()
    for url, data in (("/account/delete", {"password": "anything", "understood": "y"}),
                      ("/account/email", {"new-email": "nouvelle@hopital.test", "new-password": "anything"})):
        page = text(client.post(url, data=data))
        assert "n'a pas encore de mot de passe" in page and "Mot de passe oublié ?" in page, url
    assert db.session.get(User, person.id).status == "active"
