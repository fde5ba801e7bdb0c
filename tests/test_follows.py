"""Following a solution, a category or a guide; each person's own notice settings; the notices themselves."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Follow, NoticePreference, PendingNotice
from app.services import follows, guides
from app.services import notices as notices_service
from tests.factories import PASSWORD, make_category, make_establishment, make_report, make_solution, make_user, text


def login(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_solution_page_offers_to_follow_and_shows_the_state(app, client, no_csrf):
    solution = make_solution()
    user = make_user("contributor")
    db.session.commit()
    assert "Suivre cette solution" not in text(client.get(f"/catalogue/{solution.slug}"))  # visitors: no button
    login(client, user)
    page = text(client.get(f"/catalogue/{solution.slug}"))
    assert "Suivre cette solution" in page and "Vous suivez cette solution" not in page
    response = client.post(f"/follows/solution/{solution.id}", data={"next": f"/catalogue/{solution.slug}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/catalogue/{solution.slug}"
    page = text(client.get(f"/catalogue/{solution.slug}"))
    assert "Vous suivez cette solution" in page and "Ne plus suivre" in page
    assert solution.name in text(client.get("/account/notifications"))
    client.post(f"/follows/solution/{solution.id}/stop", data={"next": f"/catalogue/{solution.slug}"})
    assert "Suivre cette solution" in text(client.get(f"/catalogue/{solution.slug}"))
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 0


def test_the_button_of_a_kept_page_is_each_readers_own(app, no_csrf):
    solution = make_solution()
    first, second = make_user("contributor"), make_user("contributor")
    follows.follow(first, follows.FollowKind.SOLUTION, solution.id)
    db.session.commit()
    one, two = app.test_client(), app.test_client()
    login(one, first)
    login(two, second)
    assert "Vous suivez cette solution" in text(one.get(f"/catalogue/{solution.slug}"))
    assert "Vous suivez cette solution" not in text(two.get(f"/catalogue/{solution.slug}"))


def test_category_and_guide_pages_have_their_button(app, client, no_csrf):
    category = make_category()
    solution = make_solution(category)
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    login(client, analyst)
    assert "Suivre cette catégorie" in text(client.get(f"/statistics/categories/{category.slug}"))
    assert "Suivre ce guide" in text(client.get(f"/guides/{guide.slug}"))
    assert client.post(f"/follows/category/{category.id}").status_code == 302
    assert client.post(f"/follows/guide/{guide.id}").status_code == 302
    listed = text(client.get("/account/notifications"))
    assert category.name_fr in listed and guide.title in listed


def test_what_cannot_be_followed_is_refused(app, client, no_csrf):
    archived = make_solution(archived=True)
    analyst = make_user("analyst")
    draft = guides.create_guide(analyst, solution=make_solution())
    db.session.commit()
    login(client, analyst)
    assert client.post(f"/follows/solution/{archived.id}").status_code == 404
    assert client.post(f"/follows/guide/{draft.id}").status_code == 404
    assert client.post("/follows/establishment/1").status_code == 404
    assert client.post("/follows/solution/99999").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 0


def test_settings_are_saved_and_kept_on_a_bad_choice(app, client, no_csrf):
    user = make_user("contributor")
    db.session.commit()
    login(client, user)
    page = text(client.get("/account/notifications"))
    assert "Tout de suite" in page and "Un résumé par semaine" in page and "Vous ne suivez encore rien" in page
    response = client.post("/account/notifications", data={"delivery": "weekly", "statistics": "y",
                                                          "establishment": "y"})
    assert response.status_code == 302
    preference = db.session.get(NoticePreference, user.id)
    assert (preference.delivery, preference.guides, preference.statistics, preference.establishment) == (
        "weekly", False, True, True)
    response = client.post("/account/notifications", data={"delivery": "hourly", "guides": "y"})
    assert response.status_code == 400
    assert "Not a valid choice" in text(response) or "choix" in text(response)
    db.session.expire_all()
    assert db.session.get(NoticePreference, user.id).delivery == "weekly"


# Notices ----------------------------------------------------------------------------------------------

def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_guide_version_tells_the_followers_of_the_guide_and_of_its_solution_at_once(app, mailbox):
    category = make_category()
    solution = make_solution(category)
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guide_follower, solution_follower, category_follower, bystander = (make_user("contributor") for _ in range(4))
    follows.follow(solution_follower, follows.FollowKind.SOLUTION, solution.id)
    follows.follow(category_follower, follows.FollowKind.CATEGORY, category.id)
    db.session.commit()
    guides.publish(guide, analyst)
    follows.follow(guide_follower, follows.FollowKind.GUIDE, guide.id)
    db.session.commit()
    assert sorted(m.recipients[0] for m in mailbox) == sorted([solution_follower.email, category_follower.email])
    guides.update_sections(guide, {"uses": {"narrative": "Nouveau texte."}}, analyst)
    guides.publish(guide, analyst)
    assert len(mailbox) == 2  # not before the commit
    db.session.commit()
    second = [m for m in mailbox[2:]]
    assert sorted(m.recipients[0] for m in second) == sorted(
        [guide_follower.email, solution_follower.email, category_follower.email])
    assert bystander.email not in {m.recipients[0] for m in mailbox}
    message = second[0]
    assert "version 2" in message.body and f"/guides/{guide.slug}/versions/2" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://retex\.test/unsubscribe/[^>]+>", message.extra_headers["List-Unsubscribe"])


def test_a_weekly_reader_gets_one_digest_once(app, mailbox):
    from datetime import timedelta

    from app.models._types import utcnow

    solution = make_solution()
    analyst = make_user("analyst")
    user = make_user("contributor")
    follows.follow(user, follows.FollowKind.SOLUTION, solution.id)
    follows.set_preference(user, follows.Delivery.WEEKLY, guides=True, statistics=True, establishment=False)
    first, second = (guides.create_guide(analyst, solution=solution) for _ in range(2))
    guides.publish(first, analyst)
    guides.publish(second, analyst)
    db.session.commit()
    assert mailbox == []
    assert db.session.scalar(sa.select(sa.func.count(PendingNotice.id))) == 2
    assert notices_service.send_weekly_digests(utcnow() - timedelta(days=1)) == 0  # nothing kept before then
    assert notices_service.send_weekly_digests(utcnow()) == 1
    assert len(mailbox) == 1
    digest = mailbox[0]
    assert digest.recipients == [user.email] and first.title in digest.body and second.title in digest.body
    assert "List-Unsubscribe" in digest.extra_headers
    assert notices_service.send_weekly_digests(utcnow()) == 0  # run again: nothing twice
    assert len(mailbox) == 1


def test_nobody_is_told_of_what_they_turned_off(app, mailbox):
    solution = make_solution()
    analyst = make_user("analyst")
    silent, no_guides = make_user("contributor"), make_user("contributor")
    for user in (silent, no_guides):
        follows.follow(user, follows.FollowKind.SOLUTION, solution.id)
    follows.set_preference(silent, follows.Delivery.NONE, guides=True, statistics=True, establishment=True)
    follows.set_preference(no_guides, follows.Delivery.IMMEDIATE, guides=False, statistics=True, establishment=True)
    guides.publish(guides.create_guide(analyst, solution=solution), analyst)
    db.session.commit()
    assert mailbox == [] and db.session.scalar(sa.select(sa.func.count(PendingNotice.id))) == 0


def test_a_report_published_tells_the_members_who_asked_and_nobody_elsewhere(app, mailbox):
    home, elsewhere = make_establishment(), make_establishment()
    author = make_user("contributor", home)
    asked, not_asked = make_user("referent", home), make_user("contributor", home)
    stranger = make_user("contributor", elsewhere)
    for user in (asked, stranger):
        follows.set_preference(user, follows.Delivery.IMMEDIATE, guides=True, statistics=True, establishment=True)
    db.session.commit()
    report = make_report(author, state="published")
    db.session.commit()
    told = [m for m in mailbox if "de votre établissement" in m.body]
    assert [m.recipients[0] for m in told] == [asked.email]
    assert f"/reports/{report.id}" in told[0].body
    assert not_asked.email not in {m.recipients[0] for m in mailbox}
    assert stranger.email not in {m.recipients[0] for m in mailbox}


def test_a_statistics_notice_says_figures_changed_and_carries_none(app, mailbox):
    category = make_category()
    solution = make_solution(category)
    follower, category_follower = make_user("analyst"), make_user("contributor")
    follows.follow(follower, follows.FollowKind.SOLUTION, solution.id)
    follows.follow(category_follower, follows.FollowKind.CATEGORY, category.id)
    db.session.commit()
    for _ in range(3):  # MIN_ESTABLISHMENTS establishments: the solution's first release is due
        make_report(make_user("contributor", make_establishment()), solution, state="published")
    db.session.commit()  # the release is made after this commit (inline in tests), and its notices after its own
    told = {m.recipients[0]: m for m in mailbox if "Les chiffres" in m.body}
    assert set(told) == {follower.email, category_follower.email}
    for message in told.values():
        assert f"/statistics/solutions/{solution.id}" in message.body
        words = message.body.replace(solution.name, "").replace(category.name_fr, "")
        for link in _links(words):
            words = words.replace(link, "")
        assert not re.search(r"[0-9]", words), words  # no figure, no count, no date: only a link to them
        assert not re.search(r"[0-9]", message.subject.replace(solution.name, "").replace(category.name_fr, ""))
    # The category follower heard of the category's release in the same mail.
    assert f"/statistics/categories/{category.slug}" in told[category_follower.email].body


def test_nobody_sees_or_changes_another_persons_follows_or_settings(app, no_csrf):
    solution, other_solution = make_solution(), make_solution()
    owner, intruder = make_user("contributor"), make_user("referent")
    follows.follow(owner, follows.FollowKind.SOLUTION, solution.id)
    follows.set_preference(owner, follows.Delivery.WEEKLY, guides=False, statistics=True, establishment=True)
    db.session.commit()
    client = app.test_client()
    login(client, intruder)
    page = text(client.get("/account/notifications"))
    assert solution.name not in page and "Vous ne suivez encore rien" in page
    checked = re.findall(r'<input checked id="([\w-]+)"', client.get("/account/notifications").get_data(as_text=True))
    assert checked == ["delivery-0", "guides", "statistics"]  # the intruder's own defaults, not the owner's choices
    client.post(f"/follows/solution/{solution.id}/stop")  # the intruder follows nothing: nothing to stop
    client.post("/account/notifications", data={"delivery": "none"})
    client.post(f"/follows/solution/{other_solution.id}")
    db.session.expire_all()
    assert [f.solution_id for f in db.session.scalars(sa.select(Follow).where(Follow.user_id == owner.id))] == [
        solution.id]
    mine = db.session.get(NoticePreference, owner.id)
    assert (mine.delivery, mine.guides, mine.statistics, mine.establishment) == ("weekly", False, True, True)
    assert db.session.get(NoticePreference, intruder.id).delivery == "none"
