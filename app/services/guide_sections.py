"""The eleven sections of a guide (PRODUCT §5), built from a scorecard: figures, charts and plain French."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app import questionnaire as q
from app import vocabulary as v

SECTIONS = [
    ("identity", _l("Fiche d'identité")),
    ("uses", _l("Besoins et usages observés")),
    ("regulation", _l("Cadre réglementaire et conformité observée")),
    ("evidence", _l("Preuves et performance sur le terrain")),
    ("prerequisites", _l("Prérequis techniques et intégration")),
    ("governance", _l("Gouvernance et contrôle humain")),
    ("change", _l("Conduite du changement et formation")),
    ("procurement", _l("Achat, coûts et accompagnement")),
    ("benefits", _l("Bénéfices mesurés")),
    ("monitoring", _l("Suivi après la mise en service")),
    ("advice", _l("Conseils de pairs et liste de vérification")),
]


def ordered_sections(document: dict[str, Any], include_hidden: bool = True) -> list[dict[str, Any]]:
    """The sections in the analyst's order, each numbered by its place among the shown ones (0 first, as the
    identity sheet of PRODUCT §5): the table of contents, the headings and the PDF follow the current order.
    A hidden section, listed for the editor only, has no number."""
    sections = sorted(document.get("sections", []), key=lambda s: (s.get("position", s["number"]), s["number"]))
    numbered, shown = [], 0
    for section in sections:
        visible = section.get("visible", True)
        if visible or include_hidden:
            numbered.append({**section, "number": shown if visible else None})
        shown += 1 if visible else 0
    return numbered


def _number(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def figure(key: str, label: str, cell: dict[str, Any], kind: str = "mean", scale: str = "") -> dict[str, Any]:
    return {"key": key, "label": str(label), "cell": cell, "kind": kind, "scale": scale}


def sentence(fig: dict[str, Any]) -> str:
    """One figure stated in plain French, with the establishments it rests on."""
    c, label = fig["cell"], fig["label"]
    if c["value"] is None:
        return _("%(label)s : effectif insuffisant pour publier ce chiffre.", label=label)
    n = c["n"]
    if fig["kind"] == "share":
        k = round(c["value"] * n)
        return _("%(k)d établissements sur %(n)d : %(label)s.", k=k, n=n, label=label)
    if fig["kind"] == "count":
        return ngettext("%(label)s : %(num)d établissement.", "%(label)s : %(num)d établissements.", c["value"],
                        label=label)
    interval = ""
    if c.get("ci"):
        interval = _(" (IC 95 %% : %(low)s à %(high)s)", low=_number(c["ci"][0]), high=_number(c["ci"][1]))
    return _("%(label)s : %(value)s%(scale)s en moyenne%(interval)s, sur %(n)d établissements.", label=label,
             value=_number(c["value"]), scale=fig["scale"], interval=interval, n=n)


def most_cited(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a reader may see, most cited first: hidden rows are left out, so that neither their place nor
    their presence says anything."""
    return sorted((row for row in rows if row["value"] is not None), key=lambda row: (-row["value"], row["code"]))


def _shares(rows: list[dict[str, Any]], vocabulary: dict, template: str, prefix: str, limit: int = 5
            ) -> list[dict[str, Any]]:
    figures = []
    for row in most_cited(rows)[:limit]:
        label = template % {"item": vocabulary.get(row["code"], row["code"])}
        # Prefixed: a code such as "cost" is both a difficulty and a reason for stopping.
        cell = {k: row[k] for k in ("value", "n", "ci", "suppressed", "low_n")}
        figures.append(figure(f"{prefix}_{row['code']}", label, cell, "share"))
    return figures


def build_sections(card: dict[str, Any], subject: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections with their figures (cells of the statistics service), charts and generated sentences."""
    ratings = card["ratings"]
    gov = card["governance"]
    rating = lambda code, scale=_(" sur 5"): figure(f"rating_{code}", q.RATINGS[code], ratings[code], "mean", scale)  # noqa: E731
    governance = lambda code: figure(f"gov_{code}", q.GOVERNANCE[code], gov[code], "share")  # noqa: E731
    content: dict[str, dict[str, Any]] = {
        "identity": {"figures": [figure("establishments", _l("Établissements ayant publié un retour"),
                                        card["establishments"], "count")],
                     "declared": subject.get("declared", [])},
        "uses": {"figures": [figure(f"stage_{row['stage']}", _("Établissements au stade « %(stage)s »",
                                                               stage=q.STAGES[row["stage"]]),
                                    {k: row[k] for k in ("value", "n", "ci", "suppressed", "low_n")}, "count")
                             for row in card["stages"]],
                 "charts": [{"type": "count_bars", "title": str(_l("Établissements par stade de déploiement")),
                             "rows": [[str(q.STAGES[row["stage"]]), row] for row in card["stages"]]}]},
        "regulation": {"figures": [governance(c) for c in ("dpo_consulted", "device_status_known", "patients_informed",
                                                           "ethics_review")]},
        "evidence": {"figures": [rating("reliability"), rating("usefulness"),
                                 figure("choose_again", _l("la choisiraient à nouveau"), card["choose_again"], "share")],
                     "charts": [{"type": "mean_bars",
                                 "title": str(_l("Évaluations moyennes (1 à 5) et leur intervalle de confiance")),
                                 "low": 1, "high": 5,
                                 "rows": [[str(label), ratings[code]] for code, label in q.RATINGS.items()]}]},
        "prerequisites": {"figures": [figure("months_to_golive", _l("Délai de mise en service"),
                                             card["months_to_golive"], "mean", _(" mois")),
                                      figure("integration_effort", _l("Effort d'intégration"),
                                             card["integration_effort"], "mean", _(" sur 5"))]
                          + _shares(card["prerequisites_missing"], q.PREREQUISITES,
                                    str(_l("citent « %(item)s » comme prérequis manquant")), "missing")},
        "governance": {"figures": [governance(c) for c in ("human_oversight", "performance_monitored",
                                                           "incident_route_known", "users_trained")]},
        "change": {"figures": [rating("training_quality"), rating("ease_of_use"),
                               figure("sus", _l("Score d'utilisabilité SUS"), card["sus"], "mean", _(" sur 100"))]},
        "procurement": {"figures": [rating("vendor_support"), rating("value_for_money")]},
        "benefits": {"figures": [figure("time_saved", _l("Temps gagné par utilisateur et par semaine (médiane)"),
                                        card["time_saved"]["per_user_week"]["median"], "mean", _(" h")),
                                 figure("nps", _l("Recommandation (NPS, de −100 à +100)"), card["nps"], "mean")]},
        "monitoring": {"figures": [figure("stop_rate", _l("ont arrêté la solution"), card["stop_rate"], "share")]
                       + _shares(card["stop_reasons"], q.STOP_REASONS, str(_l("ont arrêté pour « %(item)s »")), "stop")
                       + _shares(card["difficulties"], q.DIFFICULTIES, str(_l("citent la difficulté « %(item)s »")),
                                 "difficulty")},
        "advice": {"figures": []},
    }
    sections = []
    for position, (key, title) in enumerate(SECTIONS):
        body = content[key]
        sections.append({
            "key": key, "number": position, "title": str(title), "visible": True, "position": position,
            "narrative": "", "figures": body["figures"], "charts": body.get("charts", []),
            "declared": body.get("declared", []),
            "sentences": [sentence(f) for f in body["figures"]],
        })
    return sections


def support_level(k: int, n: int, minimum: int) -> dict[str, Any]:
    """How strongly the establishments back a recommendation: how many, and how consistently."""
    share = k / n if n else 0.0
    if k >= 10 and share >= 0.5:
        level, label = 3, _("solide")
    elif k >= minimum and share >= 0.25:
        level, label = 2, _("modérée")
    else:
        level, label = 1, _("limitée")
    return {"establishments": k, "of": n, "share": round(share, 3), "level": level, "label": label}


def checklist(card: dict[str, Any], minimum: int) -> list[dict[str, Any]]:
    """Recommendations drawn from what establishments lacked, struggled with, or did not put in place."""
    n = card["establishments"]["value"] or 0
    items = []
    for row in most_cited(card["prerequisites_missing"])[:4]:
        if row["value"] is not None:
            k = round(row["value"] * row["n"])
            items.append({"text": _("Vérifier avant de s'engager : %(item)s.", item=q.PREREQUISITES.get(row["code"],
                                                                                                     row["code"])),
                          "support": support_level(k, row["n"], minimum)})
    for row in most_cited(card["difficulties"])[:3]:
        if row["value"] is not None:
            k = round(row["value"] * row["n"])
            items.append({"text": _("Anticiper la difficulté : %(item)s.", item=q.DIFFICULTIES.get(row["code"],
                                                                                                 row["code"])),
                          "support": support_level(k, row["n"], minimum)})
    for code, c in card["governance"].items():
        if c["value"] is not None and c["value"] < 0.5:
            k = round((1 - c["value"]) * c["n"])
            items.append({"text": _("Prévoir ce que beaucoup n'ont pas fait : %(item)s.", item=q.GOVERNANCE[code]),
                          "support": support_level(k, c["n"], minimum)})
    if not n:
        return []
    return sorted(items, key=lambda item: (-item["support"]["level"], -item["support"]["establishments"]))


def declared_fields(solution) -> list[dict[str, str]]:
    """The identity sheet's vendor-declared fields, as text (labelled "déclaré par l'éditeur" on display)."""
    if solution is None:
        return []
    return [
        {"label": str(_l("Éditeur")), "value": solution.vendor, "declared": False},
        {"label": str(_l("Usage prévu")), "value": solution.intended_use or "—", "declared": True},
        {"label": str(_l("Utilisateurs visés")), "value": solution.target_users or "—", "declared": True},
        {"label": str(_l("Statut de dispositif médical")), "value": v.label(v.DEVICE_CLASSES, solution.device_class),
         "declared": True},
        {"label": str(_l("Niveau de risque AI Act")), "value": v.label(v.AI_ACT_RISKS, solution.ai_act_risk),
         "declared": True},
        {"label": str(_l("Hébergements proposés")),
         "value": ", ".join(v.label(v.HOSTING_OPTIONS, c) for c in solution.hosting_options) or "—", "declared": True},
    ]
