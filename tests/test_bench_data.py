"""`flask demo bench-data`: many fictional published reports in bulk, with follow-ups and revisions."""

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Establishment, Report, ReportFact, ReportRevision, Solution
from app.services import stats


def test_bench_data_creates_published_reports_with_follow_ups_and_revisions(app, runner):
    result = runner.invoke(args=["demo", "bench-data", "--reports", "500", "--establishments", "20"])
    assert result.exit_code == 0, result.output
    published = db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.status == "published"))
    assert published == 500
    earlier = sa.orm.aliased(Report)
    pairs = db.session.execute(sa.select(Report.establishment_id, Report.solution_id, earlier.establishment_id,
                                         earlier.solution_id, Report.id, earlier.id)
                               .join(earlier, earlier.id == Report.previous_report_id)).all()
    assert pairs, "some reports are follow-ups"
    assert all(a == c and b == d and new > old for a, b, c, d, new, old in pairs)
    superseded = db.session.scalar(sa.select(sa.func.count()).select_from(ReportRevision)
                                   .where(ReportRevision.state == "superseded"))
    assert superseded > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).join(Solution)
                             .where(Solution.is_fictional.is_(False))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).join(Establishment)
                             .where(Establishment.is_fictional.is_(False))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportFact)) > 0
    solution_id = db.session.scalar(sa.select(ReportFact.solution_id).group_by(ReportFact.solution_id)
                                    .order_by(sa.func.count().desc()).limit(1))
    assert stats.compute_scorecard(solution_id)["establishments"]["value"] >= 3


def test_bench_data_is_refused_in_production(database_url):
    production = create_app("production", {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url})
    result = production.test_cli_runner().invoke(args=["demo", "bench-data", "--reports", "10"])
    assert result.exit_code != 0
