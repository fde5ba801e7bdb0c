"""Generated sentences read as a French (or English) writer would write them: counts agree with their nouns and
verbs in the singular and the plural, a name after "de" is elided before a vowel or an h."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.services import guide_sections, privacy, wording
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user, text

FRENCH = {"Accept-Language": "fr-FR"}
ENGLISH = {"Accept-Language": "en-GB"}
NBSP = "\u00a0"


@pytest.mark.parametrize(("name", "french"), [
    ("Alice Martin", "d'Alice Martin"), ("Bernard Petit", "de Bernard Petit"), ("Hélène Roy", "d'Hélène Roy"),
    ("Émile Zola", "d'Émile Zola"), ("Yves Durand", "d'Yves Durand"), ("océane@hopital.test", "d'océane@hopital.test"),
    ("Xavier Roux", "de Xavier Roux"),
])
def test_a_name_after_de_is_elided_in_french_and_left_alone_in_english(app, name, french):
    with force_locale("fr"):
        assert wording.of_name(name) == french
    with force_locale("en"):
        assert wording.of_name(name) == name


@pytest.mark.parametrize(("name", "french", "english"), [
    ("Alice Martin", "Le compte d'Alice Martin est activé.", "Alice Martin's account has been activated."),
    ("Bernard Petit", "Le compte de Bernard Petit est activé.", "Bernard Petit's account has been activated."),
    ("Hélène Roy", "Le compte d'Hélène Roy est activé.", "Hélène Roy's account has been activated."),
])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_admin_reads_the_activated_account_with_its_name_elided(client, auth, name, french, english, language):
    admin = make_user("admin")
    pending = make_user("contributor", status="pending")
    pending.full_name = name
    db.session.commit()
    auth.login(admin.email)
    headers = FRENCH if language == "fr" else ENGLISH
    page = text(client.post(f"/admin/users/{pending.id}/approve", headers=headers, follow_redirects=True))
    assert (french if language == "fr" else english) in page


@pytest.mark.parametrize(("name", "french"), [("Inès Bel", "La demande d'Inès Bel est refusée."),
                                               ("Paul Bel", "La demande de Paul Bel est refusée.")])
def test_the_referent_reads_the_refused_request_with_its_name_elided(client, auth, name, french):
    establishment = make_establishment()
    referent = make_user("referent", establishment)
    pending = make_user("contributor", establishment, status="pending")
    pending.full_name = name
    db.session.commit()
    auth.login(referent.email)
    page = text(client.post(f"/team/{pending.id}/reject", headers=FRENCH, follow_redirects=True))
    assert french in page


@pytest.mark.parametrize(("pending", "french", "english"), [
    (0, "0 compte en attente", "0 pending accounts"),
    (1, "1 compte en attente", "1 pending account"),
    (2, "2 comptes en attente", "2 pending accounts"),
])
def test_the_dashboard_counts_agree_with_their_nouns(client, auth, pending, french, english):
    admin = make_user("admin")
    for _ in range(pending):
        make_user("contributor", status="pending")
    db.session.commit()
    auth.login(admin.email)
    for headers, expected in ((FRENCH, french), (ENGLISH, english)):
        page = text(client.get("/admin/", headers=headers))
        number, noun = expected.split(" ", 1)
        assert re.search(rf"<strong>{number}</strong><a [^>]*>{noun}</a>", page), expected


def _share(key: str, k: int, n: int = 5, item: str = "") -> dict:
    return guide_sections.figure(key, "label", {"value": k / n, "n": n, "ci": None}, "share", item=item)


@pytest.mark.parametrize(("key", "item", "k", "french", "english"), [
    ("choose_again", "", 0, "Aucun établissement sur 5 ne la choisirait à nouveau.",
     "None of the 5 establishments would choose it again."),
    ("stop_rate", "", 0, "Aucun établissement sur 5 n'a arrêté la solution.",
     "None of the 5 establishments stopped using the solution."),
    ("missing_budget", "Budget", 0, "Aucun établissement sur 5 ne cite « Budget » comme prérequis manquant.",
     "None of the 5 establishments cites “Budget” as a missing prerequisite."),
    ("stop_cost", "Coût trop élevé", 0, "Aucun établissement sur 5 n'a arrêté pour la raison « Coût trop élevé ».",
     "None of the 5 establishments stopped for this reason: “Coût trop élevé”."),
    ("difficulty_cost", "Coût", 0, "Aucun établissement sur 5 ne cite la difficulté « Coût ».",
     "None of the 5 establishments cites the difficulty “Coût”."),
    ("gov_ethics_review", "Un avis éthique a été recueilli", 0,
     "Aucun établissement sur 5 ne répond oui à « Un avis éthique a été recueilli ».",
     "None of the 5 establishments answers yes to “Un avis éthique a été recueilli”."),
    ("choose_again", "", 1, "1 établissement sur 5 la choisirait à nouveau.",
     "1 establishment out of 5 would choose it again."),
    ("choose_again", "", 2, "2 établissements sur 5 la choisiraient à nouveau.",
     "2 establishments out of 5 would choose it again."),
    ("missing_budget", "Budget", 1, "1 établissement sur 5 cite « Budget » comme prérequis manquant.",
     "1 establishment out of 5 cites “Budget” as a missing prerequisite."),
    ("missing_budget", "Budget", 2, "2 établissements sur 5 citent « Budget » comme prérequis manquant.",
     "2 establishments out of 5 cite “Budget” as a missing prerequisite."),
    ("stop_rate", "", 1, "1 établissement sur 5 a arrêté la solution.",
     "1 establishment out of 5 stopped using the solution."),
    ("stop_cost", "Coût trop élevé", 2, "2 établissements sur 5 ont arrêté pour la raison « Coût trop élevé ».",
     "2 establishments out of 5 stopped for this reason: “Coût trop élevé”."),
    ("difficulty_cost", "Coût", 1, "1 établissement sur 5 cite la difficulté « Coût ».",
     "1 establishment out of 5 cites the difficulty “Coût”."),
    ("gov_ethics_review", "Un avis éthique a été recueilli", 2,
     "2 établissements sur 5 répondent oui à « Un avis éthique a été recueilli ».",
     "2 establishments out of 5 answer yes to “Un avis éthique a été recueilli”."),
])
def test_guide_share_sentences_agree_with_their_count(app, key, item, k, french, english):
    with force_locale("fr"):
        assert guide_sections.sentence(_share(key, k, item=item)) == french
    with force_locale("en"):
        assert guide_sections.sentence(_share(key, k, item=item)) == english


@pytest.mark.parametrize(("n", "french"), [(1, "sur 1 établissement."), (2, "sur 2 établissements.")])
def test_a_median_is_not_called_a_mean(app, n, french):
    cell = {"value": 2.0, "n": n, "ci": None}
    with force_locale("fr"):
        median = guide_sections.figure("time_saved", "Temps gagné (médiane)", cell, "median", " h")
        assert guide_sections.sentence(median) == f"Temps gagné (médiane) : 2,0{NBSP}h, {french}"
        mean = guide_sections.figure("months", "Délai", cell, "mean", " mois")
        assert guide_sections.sentence(mean) == f"Délai : 2,0{NBSP}mois en moyenne, {french}"


def _card(governance_yes: float) -> dict:
    row = {"code": "budget", "value": 0.6, "n": 5, "ci": None, "suppressed": False, "low_n": False}
    return {"establishments": {"value": 5}, "prerequisites_missing": [row],
            "difficulties": [{**row, "code": "cost"}],
            "governance": {"ethics_review": {"value": governance_yes, "n": 5, "ci": None}}}


def test_checklist_sentences_say_what_to_do_in_french_and_english(app):
    with force_locale("fr"):
        texts = [item["text"] for item in guide_sections.checklist(_card(0.2), 3)]
    assert "À prévoir : recueillir un avis éthique ; plus de la moitié des établissements ne l'avaient pas fait." \
        in texts
    assert "Avant de s'engager, vérifier ce prérequis souvent manquant : « Budget »." in texts
    assert "Anticiper une difficulté souvent rencontrée : « Coût »." in texts
    assert not any("Un avis éthique a été recueilli" in t for t in texts)  # a questionnaire statement, not advice
    with force_locale("en"):
        texts = [item["text"] for item in guide_sections.checklist(_card(0.2), 3)]
    assert "To plan: obtain an ethics review; more than half of the establishments had not done so." in texts
    with force_locale("fr"):
        assert not any("avis éthique" in item["text"] for item in guide_sections.checklist(_card(0.6), 3))


def test_a_generated_guide_states_its_median_and_nps_without_calling_them_means(app, monkeypatch):
    from app.services import guides

    monkeypatch.setattr(privacy, "scan", lambda text, not_names=(): [])
    solution = make_solution(name="Radiolys")
    for _ in range(4):
        make_report(make_user("contributor", make_establishment()), solution, "published", complete_answers())
    db.session.commit()
    with force_locale("fr"):
        guide = guides.create_guide(make_user("analyst"), solution=solution)
    benefits = next(s for s in guide.draft["sections"] if s["key"] == "benefits")["sentences"]
    assert benefits[0] == f"Temps gagné par utilisateur et par semaine (médiane) : 2,5{NBSP}h, sur 4 établissements."
    assert benefits[1].startswith("Recommandation (NPS, de −100 à +100) : ") and "en moyenne" not in benefits[1]


@pytest.mark.parametrize(("flags", "french"), [
    (0, "(0 signalement de données personnelles possibles)"),
    (1, "(1 signalement de données personnelles possibles)"),
    (2, "(2 signalements de données personnelles possibles)"),
])
def test_the_moderators_mail_counts_its_flags(app, mailbox, monkeypatch, flags, french):
    from app.models import PrivacyFlag
    from app.services import notifications

    monkeypatch.setattr(privacy, "scan", lambda text, not_names=(): [])
    make_user("moderator")
    author = make_user("contributor")
    report = make_report(author, make_solution(), "submitted", complete_answers())
    revision = report.working_revision or report.revisions[-1]
    for index in range(flags):
        db.session.add(PrivacyFlag(revision_id=revision.id, field="advice", type="PERSON", start=index, end=index + 1,
                                   status="open"))
    db.session.flush()
    db.session.refresh(revision)
    with force_locale("fr"):
        notifications.moderators_of_new_submission(report, revision)
    db.session.commit()
    assert french in mailbox[-1].body


def test_the_release_line_writes_its_date_and_threshold_in_the_readers_language(client):
    solution = make_solution(name="Radiolys")
    for _ in range(3):
        make_report(make_user("contributor", make_establishment()), solution, "published", complete_answers())
    db.session.commit()
    url = f"/statistics/solutions/{solution.id}"
    page = text(client.get(url, headers=FRENCH))
    assert re.search(r"publication statistique n° 1 du \d{1,2} [a-zéû]+ \d{4}\. Ils ne changent qu'à la publication "
                     r"suivante, quand au moins 3 établissements ont publié", page)
    assert "une valeur reposant sur moins de 3 établissements est remplacée" in page
    page = text(client.get(url, headers=ENGLISH))
    assert re.search(r"statistics release no\. 1 of [A-Z][a-z]+ \d{1,2}, \d{4}\. They change only at the next "
                     r"release, once at least 3 establishments have published", page)


@pytest.mark.parametrize(("key", "label", "item", "french"), [
    ("choose_again", "la choisiraient à nouveau", "",
     "Établissements qui la choisiraient à nouveau : effectif insuffisant pour publier ce chiffre."),
    ("gov_ethics_review", "Un avis éthique a été recueilli", "Un avis éthique a été recueilli",
     "Établissements répondant oui à « Un avis éthique a été recueilli » : effectif insuffisant pour publier ce "
     "chiffre."),
    ("sus", "Score d'utilisabilité SUS", "", "Score d'utilisabilité SUS : effectif insuffisant pour publier ce chiffre."),
])
def test_a_hidden_figure_is_said_in_a_sentence_that_reads(app, key, label, item, french):
    fig = guide_sections.figure(key, label, {"value": None, "n": None, "ci": None, "suppressed": True},
                                "mean" if key == "sus" else "share", item=item)
    with force_locale("fr"):
        assert guide_sections.sentence(fig) == french


@pytest.mark.parametrize("establishment", ["Centre hospitalier de Lyon", "Hôpital Nord", "EHPAD Les Tilleuls"])
def test_an_establishment_name_never_follows_a_bare_de_or_pour(app, mailbox, establishment):
    from app.services import notifications

    make_user("admin")
    user = make_user("contributor", make_establishment(name=establishment), status="pending")
    with force_locale("fr"):
        notifications.approvers_of_registration(user)
    db.session.commit()
    body = mailbox[-1].body
    assert f"demande un compte rattaché à l'établissement « {establishment} »." in body
    assert f"pour {establishment}" not in body and f"de {establishment}" not in body


@pytest.mark.parametrize(("name", "days", "subject", "validity"), [
    ("Agnès Roy", 1, "Retex IA : invitation d'Agnès Roy", "(valable 1 jour)"),
    ("Marc Roy", 7, "Retex IA : invitation de Marc Roy", "(valable 7 jours)"),
])
def test_an_invitation_mail_elides_its_sender_and_counts_its_days(client, auth, mailbox, name, days, subject,
                                                                  validity):
    referent = make_user("referent")
    referent.full_name = name
    db.session.commit()
    client.application.config["INVITATION_MAX_AGE"], before = days * 86400, client.application.config[
        "INVITATION_MAX_AGE"]
    try:
        auth.login(referent.email)
        client.post("/team/invite", data={"email": "collegue@hopital.test"}, headers=FRENCH)
    finally:
        client.application.config["INVITATION_MAX_AGE"] = before
    assert mailbox[-1].subject == subject
    assert validity in mailbox[-1].body
    assert "les retours d'expérience de votre établissement, Centre hospitalier d'essai" in mailbox[-1].body


@pytest.mark.parametrize(("count", "french", "english"), [
    (0, "Établissements au stade « Pilote » : aucun.", "Establishments at stage “Pilot”: none."),
    (1, "Établissements au stade « Pilote » : 1 établissement.", "Establishments at stage “Pilot”: 1 establishment."),
    (2, "Établissements au stade « Pilote » : 2 établissements.", "Establishments at stage “Pilot”: 2 establishments."),
])
def test_guide_count_sentences_agree_with_their_count(app, count, french, english):
    cell = {"value": count, "n": count, "ci": None}
    with force_locale("fr"):
        assert guide_sections.sentence(guide_sections.figure("stage_pilot", "Établissements au stade « Pilote »",
                                                             cell, "count")) == french
    with force_locale("en"):
        assert guide_sections.sentence(guide_sections.figure("stage_pilot", "Establishments at stage “Pilot”",
                                                             cell, "count")) == english
