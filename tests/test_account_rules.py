"""Account rules held by the services and permissions, not by the views: who approves a registration, and an
administrator's own rights."""

import pytest
import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import User
from app.services import accounts
from tests.factories import make_establishment, make_user


def test_the_approvers_told_of_a_request_are_exactly_those_who_may_approve_it(app):
    home, other = make_establishment(), make_establishment()
    pending = make_user("contributor", home, status="pending")
    people = [make_user(role, establishment, status=status)
              for role in ("referent", "contributor", "moderator", "analyst", "admin", "ethics_reviewer")
              for establishment in (home, other, None) if establishment is not None or role not in ("referent",)
              for status in ("active", "pending", "disabled")]
    db.session.flush()
    told = set(db.session.scalars(sa.select(User.id).where(permissions.approver_of(pending))))
    allowed = {person.id for person in [*people, pending] if permissions.can_approve_user(person, pending)}
    assert told == allowed
    assert told  # the world has approvers: an empty agreement would prove nothing


def test_an_administrator_cannot_remove_their_own_rights_whatever_the_caller(app):
    admin, other_admin = make_user("admin"), make_user("admin")
    for role, status in (("analyst", "active"), ("admin", "disabled")):
        with pytest.raises(accounts.AccountError, match="own_rights"):
            accounts.update_user(admin, role, status, None, admin)
        assert (admin.role, admin.status) == ("admin", "active")
    accounts.update_user(admin, "analyst", "active", None, other_admin)  # another administrator may
    assert admin.role == "analyst"


def test_the_last_active_ethics_reviewer_keeps_the_role_until_another_is_appointed(app):
    admin = make_user("admin")
    reviewer = make_user("ethics_reviewer")
    make_user("ethics_reviewer", status="disabled")  # a disabled reviewer receives no alert: it does not count
    for role, status in (("analyst", "active"), ("ethics_reviewer", "disabled")):
        with pytest.raises(accounts.AccountError, match="last_ethics_reviewer"):
            accounts.update_user(reviewer, role, status, None, admin)
        assert (reviewer.role, reviewer.status) == ("ethics_reviewer", "active")
    accounts.update_user(reviewer, "ethics_reviewer", "active", None, admin)  # saving unchanged is no removal
    second = make_user("ethics_reviewer")
    accounts.update_user(reviewer, "analyst", "active", None, admin)  # once another one is active
    assert reviewer.role == "analyst"
    with pytest.raises(accounts.AccountError, match="last_ethics_reviewer"):
        accounts.update_user(second, "ethics_reviewer", "disabled", None, admin)
