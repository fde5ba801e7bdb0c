"""Demonstration guides: published by the demo analyst from the fictional reports' facts.

A guide for each of the solutions reported on by the most establishments and for each category whose
facts cover enough establishments, with a short narrative in a few sections and one or two quotes; two
of them get a second version (a narrative edited), so that version history and change logs can be shown.
Loading twice adds nothing: nothing is done once any guide exists.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.demo.mix import DEMO_DOMAIN
from app.extensions import db
from app.models import Category, Guide, ReportFact, Solution, User
from app.services import guides as service

ANALYST_EMAIL = f"analyst@{DEMO_DOMAIN}"
TOP_SOLUTIONS = 5
MIN_CATEGORY_ESTABLISHMENTS = 10
SECOND_VERSIONS = 2
MAX_QUOTES = 2

# Narratives in Markdown, by section key: generic advice that holds for any solution or category.
PREREQUISITES = """Avant de signer, les établissements dont le déploiement s'est bien passé ont vérifié trois points :

- **l'intégration** avec le dossier patient, le PACS ou le système du laboratoire, testée sur des données
  réelles et non sur une démonstration de l'éditeur ;
- **l'hébergement** : certification HDS du prestataire, lieu de stockage des données et réversibilité
  prévue au contrat ;
- **le temps des équipes** : un référent métier et un référent informatique nommés, avec du temps dégagé
  pour le projet.

Le délai de mise en service dépasse souvent celui qui était annoncé : prévoyez une marge dans le calendrier."""

TRAINING = """La formation est le facteur de réussite que les pairs citent le plus souvent. Elle ne se résume pas
à une présentation de l'outil :

1. former d'abord un petit groupe d'utilisateurs pilotes, qui accompagneront ensuite leurs collègues ;
2. expliquer ce que l'outil ne sait pas faire, et dans quels cas ne pas suivre sa proposition ;
3. prévoir une session de rappel quelques semaines après la mise en service, quand les premières
   questions de terrain sont apparues.

Les nouveaux arrivants (internes, intérimaires, remplaçants) doivent trouver cette formation dans leur
parcours d'accueil."""

TRAINING_UPDATE = """

**Ajouté dans la version 2 :** plusieurs établissements recommandent de mesurer l'usage réel (connexions,
propositions acceptées ou écartées) à un, trois et six mois, pour repérer tôt les services où l'outil est
contourné et y reprendre la formation."""

GOVERNANCE = """Un contrôle humain réel suppose que l'utilisateur garde la décision et sache comment signaler une
erreur. Les établissements les plus avancés ont désigné un responsable du suivi de l'outil, défini un
circuit de déclaration des incidents et informé les patients de l'usage de leurs données.

Associez le délégué à la protection des données dès le choix de la solution, et non au moment de la
signature : les analyses d'impact demandent du temps."""


def _analyst() -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == ANALYST_EMAIL))


def _subjects() -> list[Solution | Category]:
    """The solutions with the most establishments, then the categories with enough of them."""
    establishments = sa.func.count(sa.distinct(ReportFact.establishment_id))
    top = db.session.scalars(
        sa.select(ReportFact.solution_id).join(Solution, Solution.id == ReportFact.solution_id)
        .where(Solution.archived.is_(False), Solution.is_fictional.is_(True))
        .group_by(ReportFact.solution_id).order_by(establishments.desc(), ReportFact.solution_id)
        .limit(TOP_SOLUTIONS)).all()
    solutions = {s.id: s for s in db.session.scalars(sa.select(Solution).where(Solution.id.in_(top)))}
    wide = sa.select(ReportFact.category_id).group_by(ReportFact.category_id).having(
        establishments >= MIN_CATEGORY_ESTABLISHMENTS)
    categories = db.session.scalars(sa.select(Category).where(Category.id.in_(wide))
                                    .order_by(Category.position, Category.id)).all()
    # A guide reads its subject's statistics release: only categories whose release visitors can read.
    from app.services import releases

    readable = [c for c in categories
                if not releases.visitor_scorecard(releases.category_scope(c.id)).get("suppressed", True)]
    return [solutions[solution_id] for solution_id in top] + readable


def _add_quotes(guide: Guide, analyst: User) -> None:
    """One or two quotes, advice first (a few candidates only: each costs queries)."""
    candidates = service.quote_candidates(guide, limit=6)
    candidates.sort(key=lambda c: (c["field"] != "advice", -c["report_id"]))
    chosen = candidates[:1] + [c for c in candidates[1:] if c["report_id"] != candidates[0]["report_id"]][:1]
    for candidate in chosen[:MAX_QUOTES]:
        service.add_quote(guide, candidate["report_id"], candidate["field"], analyst)


def _publish(guide: Guide, analyst: User) -> None:
    service.publish(guide, analyst)
    # publish() adds the version by its guide id: reload the collection before the next number is taken.
    db.session.expire(guide, ["versions"])


def load_demo_guides() -> int:
    """Create and publish the demonstration guides unless a guide exists; returns how many were created.
    Flushes; the caller commits."""
    if db.session.scalar(sa.select(Guide.id).limit(1)) is not None:
        return 0
    analyst = _analyst()
    if analyst is None:
        return 0
    created = 0
    for subject in _subjects():
        is_solution = isinstance(subject, Solution)
        guide = service.create_guide(analyst, solution=subject) if is_solution else service.create_guide(
            analyst, category=subject)
        narratives = {"prerequisites": PREREQUISITES, "change": TRAINING}
        if not is_solution:
            narratives["governance"] = GOVERNANCE
        service.update_sections(guide, {key: {"narrative": text} for key, text in narratives.items()}, analyst)
        _add_quotes(guide, analyst)
        _publish(guide, analyst)
        if created < SECOND_VERSIONS:
            service.update_sections(guide, {"change": {"narrative": TRAINING + TRAINING_UPDATE}}, analyst)
            _publish(guide, analyst)
        created += 1
    db.session.flush()
    return created
