"""With REPLICA_DATABASE_URL, the exports and the API read from the replica; everything else from the primary."""

import pytest
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import REPLICA, db
from app.models import Category, Solution
from app.services import api_tokens
from tests.conftest import IsolatedClient, empty_all_tables
from tests.factories import make_solution, make_user, text


@pytest.fixture
def replica_app(database_url, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "retex.test",
                                 "REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 'replica.db'}"})
    app.test_client_class = IsolatedClient
    with app.app_context():
        replica = db.engines[REPLICA]
        db.metadata.create_all(replica)  # the replica's copy of the schema (a test stand-in for replication)
        with Session(replica) as session:
            category = Category(slug="replica", name_fr="Réplique", name_en="Replica")
            session.add(Solution(slug="vue-replique", name="Vue de la réplique", vendor="Fictif",
                                 category=category, short_description="Présente sur la réplique seulement."))
            session.commit()
        yield app
        db.session.remove()
        empty_all_tables()
        for engine in db.engines.values():
            engine.dispose()


def test_api_reads_the_replica_once_the_token_is_checked_on_the_primary(replica_app):
    make_solution(name="Vue du primaire")
    analyst = make_user("analyst")
    _, token = api_tokens.create_token(analyst, "test")  # on the primary only
    db.session.commit()
    client = replica_app.test_client()
    answer = client.get("/api/v1/solutions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    names = [item["name"] for item in answer.get_json()["items"]]
    assert names == ["Vue de la réplique"]
    # The pages read the primary.
    page = text(client.get("/catalogue"))
    assert "Vue du primaire" in page and "Vue de la réplique" not in page


def test_exports_read_the_replica_and_writes_stay_on_the_primary(replica_app):
    make_solution(name="Vue du primaire")
    make_user("analyst", email="analyste@example.test")
    db.session.commit()
    client = replica_app.test_client()
    replica_app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": "analyste@example.test",
                                       "password": "correct-horse-battery"}).status_code == 302
    export = client.get("/exports/aggregates.csv").get_data(as_text=True)
    assert "Vue de la réplique" in export and "Vue du primaire" not in export
    with Session(db.engines[REPLICA]) as session:  # the statistics computed meanwhile were not written there
        assert session.query(Solution).count() == 1
