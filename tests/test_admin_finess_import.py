"""The national FINESS extract imported from the administration page, through the command line's service."""

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.models import AuditLog, Establishment
from tests.factories import make_user, text
from tests.test_finess_import import JSON_FEED, LEGACY


def upload(client, content: bytes, filename: str = "etalab-stock.csv", **fields):
    # Encoded here, in memory: the test client spools a large body to a temporary file it never closes.
    body, length, boundary = stream_encode_multipart({"extract": FileStorage(io.BytesIO(content), filename), **fields},
                                                     use_tempfile=False)
    return client.post("/admin/finess-import", input_stream=body, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Establishment))


def as_admin(client, auth) -> None:
    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)


def test_an_admin_imports_the_legacy_extract_and_reads_the_counts_and_each_rejected_line(client, auth, no_csrf):
    as_admin(client, auth)
    assert "Fichier de l'extrait FINESS" in text(client.get("/admin/finess-import"))

    page = text(upload(client, LEGACY.read_bytes()))
    assert "Import terminé" in page
    assert "5 établissements créés" in page and "0 établissement mis à jour" in page
    assert "4 lignes rejetées" in page
    assert "La clé de contrôle de ce numéro FINESS est incorrecte" in page
    assert "déjà présent ligne 2" in page
    assert "228 Centre de planification" in page  # filed as "Autre", said so
    assert count() == 5
    db.session.expire_all()
    assert db.session.scalar(sa.select(Establishment.name).where(Establishment.finess == "750100000")) == (
        "CENTRE HOSPITALIER DE L'ÉTOILE")
    (entry,) = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "establishment.finess_import"))
    assert entry.detail["file"] == "etalab-stock.csv" and entry.actor_id is not None

    again = text(upload(client, LEGACY.read_bytes()))
    assert "5 établissements inchangés" in again and count() == 5


def test_a_dry_run_checks_everything_and_writes_nothing(client, auth, no_csrf):
    as_admin(client, auth)
    page = text(upload(client, JSON_FEED.read_bytes(), "structures.json", dry_run="y"))
    assert "Essai à blanc : rien n'a été enregistré" in page
    assert "établissements créés" in page or "établissement créé" in page
    assert count() == 0


def test_a_bad_file_gets_a_french_error_next_to_the_field(client, auth, no_csrf):
    as_admin(client, auth)
    for content, name, message in [
        (b"finess;etalab;95\nequipementsocial;1;2\n", "extrait.csv", "Aucun établissement trouvé dans ce fichier"),
        (b"{\"pmej\": []}".replace(b"[]", "[\"\xe9\"]".encode("latin-1")), "structures.json",
         "le flux JSON doit être encodé en UTF-8"),
        (b"structureet;750100000", "extrait.pdf", "Le fichier doit être un extrait CSV"),
    ]:
        response = upload(client, content, name)
        assert response.status_code == 400, name
        page = text(response)
        assert message in page, name
        assert 'id="extract-errors"' in page
    response = client.post("/admin/finess-import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choisissez le fichier de l'extrait FINESS" in text(response)
    assert count() == 0


def test_a_file_over_the_limit_is_refused_in_french(app, client, auth, no_csrf):
    as_admin(client, auth)
    app.config["FINESS_UPLOAD_MAX_MB"] = 1
    response = upload(client, b"structureet;" + b"x" * (1024 * 1024 + 10))
    assert response.status_code == 400
    assert "Le fichier dépasse 1 Mo" in text(response)
    assert count() == 0


def test_only_administrators_get_past_the_site_size_limit(app, client, auth, no_csrf):
    from flask import request
    from flask_login import login_user

    from app.admin.finess_import import allow_extract_upload

    analyst, admin = make_user("analyst"), make_user("admin")
    db.session.commit()
    limits = {}
    for user in (None, analyst, admin):
        with app.test_request_context("/admin/finess-import", method="POST"):
            if user is not None:
                login_user(user)
            allow_extract_upload()
            limits[user.role if user else "visitor"] = request.max_content_length
    site = app.config["MAX_CONTENT_LENGTH"]
    assert limits == {"visitor": site, "analyst": site, "admin": (app.config["FINESS_UPLOAD_MAX_MB"] + 1) * 1024 * 1024}

    auth.login(analyst.email)
    assert upload(client, LEGACY.read_bytes()).status_code == 403
    assert count() == 0
