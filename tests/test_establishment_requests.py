"""Registering with a valid FINESS number that no establishment carries: a request the administrators decide."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Establishment, EstablishmentRequest, User
from app.services import finess_import
from tests.factories import PASSWORD, make_user, text
from tests.test_auth import registration, user_by_email
from tests.test_finess_import import LEGACY

EXAMPLE = "750712184"  # the number the registration form gives as its example


def requests() -> list[EstablishmentRequest]:
    db.session.expire_all()
    return db.session.scalars(sa.select(EstablishmentRequest).order_by(EstablishmentRequest.id)).all()


def ask(client, **overrides):
    return client.post("/register", data=registration(EXAMPLE, **{
        "request_establishment": "1", "establishment_name": "Hôpital de la Pitié", **overrides}))


def test_the_example_number_of_the_help_leads_to_a_request_with_everything_typed_kept(client, no_csrf):
    form = text(client.get("/register"))
    assert "par exemple 750712184" in form and "vous pourrez demander son ajout" in form

    page = text(client.post("/register", data=registration(EXAMPLE)))
    assert "Cet établissement n'est pas encore inscrit sur Retex IA" in page
    assert "Le numéro FINESS 750712184 est valide" in page
    assert "Aucun établissement n'est enregistré" not in page
    for typed in ('value="Camille Martin"', 'value="camille.martin@hopital.test"', f'value="{EXAMPLE}"',
                  f'value="{PASSWORD}"'):
        assert typed in page
    assert 'name="establishment_name"' in page and 'name="request_establishment" type="hidden" value="1"' in page
    assert user_by_email("camille.martin@hopital.test") is None and requests() == []


def test_a_request_without_the_establishment_name_says_so_in_french_and_loses_nothing(client, no_csrf):
    response = ask(client, establishment_name="  ", establishment_type="ch")
    page = text(response)
    assert response.status_code == 200
    assert "Indiquez le nom de l'établissement" in page
    assert 'aria-describedby="establishment_name-hint establishment_name-errors"' in page
    assert f'value="{PASSWORD}"' in page and '<option selected value="ch">' in page
    assert user_by_email("camille.martin@hopital.test") is None and requests() == []


def test_a_request_registers_a_pending_account_and_tells_the_admins_and_the_person(client, auth, mailbox, no_csrf):
    admin = make_user("admin")
    db.session.commit()

    response = ask(client, establishment_type="ch")
    assert response.headers["Location"] == "/register/done"
    done = text(client.get("/register/done"))
    assert "L'établissement « Hôpital de la Pitié » (FINESS 750712184) n'est pas encore inscrit" in done
    assert "L'équipe vérifie le numéro dans le répertoire FINESS national" in done

    person = user_by_email("camille.martin@hopital.test")
    assert (person.status, person.establishment_id) == ("pending", None)
    (request,) = requests()
    assert (request.finess, request.name, request.type, request.region, request.verified, request.status) == (
        EXAMPLE, "Hôpital de la Pitié", "ch", "11", False, "pending")
    mails = {m.recipients[0]: m for m in mailbox}
    assert set(mails) == {admin.email, person.email}
    assert f"/admin/establishment-requests/{request.id}" in mails[admin.email].body
    assert "Hôpital de la Pitié" in mails[admin.email].body
    assert "l'équipe Retex IA vérifie le numéro dans le répertoire FINESS national" in mails[person.email].body

    assert "l'équipe examine votre demande d'ajout" in text(auth.login(person.email))


def test_an_admin_adds_the_establishment_then_the_account_is_approved_as_any_other(client, auth, mailbox, no_csrf):
    admin = make_user("admin")
    db.session.commit()
    ask(client, establishment_type="ch")
    person = user_by_email("camille.martin@hopital.test")
    (request,) = requests()

    auth.login(admin.email)
    dashboard = re.sub(r"<[^>]+>", " ", text(client.get("/admin/")))
    assert "1 demande d'ajout d'établissement" in " ".join(dashboard.split())
    users_page = text(client.get("/admin/users?status=pending"))
    assert "Établissement demandé" in users_page
    assert f"/admin/users/{person.id}/approve" not in users_page  # no account without its establishment
    client.post(f"/admin/users/{person.id}/approve")
    assert user_by_email(person.email).status == "pending"

    assert "Hôpital de la Pitié" in text(client.get("/admin/establishment-requests"))
    page = text(client.get(f"/admin/establishment-requests/{request.id}"))
    assert "Non vérifié : saisi par la personne" in page
    assert "Aucun extrait n'a été importé" in page

    mailbox.clear()
    response = client.post(f"/admin/establishment-requests/{request.id}/approve")
    assert response.headers["Location"] == "/admin/users?status=pending"
    assert "L'établissement « Hôpital de la Pitié » est ajouté" in text(client.get(response.headers["Location"]))
    establishment = db.session.scalar(sa.select(Establishment).where(Establishment.finess == EXAMPLE))
    assert (establishment.name, establishment.type, establishment.region, establishment.sector) == (
        "Hôpital de la Pitié", "ch", "11", "health")
    assert user_by_email(person.email).establishment_id == establishment.id
    assert requests()[0].status == "approved"
    bodies = {m.recipients[0]: m.body for m in mailbox}
    assert "est maintenant inscrit sur Retex IA" in bodies[person.email]
    assert "demande un compte rattaché à l'établissement « Hôpital de la Pitié »" in bodies[admin.email]

    client.post(f"/admin/users/{person.id}/approve")
    assert user_by_email(person.email).status == "active"
    auth.logout()
    assert auth.login(person.email).status_code == 302

    # Deciding twice changes nothing.
    auth.login(admin.email)
    client.post(f"/admin/establishment-requests/{request.id}/approve")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Establishment)) == 1


def test_an_establishment_imported_meanwhile_is_used_rather_than_the_name_typed(client, auth, no_csrf):
    admin = make_user("admin")
    db.session.commit()
    client.post("/register", data=registration("750100000", request_establishment="1",
                                               establishment_name="Nom approximatif"))
    (request,) = requests()
    finess_import.import_finess(LEGACY)  # the national extract, imported after the request
    db.session.commit()

    auth.login(admin.email)
    assert "Un établissement porte maintenant ce numéro : « CENTRE HOSPITALIER DE L'ÉTOILE »" in text(
        client.get(f"/admin/establishment-requests/{request.id}"))
    client.post(f"/admin/establishment-requests/{request.id}/approve")
    person = user_by_email("camille.martin@hopital.test")
    assert person.establishment.name == "CENTRE HOSPITALIER DE L'ÉTOILE"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Establishment)
                             .where(Establishment.finess == "750100000")) == 1


def test_a_refusal_needs_a_reason_which_the_person_receives(client, auth, mailbox, no_csrf):
    admin = make_user("admin")
    db.session.commit()
    ask(client)
    (request,) = requests()
    auth.login(admin.email)

    response = client.post(f"/admin/establishment-requests/{request.id}/refuse", data={"reason": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in text(response)
    assert requests()[0].status == "pending"

    mailbox.clear()
    client.post(f"/admin/establishment-requests/{request.id}/refuse",
                data={"reason": "Ce numéro est celui de l'entité juridique : indiquez celui de votre site."})
    request = requests()[0]
    assert (request.status, request.requester.status) == ("refused", "rejected")
    (mail,) = mailbox
    assert mail.recipients == ["camille.martin@hopital.test"]
    assert "indiquez celui de votre site" in mail.body
    assert "indiquez celui de votre site" in text(client.get(f"/admin/establishment-requests/{request.id}"))


def test_a_request_with_an_address_that_has_an_account_answers_the_same_and_creates_nothing(client, mailbox, no_csrf):
    owner = make_user("contributor", email="deja.inscrit@hopital.test")
    db.session.commit()
    response = ask(client, email="Deja.Inscrit@hopital.test")
    assert response.headers["Location"] == "/register/done"
    assert "n'est pas encore inscrit" in text(client.get("/register/done"))
    assert requests() == []
    assert [m.recipients for m in mailbox] == [[owner.email]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_hostile_establishment_names_are_stored_as_typed_and_shown_as_text(app, client, auth, no_csrf):
    from markupsafe import escape

    from tests.hostile_helpers import expected
    from tests.hostile_payloads import FLOWING

    app.config["REGISTER_RATE_LIMIT"] = "1000 per hour"  # one address sends them all
    admin = make_user("admin")
    db.session.commit()
    # One line of text (a line break or a control character is refused: next test); raw bytes are the form's.
    sent = [p for p in FLOWING if p.raw is None and not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in p.text)]
    for index, payload in enumerate(sent):
        response = ask(client, email=f"hostile{index}@hopital.test", establishment_name=payload.text)
        assert response.status_code == 302, payload.name
    stored = requests()
    assert len(stored) == len(sent)
    auth.login(admin.email)
    listing = client.get("/admin/establishment-requests").get_data(as_text=True)
    for payload, request in zip(sent, stored, strict=True):
        assert request.name == " ".join(expected((payload,)).split())[:255], payload.name
        page = client.get(f"/admin/establishment-requests/{request.id}").get_data(as_text=True)
        shown = str(escape(request.name))
        assert shown in page and shown in listing, payload.name
    print(f"\nestablishment requests: {len(sent)} hostile names sent, stored and shown as text")


def test_a_name_with_a_line_break_is_refused_in_french_and_kept(client, no_csrf):
    response = ask(client, establishment_name="Hôpital\nSubject: piège")
    assert response.status_code == 200
    assert "Le nom ne peut pas contenir de retour à la ligne" in text(response)
    assert requests() == []
