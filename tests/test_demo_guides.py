"""Demonstration guides (app.demo.guides), loaded by load_demo after the fictional reports."""

from __future__ import annotations

import sqlalchemy as sa

from app.demo.guides import TOP_SOLUTIONS
from app.demo.loader import load_demo
from app.demo.mix import DEMO_DOMAIN
from app.extensions import db
from app.models import Guide, GuideVersion, User
from app.services import follows, guides


def test_the_demo_publishes_guides_once(app, client):
    created = load_demo(report_target=300)
    db.session.commit()

    all_guides = db.session.scalars(sa.select(Guide).order_by(Guide.id)).all()
    analyst = db.session.scalar(sa.select(User).where(User.email == f"analyst@{DEMO_DOMAIN}"))
    assert created["guides"] == len(all_guides) > TOP_SOLUTIONS
    assert sum(g.solution_id is not None for g in all_guides) == TOP_SOLUTIONS
    assert any(g.category_id is not None for g in all_guides)
    assert all(g.versions and g.created_by_id == analyst.id for g in all_guides)
    assert sorted(len(g.versions) for g in all_guides)[-2:] == [2, 2]
    assert all(len(g.versions) <= 2 for g in all_guides)
    for guide in all_guides:
        narratives = [s for s in guide.latest_version.snapshot["sections"] if s["narrative"]]
        assert 2 <= len(narratives) <= 3 and all("<p>" in s["narrative_html"] for s in narratives)
        assert 1 <= len(guide.latest_version.snapshot["quotes"]) <= 2
        assert guide.latest_version.report_count > 0
    revised = next(g for g in all_guides if len(g.versions) == 2)
    log = guides.changelog(*revised.versions)
    assert [s["title"] for s in log["sections"]] == ["Conduite du changement et formation"]
    assert [s["op"] for s in log["sections"][0]["diff"]][-1] == "insert"  # the paragraph added in version 2

    index = client.get("/guides")
    assert index.status_code == 200 and all(g.title in index.get_data(as_text=True).replace("&#39;", "'")
                                            for g in all_guides)
    for guide in (all_guides[0], all_guides[-1], revised):
        assert client.get(f"/guides/{guide.slug}").status_code == 200
    assert client.get(f"/guides/{revised.slug}/changes").status_code == 200

    # The demo contributor follows the first guided solution, its category and its guide; loaded once.
    contributor = db.session.scalar(sa.select(User).where(User.email == f"contributor@{DEMO_DOMAIN}"))
    assert created["follows"] == 3
    assert [item.name for item in follows.followed_by(contributor)] == [
        all_guides[0].solution.name, all_guides[0].solution.category.name_fr, all_guides[0].title]

    again = load_demo(report_target=300)
    db.session.commit()
    assert again["guides"] == 0 and again["follows"] == 0
    assert db.session.scalar(sa.select(sa.func.count(Guide.id))) == len(all_guides)
    assert db.session.scalar(sa.select(sa.func.count(GuideVersion.id))) == sum(len(g.versions) for g in all_guides)


def test_without_facts_the_demo_publishes_no_guide(app):
    created = load_demo(with_reports=False)

    assert created["guides"] == 0 and db.session.scalar(sa.select(Guide.id).limit(1)) is None
    assert created["follows"] == 0
