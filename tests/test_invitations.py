"""Invitation links stay valid only while their referent vouches for the establishment."""

from app.extensions import db
from app.services import accounts
from tests.factories import PASSWORD, make_establishment, make_user, text


def user_by_email(email):
    return accounts.find_user_by_email(email)


def test_an_invitation_is_void_once_its_referent_no_longer_vouches_for_the_establishment(client):
    """A referent who left, was disabled or lost the role: the links they sent create no account."""
    admin = make_user("admin")
    changes = {"demoted": ("contributor", "active", "same"), "disabled": ("referent", "disabled", "same"),
               "moved": ("referent", "active", "other")}
    for label, (role, status, place) in changes.items():
        referent = make_user("referent")
        db.session.commit()
        link = f"/invitation/{accounts.make_invitation_token(f'{label}@hopital.test', referent.establishment, referent)}"
        assert client.get(link).status_code == 200  # valid while the referent vouches
        establishment = referent.establishment if place == "same" else make_establishment()
        accounts.update_user(referent, role, status, establishment, admin)
        db.session.commit()
        response = client.get(link)
        assert response.status_code == 400, label
        assert "n'est pas valide" in text(response)
        client.post(link, data={"full_name": "Camille Martin", "password": PASSWORD, "confirm": PASSWORD})
        assert user_by_email(f"{label}@hopital.test") is None, label
