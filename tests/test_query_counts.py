"""No read page issues a number of queries that grows with the data."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import StatCache
from app.services import guides
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user


@contextmanager
def count_queries():
    statements = []

    def record(conn, cursor, statement, *args):  # noqa: ARG001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def build(size: int):
    """`size` establishments, each with published reports on two solutions, and a published guide."""
    first, second = make_solution(name="Alpha"), make_solution(name="Beta")
    analyst = make_user("analyst")
    for index in range(size):
        establishment = make_establishment(region="11" if index % 2 else "84")
        author = make_user("contributor", establishment)
        for solution in (first, second):
            make_report(author, solution, "published", complete_answers(rating_usefulness=str(1 + index % 5)))
    guide = guides.create_guide(analyst, solution=first)
    guides.publish(guide, analyst)
    db.session.commit()
    return first, second, guide


PAGES = [
    ("catalogue", lambda s: "/catalogue"),
    ("solution", lambda s: f"/catalogue/{s[0].slug}"),
    ("scorecard", lambda s: f"/statistics/solutions/{s[0].id}"),
    ("scorecard segment", lambda s: f"/statistics/solutions/{s[0].id}?segment=region:11"),
    ("comparison", lambda s: f"/statistics/compare?solutions={s[0].id}&solutions={s[1].id}"),
    ("category", lambda s: f"/statistics/categories/{s[0].category.slug}"),
    ("observatory", lambda s: "/observatory"),
    ("guides", lambda s: "/guides"),
    ("guide", lambda s: f"/guides/{s[2].slug}"),
    ("api solutions", lambda s: "/api/v1/solutions"),
    ("api scorecard", lambda s: f"/api/v1/solutions/{s[0].id}/scorecard"),
    ("api observatory", lambda s: "/api/v1/observatory"),
    ("api guides", lambda s: "/api/v1/guides"),
]


def measure(client, subjects) -> dict[str, tuple[int, int]]:
    """Queries of each page computed afresh (empty cache) and then served from the cache."""
    counts = {}
    db.session.execute(sa.delete(StatCache))
    db.session.commit()
    for name, url in PAGES:
        with count_queries() as cold:
            assert client.get(url(subjects)).status_code == 200, name
        with count_queries() as warm:
            assert client.get(url(subjects)).status_code == 200, name
        counts[name] = (len(cold), len(warm))
    return counts


@pytest.mark.parametrize("sizes", [(3, 9)])
def test_read_pages_issue_the_same_number_of_queries_at_two_data_sizes(app, client, capsys, sizes):
    from tests.conftest import empty_all_tables

    small = measure(client, build(sizes[0]))
    db.session.remove()
    empty_all_tables()
    large = measure(client, build(sizes[1]))
    with capsys.disabled():
        print("\nqueries per page (fresh, cached) at", sizes, "establishments:")
        for name in small:
            print(f"  {name:<18} {small[name]} -> {large[name]}")
    assert small == large
