from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Establishment
from app.services import finess_import

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = FIXTURES / "finess_legacy.csv"
JSON_FEED = FIXTURES / "finess_structures.json"


def establishments() -> dict[str, Establishment]:
    return {e.finess: e for e in db.session.scalars(sa.select(Establishment))}


def test_legacy_extract_creates_good_lines_and_rejects_the_others_with_a_reason(app):
    report = finess_import.import_finess(LEGACY)
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    reasons = dict(report.rejected)
    assert set(reasons) == {7, 8, 9, 10}
    assert "clé de contrôle" in reasons[7]
    assert "déjà présent ligne 2" in reasons[8]
    assert "ligne incomplète" in reasons[9]
    assert "département" in reasons[10]

    saved = establishments()
    assert set(saved) == {"750100000", "130100001", "690100003", "2A0000017", "330100009"}
    etoile = saved["750100000"]
    assert etoile.name == "CENTRE HOSPITALIER DE L'ÉTOILE"  # Windows-1252 accents read right
    assert (etoile.type, etoile.sector, etoile.region, etoile.city, etoile.legal_status) == (
        "ch", "health", "11", "PARIS", "public")
    assert saved["690100003"].type == "ehpad"
    assert saved["690100003"].sector == "medico_social"
    assert saved["2A0000017"].region == "94"
    assert saved["130100001"].type == "clinic_mco"


def test_unmapped_categories_become_other_and_are_reported(app):
    report = finess_import.import_finess(LEGACY)
    assert establishments()["330100009"].type == "other"
    assert report.unmapped_categories == {"228 Centre de planification ou d'éducation familiale": 1}


def test_importing_twice_changes_nothing(app):
    finess_import.import_finess(LEGACY)
    db.session.commit()
    second = finess_import.import_finess(LEGACY)
    db.session.commit()
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert len(establishments()) == 5


def test_an_existing_establishment_is_updated_in_place(app):
    db.session.add(Establishment(finess="750100000", name="Ancien nom", type="other", sector="health"))
    db.session.commit()
    report = finess_import.import_finess(LEGACY)
    db.session.commit()
    assert (report.created, report.updated) == (4, 1)
    assert establishments()["750100000"].name == "CENTRE HOSPITALIER DE L'ÉTOILE"


def test_json_feed_is_imported_with_legal_status_from_the_legal_entity(app):
    report = finess_import.import_finess(JSON_FEED)
    db.session.commit()
    assert (report.created, len(report.rejected)) == (3, 1)
    assert "clé de contrôle" in report.rejected[0][1]
    saved = establishments()
    assert saved["750100000"].type == "chu"
    assert saved["750100000"].legal_status == "public"
    assert saved["750100000"].name == "HÔPITAL DE L'ÉTOILE"
    assert saved["690100003"].legal_status == "private_non_profit"
    assert saved["970400016"].region == "04"
    assert saved["970400016"].type == "other"


def test_a_failure_during_the_import_leaves_nothing_half_written(app, runner, monkeypatch):
    original = finess_import._validate
    calls = {"n": 0}

    def failing_validate(parsed):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return original(parsed)

    monkeypatch.setattr(finess_import, "_validate", failing_validate)
    result = runner.invoke(args=["import", "finess", str(LEGACY)])
    assert result.exit_code != 0
    db.session.rollback()
    assert establishments() == {}


def test_cli_reports_counts_rejections_and_unmapped_categories(app, runner):
    result = runner.invoke(args=["import", "finess", str(LEGACY)])
    assert result.exit_code == 0, result.output
    assert "Créés : 5" in result.output
    assert "Rejetés : 4" in result.output
    assert "ligne 7 :" in result.output
    assert "228 Centre de planification" in result.output
    assert len(establishments()) == 5


def test_cli_dry_run_writes_nothing(app, runner):
    result = runner.invoke(args=["import", "finess", "--dry-run", str(LEGACY)])
    assert result.exit_code == 0
    assert "rien n'a été enregistré" in result.output
    assert establishments() == {}


@pytest.mark.parametrize("content", [b"{not json", b'{"autre": []}'])
def test_an_unreadable_json_feed_is_rejected_with_a_reason(app, tmp_path, content):
    path = tmp_path / "feed.json"
    path.write_bytes(content)
    report = finess_import.import_finess(path)
    assert report.created == 0
    assert len(report.rejected) == 1


def test_an_extract_saved_as_utf8_keeps_its_accents(app, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text(LEGACY.read_bytes().decode("cp1252"), encoding="utf-8")
    finess_import.import_finess(path)
    assert establishments()["750100000"].name == "CENTRE HOSPITALIER DE L'ÉTOILE"


@pytest.mark.parametrize("content", [b"", b"nom;ville\nA;B\n"])
def test_a_file_without_establishments_is_an_error(app, runner, tmp_path, content):
    path = tmp_path / "other.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["import", "finess", str(path)])
    assert result.exit_code != 0
    assert "Aucun établissement trouvé" in result.output


def test_a_real_import_clears_the_fictional_flag(app):
    db.session.add(Establishment(finess="750100000", name="CENTRE HOSPITALIER DE L'ÉTOILE", type="ch",
                                 sector="health", is_fictional=True))
    db.session.commit()
    report = finess_import.import_finess(LEGACY)
    assert report.updated == 1
    assert establishments()["750100000"].is_fictional is False
