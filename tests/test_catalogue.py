import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Solution
from app.services.catalogue import import_catalogue_csv
from app.services.categories import ensure_categories
from tests.factories import make_category, make_solution, make_user, text


def names(response) -> set[str]:
    import re

    return set(re.findall(r'<h3><a href="/catalogue/[^"]+">([^<]+)</a></h3>', response.get_data(as_text=True)))


def build_catalogue():
    imaging, coding = make_category("imagerie", "Imagerie"), make_category("codage", "Codage")
    make_solution(imaging, name="Radiolys", vendor="Nordalune", device_class="IIa", hosting=["on_premises"],
                  integration=["pacs", "ris"], sector=["health"], short_description="Radiographies thoraciques.")
    make_solution(imaging, name="Mammavue", vendor="Clairmont", device_class="IIb", hosting=["hds_cloud"],
                  integration=["pacs"], sector=["health"])
    make_solution(coding, name="CodaSmart", vendor="Quadrille", device_class="none", hosting=["vendor_saas"],
                  integration=["pmsi", "dpi"], sector=["health", "medico_social"])
    make_solution(coding, name="Archivée", vendor="Ancien", archived=True)
    db.session.commit()


def test_catalogue_lists_published_solutions_only(client):
    build_catalogue()
    assert names(client.get("/catalogue")) == {"Radiolys", "Mammavue", "CodaSmart"}


def test_free_text_search_looks_in_name_vendor_and_description(client):
    build_catalogue()
    assert names(client.get("/catalogue?q=radio")) == {"Radiolys"}
    assert names(client.get("/catalogue?q=QUADRILLE")) == {"CodaSmart"}
    assert names(client.get("/catalogue?q=thoraciques")) == {"Radiolys"}
    assert names(client.get("/catalogue?q=introuvable")) == set()


def test_each_filter_narrows_the_list(client):
    build_catalogue()
    assert names(client.get("/catalogue?category=imagerie")) == {"Radiolys", "Mammavue"}
    assert names(client.get("/catalogue?device_class=IIb")) == {"Mammavue"}
    assert names(client.get("/catalogue?hosting=hds_cloud")) == {"Mammavue"}
    assert names(client.get("/catalogue?integration=pacs")) == {"Radiolys", "Mammavue"}
    assert names(client.get("/catalogue?sector=medico_social")) == {"CodaSmart"}
    assert names(client.get("/catalogue?category=imagerie&integration=ris")) == {"Radiolys"}


def test_unknown_filter_values_are_ignored_rather_than_crashing(client):
    build_catalogue()
    response = client.get("/catalogue?device_class=zzz&hosting=<script>&page=-3")
    assert response.status_code == 200
    assert len(names(response)) == 3


def test_catalogue_is_paginated_and_keeps_filters_in_links(app, client):
    category = make_category("imagerie")
    for n in range(25):
        make_solution(category, name=f"Outil {n:02d}")
    db.session.commit()
    first = client.get("/catalogue?category=imagerie")
    assert len(names(first)) == 20
    assert "/catalogue?page=2&amp;category=imagerie" in first.get_data(as_text=True)
    assert len(names(client.get("/catalogue?category=imagerie&page=2"))) == 5


def test_solution_page_labels_vendor_declared_fields(client):
    build_catalogue()
    page = text(client.get("/catalogue/radiolys"))
    assert "Radiolys" in page
    assert page.count("déclaré par l'éditeur") >= 5
    assert "Dispositif médical de classe IIa" in page


def test_solution_page_by_id_and_unknown_solution(client):
    build_catalogue()
    solution = db.session.scalar(sa.select(Solution).where(Solution.name == "Mammavue"))
    assert client.get(f"/catalogue/{solution.id}").status_code == 200
    assert client.get("/catalogue/nexiste-pas").status_code == 404


def test_archived_solutions_are_hidden_from_visitors_but_not_from_staff(client, auth):
    build_catalogue()
    assert client.get("/catalogue/archivee").status_code == 404
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    assert client.get("/catalogue/archivee").status_code == 200


def test_admin_creates_edits_and_archives_a_solution(client, auth):
    admin = make_user("admin")
    category = make_category("imagerie")
    db.session.commit()
    auth.login(admin.email)
    response = client.post("/admin/solutions/new", data={
        "name": "Ossifine", "vendor": "Nordalune", "category_id": category.id,
        "short_description": "Détection de fractures.", "device_class": "IIa", "ai_act_risk": "high",
        "ce_marked": "yes", "hosting": ["hds_cloud", "on_premises"], "integration": ["pacs"], "sector": ["health"],
        "website": "https://ossifine.example"})
    assert response.status_code == 302
    solution = db.session.scalar(sa.select(Solution).where(Solution.name == "Ossifine"))
    assert (solution.slug, solution.ce_marked, solution.hosting_options) == ("ossifine", True,
                                                                             ["hds_cloud", "on_premises"])

    response = client.post(f"/admin/solutions/{solution.id}", data={
        "name": "Ossifine", "vendor": "Nordalune", "category_id": category.id,
        "short_description": "Fractures aux urgences.", "device_class": "IIa", "ai_act_risk": "high",
        "ce_marked": "", "hosting": ["hds_cloud"], "integration": ["pacs", "ris"], "sector": ["health"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert solution.short_description == "Fractures aux urgences."
    assert (solution.ce_marked, solution.hosting_options, solution.integrations) == (None, ["hds_cloud"],
                                                                                    ["pacs", "ris"])
    assert "Fractures aux urgences." in text(client.get("/catalogue/ossifine"))

    assert client.post(f"/admin/solutions/{solution.id}/archive").status_code == 302
    db.session.expire_all()
    assert solution.archived
    auth.logout()
    assert client.get("/catalogue/ossifine").status_code == 404
    actions = set(db.session.scalars(sa.select(AuditLog.action).where(AuditLog.object_id == solution.id)))
    assert {"solution.created", "solution.updated", "solution.archived"} <= actions


def test_admin_solution_form_errors_are_shown_and_nothing_is_lost(client, auth):
    admin = make_user("admin")
    category = make_category()
    make_solution(category, name="Déjà là", vendor="Éditeur X")
    db.session.commit()
    auth.login(admin.email)
    page = text(client.post("/admin/solutions/new", data={
        "name": "Déjà là", "vendor": "Éditeur X", "category_id": category.id, "short_description": "Texte gardé",
        "device_class": "none", "ai_act_risk": "minimal", "website": "javascript:alert(1)"}))
    assert "L'adresse doit commencer par https://" in page or "adresse web complète" in page
    assert "Texte gardé" in page
    page = text(client.post("/admin/solutions/new", data={
        "name": "Déjà là", "vendor": "Éditeur X", "category_id": category.id, "short_description": "Texte gardé",
        "device_class": "none", "ai_act_risk": "minimal"}))
    assert "déjà une solution de ce nom" in page


def test_catalogue_csv_import_reports_errors_per_line(app):
    ensure_categories()
    csv_text = (
        "name;vendor;category;short_description;device_class;ce_marked;ai_act_risk;hosting;integrations;sectors;website\n"
        "Radiolys;Nordalune;imagerie;Radiographies;IIa;oui;high;on_premises|hds_cloud;pacs;health;https://r.example\n"
        "Sans catégorie;Nordalune;inconnue;Texte;none;;minimal;;;;\n"
        ";Nordalune;imagerie;Texte;none;;minimal;;;;\n"
        "Mauvaise classe;X;imagerie;Texte;IV;peut-être;minimal;nuage;;;ftp://x\n"
        "Radiolys;Nordalune;imagerie;Doublon;IIa;oui;high;;;;\n"
    )
    report = import_catalogue_csv(csv_text)
    db.session.commit()
    assert report.created == 1
    errors = dict(report.errors)
    assert set(errors) == {3, 4, 5, 6}
    assert "catégorie inconnue" in errors[3]
    assert "name" in errors[4]
    assert "IV" in errors[5] and "marquage CE" in errors[5] and "nuage" in errors[5] and "https://" in errors[5]
    assert "doublon" in errors[6]
    solution = db.session.scalar(sa.select(Solution).where(Solution.name == "Radiolys"))
    assert solution.hosting_options == ["hds_cloud", "on_premises"]
    again = import_catalogue_csv(csv_text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_catalogue_import_cli(app, runner, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text("name,vendor,category,short_description\nDictalis,Verbatim,documentation-clinique,Dictée\n",
                    encoding="utf-8")
    result = runner.invoke(args=["import", "catalogue", str(path)])
    assert result.exit_code == 0, result.output
    assert "Créées : 1" in result.output
    assert db.session.scalar(sa.select(Solution.name)) == "Dictalis"


def test_search_ignores_accents_and_case_on_every_database(client):
    category = make_category()
    make_solution(category, name="Échographie Assistée", vendor="Éditeur Hélios")
    db.session.commit()
    assert names(client.get("/catalogue?q=echographie")) == {"Échographie Assistée"}
    assert names(client.get("/catalogue?q=ÉDITEUR hélios")) == {"Échographie Assistée"}
    assert names(client.get("/catalogue?q=100%")) == set()


def test_a_category_name_finds_its_solutions(client):
    build_catalogue()
    assert names(client.get("/catalogue?q=imagerie")) == {"Radiolys", "Mammavue"}


def test_absurd_page_numbers_do_not_crash(client, auth):
    build_catalogue()
    assert client.get("/catalogue?page=99999999999999999999").status_code == 200
    assert "Cette page n'existe pas." in text(client.get("/catalogue?page=999"))
    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    for url in ("/admin/users", "/admin/establishments", "/admin/solutions"):
        assert client.get(f"{url}?page=99999999999999999999").status_code == 200


def test_a_new_solution_claims_nothing_the_admin_did_not_choose(client, auth):
    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    page = text(client.get("/admin/solutions/new"))
    assert '<option selected value="unknown">' in page or 'value="unknown" selected' in page
    response = client.post("/admin/solutions/new", data={"name": "X", "vendor": "Y", "short_description": "Z",
                                                         "device_class": "unknown", "ai_act_risk": "unknown"})
    assert "Ce champ est obligatoire." in text(response)  # the category must be chosen


def test_an_admin_cannot_take_away_their_own_rights(client, auth):
    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "analyst", "status": "active", "finess": ""})
    assert "propres droits d'administrateur" in text(response)
    db.session.expire_all()
    assert db.session.get(type(admin), admin.id).role == "admin"


def test_an_admin_is_told_why_the_last_ethics_reviewer_cannot_be_disabled(client, auth):
    admin, reviewer = make_user("admin"), make_user("ethics_reviewer")
    db.session.commit()
    auth.login(admin.email)
    response = client.post(f"/admin/users/{reviewer.id}", data={"role": "ethics_reviewer", "status": "disabled",
                                                                "finess": ""})
    assert "dernier référent éthique actif" in text(response)
    db.session.expire_all()
    assert db.session.get(type(reviewer), reviewer.id).status == "active"


def test_a_null_character_in_the_search_is_harmless(client):
    build_catalogue()
    assert client.get("/catalogue?q=radio%00lys").status_code == 200
