"""The objects tests/test_object_access.py aims at: another establishment's, unpublished ones, and secrets.

Every object is described by plain values (ids, slugs, tokens) read once the world is committed, so that the
requests' own sessions never share the test's. Each text that some readers must not read carries a marker
(`World.secrets`): the test looks for the markers in every page it receives.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace

from app.extensions import db
from app.models import ReportReminder
from app.services import account_self, accounts, alerts, establishment_requests, follows, guides, peer_messages, reminders
from app.services import reports as report_service
from app.services.api_tokens import create_token
from tests.factories import complete_answers, make_category, make_establishment, make_report, make_solution, make_user

ROLES = ("visitor", "contributor", "referent", "moderator", "analyst", "admin", "ethics_reviewer")
MODERATORS = frozenset({"moderator", "admin"})
STAFF = frozenset({"moderator", "analyst", "admin"})

# Kinds of objects, by the family of URL parameter that designates them. The other establishment's reports are
# written by one of its contributors; none of the test's users belongs to that establishment.
REPORT_KINDS = ("draft", "submitted", "changes requested", "rejected", "published", "withdrawn draft",
                "withdrawn published", "published, update in draft")
REVISION_KINDS = ("draft revision", "submitted revision", "changes-requested revision", "rejected revision",
                  "published revision", "withdrawn draft's revision", "update in draft")
FLAG_KINDS = ("flag awaiting moderation", "flag of a withdrawn report")
SOLUTION_KINDS = ("solution", "archived solution")
GUIDE_KINDS = ("published guide", "unpublished guide")
USER_KINDS = ("pending user", "active user")
ESTABLISHMENT_KINDS = ("establishment",)
TOKEN_KINDS = ("another analyst's token",)
CATEGORY_KINDS = ("category",)
RESET_KINDS = ("reset link",)
INVITATION_KINDS = ("invitation",)
REMINDER_KINDS = ("another establishment's reminder",)
ESTABLISHMENT_REQUEST_KINDS = ("establishment request",)
CONVERSATION_KINDS = ("conversation between two other establishments",)
EMAIL_CHANGE_KINDS = ("e-mail change link",)
UNSUBSCRIBE_KINDS = ("another person's unsubscribe link",)
ALERT_KINDS = ("new alert", "alert awaiting its author's answer")
REVIEWERS = frozenset({"ethics_reviewer"})

# Which revision of which report each revision kind is.
REVISION_OF = {"draft revision": ("draft", 1), "submitted revision": ("submitted", 1),
               "changes-requested revision": ("changes requested", 1), "rejected revision": ("rejected", 1),
               "published revision": ("published", 1), "withdrawn draft's revision": ("withdrawn draft", 1),
               "update in draft": ("published, update in draft", 2)}

_markers = itertools.count(1)


@dataclass
class World:
    emails: dict = field(default_factory=dict)  # role -> the email of its user (visitors have none)
    objects: dict = field(default_factory=dict)  # kind -> its ids, slug or token
    # marker -> (what it is, the roles allowed to read it)
    secrets: dict = field(default_factory=dict)

    def secret(self, what: str, audience: frozenset = frozenset()) -> str:
        marker = f"secret{next(_markers)}x{what.replace(' ', '').replace('-', '')}"
        self.secrets[marker] = (what, audience)
        return marker


def _report(world: World, author, solution, moderator, state: str, secret: tuple[str, frozenset] | None = None):
    """A report of the other establishment; its advice is a secret unless it was published."""
    advice = f"Conseil {world.secret(*secret)}." if secret else "Conseil publié."
    return make_report(author, solution, state, complete_answers(advice=advice, contact_ok=""), moderator)


def build_world() -> World:
    home = make_establishment()
    users = {role: make_user(role, home if role in ("contributor", "referent") else None) for role in ROLES[1:]}
    world = World()
    # The other establishment's name is for moderators (and admins) only: no author agreed to be contacted.
    elsewhere = make_establishment(name=f"Clinique {world.secret('establishment name', MODERATORS)}")
    author = make_user("contributor", elsewhere)
    moderator = users["moderator"]
    category = make_category()
    solution = make_solution(category)
    archived = make_solution(category, archived=True, slug="solution-archivee",
                             name=f"Solution {world.secret('archived solution', STAFF)}")
    second = make_solution(category)

    reports = {  # a draft is for its establishment alone; a submitted text for moderators until published
        "draft": _report(world, author, solution, moderator, "draft", ("draft", frozenset())),
        "submitted": _report(world, author, solution, moderator, "submitted", ("submitted", MODERATORS)),
        "changes requested": _report(world, author, solution, moderator, "changes_requested",
                                     ("changes requested", MODERATORS)),
        "rejected": _report(world, author, solution, moderator, "rejected", ("rejected", MODERATORS)),
        "published": _report(world, author, solution, moderator, "published"),
        "withdrawn draft": _report(world, author, solution, moderator, "draft", ("withdrawn draft", frozenset())),
        "withdrawn published": _report(world, author, solution, moderator, "published",
                                       ("withdrawn published", MODERATORS)),
        "published, update in draft": _report(world, author, solution, moderator, "published"),
    }
    for kind in ("withdrawn draft", "withdrawn published"):
        report_service.withdraw(reports[kind], author)
    update = report_service.start_update(reports["published, update in draft"], author)
    update.answers = complete_answers(advice=f"Conseil {world.secret('update draft')}.", contact_ok="")

    # Flags are only acted upon (POST): their texts are no secret of their own, the submitted report's stands for them.
    flagged = {kind: make_report(author, solution, "submitted", complete_answers(
        advice="Appeler le Dr Lemoine au 06 12 34 56 78.", contact_ok="")) for kind in FLAG_KINDS}
    report_service.withdraw(flagged["flag of a withdrawn report"], author)

    published_guide = guides.create_guide(users["analyst"], solution=solution)
    guides.publish(published_guide, users["analyst"])
    draft_guide = guides.create_guide(users["analyst"], category=category)
    for guide in (published_guide, draft_guide):  # what the analysts write after the last publication
        key = guide.draft["sections"][0]["key"]
        guides.update_sections(guide, {key: {"narrative": world.secret("guide draft", frozenset({"analyst", "admin"}))}},
                               users["analyst"])

    pending = make_user("contributor", elsewhere, status="pending",
                        email=f"{world.secret('pending account', frozenset({'admin'}))}@hopital.test")
    active = make_user("contributor", elsewhere)
    colleague = make_user("analyst")
    token, _clear = create_token(colleague, "Script")
    # The establishment someone asked for when registering: for the administrators alone.
    requester = establishment_requests.request_establishment(
        "demandeur@hopital.test", "correct-horse-battery", "Demandeur", "750712184",
        f"Hôpital {world.secret('requested establishment', frozenset({'admin'}))}", "ch")
    # A third establishment agreed to be contacted; the other establishment wrote to it: their conversation is theirs.
    third_author = make_user("contributor", make_establishment())
    make_report(third_author, solution, "published", complete_answers(), moderator)
    conversation = peer_messages.start(author, solution, third_author.establishment_id,
                                       f"Bonjour {world.secret('peer conversation')}.")
    email_change = account_self.email_change_token(author, "nouvelle-adresse@hopital.test")
    # Alerts of the other establishment's staff: for the ethics reviewers alone.
    raised = {kind: alerts.raise_alert(author, solution, category="bias", summary="Objet",
                                       description=f"Faits {world.secret(kind, REVIEWERS)}.",
                                       vendor_may_know_establishment=False) for kind in ALERT_KINDS}
    reviewer = users["ethics_reviewer"]
    alerts.acknowledge(raised["alert awaiting its author's answer"], reviewer)
    alerts.ask(raised["alert awaiting its author's answer"], reviewer, "Depuis quand ?")
    reset_link = accounts.make_reset_token(author)
    # What the other establishment's author follows: no one else can stop it (their unfollow is their own).
    for kind, followed in ((follows.FollowKind.SOLUTION, solution), (follows.FollowKind.CATEGORY, category),
                           (follows.FollowKind.GUIDE, published_guide)):
        follows.follow(author, kind, followed.id)
    invitation = accounts.make_invitation_token("invite@hopital.test", elsewhere, make_user("referent", elsewhere))
    reminder = ReportReminder(report_id=reports["published"].id, milestone=6, recipient_id=author.id)
    db.session.add(reminder)
    db.session.commit()

    objects = world.objects
    for kind, report in reports.items():
        objects[kind] = SimpleNamespace(id=report.id)
    for kind, (report_kind, number) in REVISION_OF.items():
        revision = next(r for r in reports[report_kind].revisions if r.number == number)
        objects[kind] = SimpleNamespace(id=revision.id, report_id=revision.report_id, number=number)
    for kind, report in flagged.items():
        objects[kind] = SimpleNamespace(id=report.revisions[0].flags[0].id)
    objects["solution"] = SimpleNamespace(id=solution.id, slug=solution.slug)
    objects["archived solution"] = SimpleNamespace(id=archived.id, slug=archived.slug)
    objects["second solution"] = SimpleNamespace(id=second.id, slug=second.slug)
    for kind, guide in (("published guide", published_guide), ("unpublished guide", draft_guide)):
        objects[kind] = SimpleNamespace(id=guide.id, slug=guide.slug, sections=[
            (s["key"], s.get("position", 0)) for s in guide.draft["sections"]])
    objects["pending user"] = SimpleNamespace(id=pending.id)
    objects["active user"] = SimpleNamespace(id=active.id)
    objects["establishment"] = SimpleNamespace(id=elsewhere.id, finess=elsewhere.finess)
    objects["another analyst's token"] = SimpleNamespace(id=token.id)
    objects["category"] = SimpleNamespace(id=category.id, slug=category.slug)
    objects["reset link"] = SimpleNamespace(token=reset_link)
    objects["e-mail change link"] = SimpleNamespace(token=email_change)
    objects["conversation between two other establishments"] = SimpleNamespace(id=conversation.id)
    objects["invitation"] = SimpleNamespace(token=invitation)
    objects["another person's unsubscribe link"] = SimpleNamespace(token=follows.unsubscribe_token(author.id, "statistics"))
    objects["another establishment's reminder"] = SimpleNamespace(token=reminders.make_link_token(reminder))
    for kind, alert in raised.items():
        objects[kind] = SimpleNamespace(id=alert.id)
    objects["establishment request"] = SimpleNamespace(id=establishment_requests.request_of(requester).id)
    world.emails = {role: user.email for role, user in users.items()}
    return world
