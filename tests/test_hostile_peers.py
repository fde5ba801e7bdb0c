"""Hostile input in peer messages and in a person's own name: every payload comes out as text, on the
conversation's pages of both establishments and in the account page."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import PeerMessage, User
from app.views_common import close_bidi
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    ROUNDS,
    assert_stored,
    bidi_closed,
    expected,
    logged_in,
    on_one_line,
    packed,
    post_form,
    print_surface,
)
from tests.hostile_reading import check_page, french_error


def test_peer_messages_come_out_as_text_on_both_sides(site, capsys):
    surface = "peer messages"
    site.config["PEER_MESSAGE_RATE_LIMIT"] = "100000 per hour"
    solution = make_solution()
    willing = make_establishment()
    author = make_user("contributor", willing)
    make_report(author, solution, "published", complete_answers())
    seeker = make_user("contributor")
    db.session.commit()
    writer, reader = logged_in(site, seeker), logged_in(site, author)
    for index in range(ROUNDS):
        values = packed(index, ("body",))
        response = post_form(writer, f"/peers/solutions/{solution.id}/establishments/{willing.id}",
                             {**values, "checked": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        message = db.session.scalar(sa.select(PeerMessage).order_by(PeerMessage.id.desc()).limit(1))
        stored = assert_stored(values["body"], message.body, strip=True)
        url = response.headers["Location"]
        for side, client in (("sender", writer), ("recipient", reader)):
            check_page(surface, client.get(url), f"conversation ({side})", [(values["body"], "body", stored)])
    print_surface(capsys, surface)


def test_a_name_changed_on_the_account_page_comes_out_as_text(site, capsys):
    surface = "account name"
    user = make_user("contributor")
    db.session.commit()
    client = logged_in(site, user)
    for index in range(ROUNDS):
        values = packed(index, ("full_name",))
        refused = post_form(client, "/account/name", values)
        french_error(check_page(surface, refused, "account page (refused)", [(values["full_name"], "full_name",
                                                                             expected(values["full_name"]))]),
                     "full_name")  # its payloads are on two lines: a name is one
        name = on_one_line(values["full_name"])
        assert post_form(client, "/account/name", {"full_name": name}).status_code == 302
        stored = db.session.scalar(sa.select(User.full_name).where(User.id == user.id))
        assert stored == " ".join(close_bidi(name).split()) and bidi_closed(stored)
        check_page(surface, client.get("/account"), "account page", [(values["full_name"], "full_name", stored)])
    print_surface(capsys, surface)
