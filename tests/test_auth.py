import base64
import hashlib
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, PasswordReset, User
from app.services import accounts
from tests.factories import PASSWORD, make_establishment, make_user, text

NEW_PASSWORD = "another-long-passphrase"


def registration(finess: str, **overrides) -> dict:
    return {"full_name": "Camille Martin", "email": "camille.martin@hopital.test", "finess": finess,
            "password": PASSWORD, "confirm": PASSWORD, **overrides}


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_registration_then_referent_approval_then_login(client, auth, mailbox):
    establishment = make_establishment()
    referent = make_user("referent", establishment)
    db.session.commit()

    response = client.post("/register", data=registration(establishment.finess))
    assert response.status_code == 302
    assert "Votre demande est envoyée" in text(client.get(response.headers["Location"]))
    assert client.get("/register/done").headers["Location"] == "/register"  # nothing to show twice
    assert [m.recipients for m in mailbox] == [[referent.email]]
    assert "/team/" in mailbox[0].body

    pending = user_by_email("camille.martin@hopital.test")
    assert (pending.status, pending.role, pending.establishment_id) == ("pending", "contributor", establishment.id)

    refused = auth.login("camille.martin@hopital.test")
    assert "attend la validation" in text(refused)

    auth.login(referent.email)
    assert "camille.martin@hopital.test" in text(client.get("/team/"))
    assert client.post(f"/team/{pending.id}/approve").status_code == 302
    assert user_by_email("camille.martin@hopital.test").status == "active"
    assert mailbox[-1].recipients == ["camille.martin@hopital.test"]
    auth.logout()

    response = auth.login("camille.martin@hopital.test")
    assert response.status_code == 302
    assert "Mon compte" in text(client.get("/"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "user.approved")) == 1


def test_registration_errors_are_in_french_next_to_the_field_and_keep_what_was_typed(client, no_csrf):
    db.session.commit()
    response = client.post("/register", data=registration("750712148", password="court", confirm="court"))
    page = text(response)
    assert response.status_code == 200
    assert "La clé de contrôle de ce numéro FINESS est incorrecte" in page
    assert "au moins 12 caractères" in page
    assert 'value="Camille Martin"' in page
    assert 'value="camille.martin@hopital.test"' in page
    assert 'aria-describedby="finess-errors"' in page or 'aria-describedby="finess-hint finess-errors"' in page
    assert user_by_email("camille.martin@hopital.test") is None


def test_registration_with_a_key_error_creates_nothing_and_asks_for_no_establishment(client, no_csrf):
    response = client.post("/register", data=registration("750712148"))
    assert "Cet établissement n'est pas encore inscrit" not in text(response)
    assert user_by_email("camille.martin@hopital.test") is None


def test_registering_an_address_that_has_an_account_answers_as_for_a_new_one_and_tells_its_owner(
        client, no_csrf, mailbox):
    establishment = make_establishment()
    referent, admin = make_user("referent", establishment), make_user("admin")
    owner = make_user(email="deja.inscrit@hopital.test")
    db.session.commit()
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    new = client.post("/register", data=registration(establishment.finess))
    new_page = text(client.get(new.headers["Location"]))
    approvers_mails = len(mailbox)
    known = client.post("/register", data=registration(establishment.finess, email="Deja.Inscrit@hopital.test"))
    known_page = text(client.get(known.headers["Location"]))

    assert new.status_code == known.status_code == 302
    assert new.headers["Location"] == known.headers["Location"] == "/register/done"
    # The same page (its form token aside: it carries the second it was made).
    assert _without_token(known_page) == _without_token(new_page) and "Votre demande est envoyée" in known_page
    assert "existe déjà" not in known_page
    assert {tuple(m.recipients) for m in mailbox[:approvers_mails]} == {(referent.email,), (admin.email,)}
    [notice] = mailbox[approvers_mails:]
    assert notice.recipients == [owner.email]
    assert "demander un compte Retex IA avec votre adresse" in notice.body
    assert "/login" in notice.body and "/password/forgot" in notice.body
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before + 1
    assert user_by_email(owner.email).full_name == owner.full_name  # nothing changed on the account


def test_registrations_are_limited_per_address_and_forms_with_errors_do_not_count(app, client, no_csrf, mailbox):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    establishment = make_establishment()
    make_user("admin")
    db.session.commit()
    for number in range(3):  # sent back with their errors: not counted
        assert client.post("/register", data=registration("750712148", email=f"x{number}@hopital.test")).status_code == 200
    for number in range(2):
        assert client.post("/register", data=registration(establishment.finess,
                                                          email=f"agent{number}@hopital.test")).status_code == 302
    mails = len(mailbox)
    refused = client.post("/register", data=registration(establishment.finess, email="agent9@hopital.test"))
    assert refused.status_code == 429
    assert re.search(r"Patientez \d+ minutes", text(refused))
    assert len(mailbox) == mails and user_by_email("agent9@hopital.test") is None
    other_address = client.post("/register", data=registration(establishment.finess, email="agent9@hopital.test"),
                                environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other_address.status_code == 302


def test_notices_to_the_owner_of_an_address_are_limited_whatever_the_senders_address(app, client, no_csrf, mailbox):
    app.config["REGISTER_EMAIL_RATE_LIMIT"] = "3 per hour"
    owner = make_user()
    db.session.commit()
    answers = [client.post("/register", data=registration(owner.establishment.finess, email=owner.email),
                           environ_base={"REMOTE_ADDR": f"198.51.100.{number}"}).status_code for number in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert [m.recipients for m in mailbox] == [[owner.email]] * 3


def test_passwords_are_hashed_with_argon2(app):
    user = make_user()
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert accounts.verify_password(user, PASSWORD)
    assert not accounts.verify_password(user, PASSWORD + "x")


def test_wrong_password_gives_one_message_whether_or_not_the_account_exists(client, auth):
    user = make_user()
    db.session.commit()
    wrong = text(auth.login(user.email, "not-the-password"))
    unknown = text(auth.login("nobody@hopital.test", "not-the-password"))
    assert "Adresse électronique ou mot de passe incorrect." in wrong
    assert "Adresse électronique ou mot de passe incorrect." in unknown


def test_the_eleventh_bad_login_in_a_minute_is_refused_in_french(client, auth):
    user = make_user()
    db.session.commit()
    for _ in range(10):
        assert auth.login(user.email, "wrong-password-xx").status_code == 200
    refused = auth.login(user.email, PASSWORD)
    assert refused.status_code == 429
    assert "Trop de tentatives" in text(refused)


def test_successful_logins_do_not_use_up_the_limit(client, auth):
    user = make_user()
    db.session.commit()
    for _ in range(12):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_password_change_revokes_every_other_session(app, auth, no_csrf):
    user = make_user()
    db.session.commit()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/account").status_code == 200

    auth.login(user.email)
    response = auth._client.post("/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert auth._client.get("/account").status_code == 200  # this session goes on
    assert other_device.get("/account").status_code == 302  # the other one is closed
    assert other_device.get("/account").headers["Location"].startswith("/login")
    auth.logout()
    assert auth.login(user.email, PASSWORD).status_code == 200
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password(client, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    response = client.post("/account", data={"current_password": "wrong-one-wrong", "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert "Mot de passe actuel incorrect." in text(response)


def test_logout_revokes_every_session_of_the_user(app, auth, no_csrf):
    user = make_user()
    db.session.commit()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    auth.login(user.email)
    auth.logout()
    assert other_device.get("/account").status_code == 302


def test_a_stolen_cookie_is_useless_after_logout(app, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    cookie = auth._client.get_cookie("session", domain="retex.test")
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    assert thief.get("/account").status_code == 302


def _link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0).split("retex.test", 1)[1]


def test_password_reset_by_emailed_token(client, auth, mailbox):
    user = make_user()
    db.session.commit()
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert len(mailbox) == 1
    link = _link_in(mailbox[0].body)
    assert link.startswith("/password/reset/")

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302
    auth.logout()
    # A used link is dead.
    assert client.get(link).status_code == 400


def test_the_reset_link_says_nothing_about_the_account(client, no_csrf, mailbox):
    """The token is random: no user id, no piece of the password hash, readable or decodable; only its SHA-256
    is stored."""
    user = make_user()
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    token = _link_in(mailbox[0].body).removeprefix("/password/reset/")
    readable = [token]
    for piece in token.split("."):
        try:
            readable.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)).decode("utf-8", "replace"))
        except ValueError:
            pass
    for text_ in readable:
        assert user.password_hash[-16:] not in text_ and '"uid"' not in text_ and str(user.email) not in text_
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    [stored] = db.session.scalars(sa.select(PasswordReset)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash


def test_every_reset_link_dies_when_the_password_changes(client, auth, mailbox):
    user = make_user()
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": user.email})
    first, second = (_link_in(m.body) for m in mailbox)
    assert first != second
    assert client.get(first).status_code == client.get(second).status_code == 200
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(first).status_code == client.get(second).status_code == 400
    # A link asked for, then the password changed from the account page: the link is dead too.
    client.post("/password/forgot", data={"email": user.email})
    third = _link_in(mailbox[-1].body)
    auth.login(user.email, NEW_PASSWORD)
    client.post("/account", data={"current_password": NEW_PASSWORD, "password": PASSWORD, "confirm": PASSWORD})
    auth.logout()
    assert client.get(third).status_code == 400
    assert db.session.scalars(sa.select(PasswordReset)).all() == []


def test_password_reset_does_not_say_whether_an_account_exists(client, no_csrf, mailbox):
    response = client.post("/password/forgot", data={"email": "nobody@hopital.test"}, follow_redirects=True)
    assert "Si un compte actif existe pour cette adresse" in text(response)
    assert mailbox == []


def test_an_expired_or_forged_reset_token_is_refused(app, client, no_csrf):
    user = make_user()
    db.session.commit()
    token = accounts.make_reset_token(user)
    db.session.commit()
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(f"/password/reset/{token}").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert client.get(f"/password/reset/{token}x").status_code == 400
    assert client.get(f"/password/reset/{token}").status_code == 200


def test_referent_invites_a_colleague_who_joins_active(client, auth, mailbox):
    referent = make_user("referent")
    db.session.commit()
    auth.login(referent.email)
    response = client.post("/team/invite", data={"email": "Dominique.Roux@hopital.test"})
    assert response.status_code == 302
    link = _link_in(mailbox[-1].body)
    auth.logout()

    page = text(client.get(link))
    assert "dominique.roux@hopital.test" in page
    response = client.post(link, data={"full_name": "Dominique Roux", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    invited = user_by_email("dominique.roux@hopital.test")
    assert (invited.status, invited.role, invited.establishment_id) == ("active", "contributor",
                                                                        referent.establishment_id)
    assert client.get("/account").status_code == 200
    # The link cannot create a second account.
    auth.logout()
    assert client.get(link).status_code == 302


def test_an_expired_invitation_is_refused(app, client):
    referent = make_user("referent")
    db.session.commit()
    token = accounts.make_invitation_token("x@hopital.test", referent.establishment, referent)
    app.config["INVITATION_MAX_AGE"] = -1
    response = client.get(f"/invitation/{token}")
    assert response.status_code == 400
    assert "expiré" in text(response)


def test_a_referent_cannot_approve_another_establishments_request(client, auth):
    referent = make_user("referent")
    stranger = make_user("contributor", status="pending")
    db.session.commit()
    auth.login(referent.email)
    assert client.post(f"/team/{stranger.id}/approve").status_code == 404
    assert user_by_email(stranger.email).status == "pending"


def test_create_admin_reads_the_password_from_the_environment(app, runner, monkeypatch, client, no_csrf):
    monkeypatch.setenv("RETEX_ADMIN_PASSWORD", "admin-passphrase-123")
    result = runner.invoke(args=["users", "create-admin", "Chef@Retex.test"])
    assert result.exit_code == 0, result.output
    admin = user_by_email("chef@retex.test")
    assert (admin.role, admin.status) == ("admin", "active")
    assert client.post("/login", data={"email": "chef@retex.test", "password": "admin-passphrase-123"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_admin_asks_for_the_password_and_refuses_a_short_one(app, runner, monkeypatch):
    monkeypatch.delenv("RETEX_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "create-admin", "chef@retex.test"], input="court\ncourt\n")
    assert result.exit_code != 0
    assert "au moins 12 caractères" in result.output
    result = runner.invoke(args=["users", "create-admin", "chef@retex.test"],
                           input="admin-passphrase-123\nadmin-passphrase-123\n")
    assert result.exit_code == 0, result.output
    assert "admin-passphrase-123" not in result.output


@pytest.mark.parametrize("status", ["rejected", "disabled"])
def test_inactive_accounts_cannot_log_in(client, auth, status):
    user = make_user(status=status)
    db.session.commit()
    response = auth.login(user.email)
    assert response.status_code == 200
    assert "n'est pas actif" in text(response)


def test_one_persons_typos_do_not_lock_out_colleagues_behind_the_same_address(client, auth):
    clumsy, colleague = make_user(), make_user()
    db.session.commit()
    for _ in range(10):
        auth.login(clumsy.email, "wrong-password-xx")
    assert auth.login(clumsy.email, PASSWORD).status_code == 429
    assert auth.login(colleague.email, PASSWORD).status_code == 302


def test_admin_emails_about_a_new_request_point_to_the_admin_list(client, no_csrf, mailbox):
    establishment = make_establishment()
    admin = make_user("admin")
    referent = make_user("referent", establishment)
    db.session.commit()
    client.post("/register", data=registration(establishment.finess))
    bodies = {m.recipients[0]: m.body for m in mailbox}
    assert "/admin/users?status=pending" in bodies[admin.email]
    assert "/team/" in bodies[referent.email]


def _without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)

