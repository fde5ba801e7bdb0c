"""Notices to the people who follow something: a guide version published, a new statistics release, a report
published in their establishment. Each person is told as they chose (app.services.follows): by a mail at once
(sent after the commit of what it announces), in their weekly digest, or not at all.

Secrecy: a statistics notice says that figures changed and links to them; it carries no figure at all, so
nothing that is not in the visitor release, and never anything about a single report. Only the members of an
establishment hear of its own reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    Category,
    Delivery,
    Follow,
    Guide,
    GuideVersion,
    NoticeKind,
    NoticePreference,
    PendingNotice,
    Report,
    Solution,
    User,
)
from app.models._types import utcnow
from app.services import follows
from app.services.mail import send_after_commit
from app.urls import public_url


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    text: str  # one line, for the person
    link: str  # absolute


def _active(condition: sa.ColumnElement[bool]) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.status == "active", condition)
                                   .order_by(User.id)).unique())


def _followers(*conditions: sa.ColumnElement[bool]) -> list[int]:
    return _active(User.id.in_(sa.select(Follow.user_id).where(sa.or_(*conditions))))


# The events -------------------------------------------------------------------------------------------

def guide_published(guide: Guide, version: GuideVersion) -> None:
    """Followers of the guide, of its solution or category (and of its solution's category) are told."""
    conditions = [Follow.guide_id == guide.id]
    if guide.solution_id is not None:
        conditions += [Follow.solution_id == guide.solution_id, Follow.category_id == guide.solution.category_id]
    if guide.category_id is not None:
        conditions.append(Follow.category_id == guide.category_id)
    notice = Notice(NoticeKind.GUIDE,
                    _("Le guide « %(title)s » est publié en version %(number)s.", title=version.title,
                      number=version.number),
                    public_url("guides.version", slug=guide.slug, number=version.number))
    announce({user_id: [notice] for user_id in _followers(*conditions)})


def statistics_released(scopes: list[str]) -> None:
    """New releases of these scopes ("solution:<id>", "category:<id>"; others are left out): the followers of
    each solution (and of its category) and of each category are told, once per person for the whole set."""
    solution_ids = [int(s.split(":")[1]) for s in scopes if s.startswith("solution:")]
    category_ids = [int(s.split(":")[1]) for s in scopes if s.startswith("category:")]
    by_user: dict[int, list[Notice]] = defaultdict(list)
    for solution in db.session.scalars(sa.select(Solution).where(Solution.id.in_(solution_ids),
                                                                 Solution.archived.is_(False))
                                       .order_by(Solution.name)):
        notice = Notice(NoticeKind.STATISTICS,
                        _("Les chiffres de %(solution)s ont changé : une nouvelle publication des statistiques "
                          "est en ligne.", solution=solution.name),
                        public_url("stats.scorecard", solution_id=solution.id))
        for user_id in _followers(Follow.solution_id == solution.id, Follow.category_id == solution.category_id):
            by_user[user_id].append(notice)
    for category in db.session.scalars(sa.select(Category).where(Category.id.in_(category_ids))
                                       .order_by(Category.position, Category.id)):
        notice = Notice(NoticeKind.STATISTICS,
                        _("Les chiffres de la catégorie %(category)s ont changé : une nouvelle publication des "
                          "statistiques est en ligne.", category=category.name_fr),
                        public_url("stats.category", slug=category.slug))
        for user_id in _followers(Follow.category_id == category.id):
            by_user[user_id].append(notice)
    announce(dict(by_user))


def establishment_report_published(report: Report) -> None:
    """The other members of the report's establishment who asked for it are told (its author is told apart)."""
    if report.establishment_id is None:
        return
    notice = Notice(NoticeKind.ESTABLISHMENT,
                    _("Un retour de votre établissement sur %(solution)s est publié.", solution=report.solution.name),
                    public_url("reports.view", report_id=report.id))
    members = _active(sa.and_(User.establishment_id == report.establishment_id,
                              User.id != (report.author_id or 0)))
    announce({user_id: [notice] for user_id in members})


# Telling each person as they chose ----------------------------------------------------------------------

def announce(by_user: dict[int, list[Notice]]) -> None:
    """Mail now (after the commit) or keep for the digest, each person's notices of the kinds they want."""
    if not by_user:
        return
    stored = {p.user_id: p for p in db.session.scalars(
        sa.select(NoticePreference).where(NoticePreference.user_id.in_(by_user)))}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(by_user)))}
    for user_id, notices in sorted(by_user.items()):
        preference = stored.get(user_id) or follows.preference_of(user_id)
        wanted = [n for n in notices if preference.wants(n.kind)]
        if not wanted:
            continue
        if preference.delivery == Delivery.WEEKLY:
            db.session.add_all(PendingNotice(user_id=user_id, kind=n.kind.value, text=n.text[:500], link=n.link)
                               for n in wanted)
        else:
            _mail(users[user_id], wanted, _("Retex IA : %(text)s", text=wanted[0].text) if len(wanted) == 1
                  else _("Retex IA : du nouveau dans ce que vous suivez"))
    db.session.flush()


def _mail(user: User, notices: list[Notice], subject: str) -> None:
    kinds = {n.kind.value for n in notices}
    kind = kinds.pop() if len(kinds) == 1 else follows.ALL
    stop = public_url("notices.unsubscribe", token=follows.unsubscribe_token(user.id, kind))
    lines = [f"- {n.text}\n  {n.link}" for n in notices]
    body = "\n".join(lines) + "\n\n" + _(
        "Vous recevez ce message parce que vous suivez ces pages sur Retex IA, ou parce que vous avez demandé à "
        "être averti(e) des retours de votre établissement.\n"
        "Choisir vos avis : %(settings)s\nNe plus recevoir ces avis, en un clic : %(stop)s",
        settings=public_url("notices.settings"), stop=stop)
    send_after_commit(user.email, subject, body, headers={
        "List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


# The weekly digest ------------------------------------------------------------------------------------

_HEADINGS = {NoticeKind.GUIDE: _l("Guides"), NoticeKind.STATISTICS: _l("Statistiques"),
             NoticeKind.ESTABLISHMENT: _l("Votre établissement")}


def send_weekly_digests(now: datetime | None = None) -> int:
    """One mail per person grouping their notices kept until `now` (default: this moment), for the weekly periodic
    job or `flask notices digest`. Each person's notices are marked sent and committed with their mail (sent after
    that commit): run again, or after a failure half-way, it sends nobody the same notice twice. Returns the mails
    sent."""
    now = now or utcnow()
    sent = 0
    user_ids = list(db.session.scalars(sa.select(PendingNotice.user_id).where(
        PendingNotice.sent_at.is_(None), PendingNotice.created_at <= now).distinct().order_by(PendingNotice.user_id)))
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        preference = follows.preference_of(user_id)
        pending = db.session.scalars(sa.select(PendingNotice).where(
            PendingNotice.user_id == user_id, PendingNotice.sent_at.is_(None), PendingNotice.created_at <= now)
            .order_by(PendingNotice.created_at, PendingNotice.id).with_for_update()).all()
        wanted = [p for p in pending if preference.wants(NoticeKind(p.kind))]
        for notice in pending:
            notice.sent_at = now
        if wanted and user is not None and user.status == "active":
            _digest(user, wanted)
            sent += 1
        db.session.commit()
    return sent


def _digest(user: User, pending: list[PendingNotice]) -> None:
    stop = public_url("notices.unsubscribe", token=follows.unsubscribe_token(user.id, follows.ALL))
    parts = []
    for kind in NoticeKind:
        items = [p for p in pending if p.kind == kind.value]
        if items:
            parts.append(str(_HEADINGS[kind]) + "\n" + "\n".join(f"- {p.text}\n  {p.link}" for p in items))
    body = "\n\n".join(parts) + "\n\n" + _(
        "Ce résumé hebdomadaire regroupe les avis des pages que vous suivez sur Retex IA.\n"
        "Choisir vos avis : %(settings)s\nNe plus recevoir aucun avis, en un clic : %(stop)s",
        settings=public_url("notices.settings"), stop=stop)
    send_after_commit(user.email, _("Retex IA : vos avis de la semaine"), body,
                      headers={"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
