"""Hostile input in the registration and the establishments: every field comes out as text."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Establishment, User
from app.services import finess
from app.views_common import close_bidi
from tests.factories import make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    ESTABLISHMENT_TEXTS,
    PASSWORDS,
    REGISTRATION_TEXTS,
    ROUNDS,
    assert_stored,
    bidi_closed,
    encoded,
    expected,
    logged_in,
    on_one_line,
    packed,
    post_form,
    print_surface,
    tally,
)
from tests.hostile_reading import check_page, french_error

# Registration and establishments ----------------------------------------------------------------------------

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

