"""The eleven sections of a guide (PRODUCT §5), built from a scorecard: figures, charts and plain French."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app import questionnaire as q
from app import vocabulary as v
from app.services import numbers

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


def figure(key: str, label: str, cell: dict[str, Any], kind: str = "mean", scale: str = "", item: str = ""
           ) -> dict[str, Any]:
    """A figure of a section. `kind`: mean, median, score (a value stated as it is, such as the NPS), share or
    count; `item` is the answer a share counts (a prerequisite, a difficulty…), for its sentence."""
    return {"key": key, "label": str(label), "cell": cell, "kind": kind, "scale": scale, "item": str(item)}


def _none_sentence(key: str, n: int, item: str) -> str:
    """ "Aucun établissement sur 5 ne cite…": what a French writer writes rather than "0 établissement cite"."""
    if key == "choose_again":
        return _("Aucun établissement sur %(n)d ne la choisirait à nouveau.", n=n)
    if key == "stop_rate":
        return _("Aucun établissement sur %(n)d n'a arrêté la solution.", n=n)
    if key.startswith("missing_"):
        return _("Aucun établissement sur %(n)d ne cite « %(item)s » comme prérequis manquant.", n=n, item=item)
    if key.startswith("stop_"):
        return _("Aucun établissement sur %(n)d n'a arrêté pour la raison « %(item)s ».", n=n, item=item)
    if key.startswith("difficulty_"):
        return _("Aucun établissement sur %(n)d ne cite la difficulté « %(item)s ».", n=n, item=item)
    return _("Aucun établissement sur %(n)d ne répond oui à « %(item)s ».", n=n, item=item)


def _share_sentence(key: str, k: int, n: int, item: str) -> str:
    """ "3 établissements sur 5 citent…", "1 établissement sur 5 cite…": the verb agrees with the count."""
    if k == 0:
        return _none_sentence(key, n, item)
    if key == "choose_again":
        return ngettext("%(num)d établissement sur %(n)d la choisirait à nouveau.",
                        "%(num)d établissements sur %(n)d la choisiraient à nouveau.", k, n=n)
    if key == "stop_rate":
        return ngettext("%(num)d établissement sur %(n)d a arrêté la solution.",
                        "%(num)d établissements sur %(n)d ont arrêté la solution.", k, n=n)
    if key.startswith("missing_"):
        return ngettext("%(num)d établissement sur %(n)d cite « %(item)s » comme prérequis manquant.",
                        "%(num)d établissements sur %(n)d citent « %(item)s » comme prérequis manquant.", k, n=n,
                        item=item)
    if key.startswith("stop_"):
        return ngettext("%(num)d établissement sur %(n)d a arrêté pour la raison « %(item)s ».",
                        "%(num)d établissements sur %(n)d ont arrêté pour la raison « %(item)s ».", k, n=n, item=item)
    if key.startswith("difficulty_"):
        return ngettext("%(num)d établissement sur %(n)d cite la difficulté « %(item)s ».",
                        "%(num)d établissements sur %(n)d citent la difficulté « %(item)s ».", k, n=n, item=item)
    return ngettext("%(num)d établissement sur %(n)d répond oui à « %(item)s ».",
                    "%(num)d établissements sur %(n)d répondent oui à « %(item)s ».", k, n=n, item=item)


def sentence(fig: dict[str, Any]) -> str:
    """One figure stated as a French writer would, with the establishments it rests on."""
    c, label = fig["cell"], fig["label"]
    if c["value"] is None:
        if fig["kind"] == "share" and fig["key"].startswith("gov_"):
            return _("Établissements répondant oui à « %(item)s » : effectif insuffisant pour publier ce chiffre.",
                     item=fig.get("item") or label)
        if fig["kind"] == "share":  # its label is what they did: "la choisiraient à nouveau"
            return _("Établissements qui %(label)s : effectif insuffisant pour publier ce chiffre.", label=label)
        return _("%(label)s : effectif insuffisant pour publier ce chiffre.", label=label)
    n = c["n"]
    if fig["kind"] == "share":
        return _share_sentence(fig["key"], round(c["value"] * n), n, fig.get("item") or label)
    if fig["kind"] == "count" and not c["value"]:
        return _("%(label)s : aucun.", label=label)
    if fig["kind"] == "count":
        return ngettext("%(label)s : %(num)d établissement.", "%(label)s : %(num)d établissements.", c["value"],
                        label=label)
    value = numbers.with_unit(numbers.decimal(c["value"]), fig["scale"])
    interval = ""
    if c.get("ci"):
        interval = _(" (IC 95 %% : %(low)s à %(high)s)", low=numbers.decimal(c["ci"][0]),
                     high=numbers.decimal(c["ci"][1]))
    if fig["kind"] == "mean":
        return ngettext("%(label)s : %(value)s en moyenne%(interval)s, sur %(num)d établissement.",
                        "%(label)s : %(value)s en moyenne%(interval)s, sur %(num)d établissements.", n,
                        label=label, value=value, interval=interval)
    # A median or a score is not a mean: stated as it is, its label says what it is.
    return ngettext("%(label)s : %(value)s%(interval)s, sur %(num)d établissement.",
                    "%(label)s : %(value)s%(interval)s, sur %(num)d établissements.", n,
                    label=label, value=value, interval=interval)


def most_cited(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a reader may see, most cited first: hidden rows are left out, so that neither their place nor
    their presence says anything."""
    return sorted((row for row in rows if row["value"] is not None), key=lambda row: (-row["value"], row["code"]))


def _shares(rows: list[dict[str, Any]], vocabulary: dict, template: str, prefix: str, limit: int = 5
            ) -> list[dict[str, Any]]:
    figures = []
    for row in most_cited(rows)[:limit]:
        item = str(vocabulary.get(row["code"], row["code"]))
        label = template % {"item": item}
        # Prefixed: a code such as "cost" is both a difficulty and a reason for stopping.
        cell = {k: row[k] for k in ("value", "n", "ci", "suppressed", "low_n")}
        figures.append(figure(f"{prefix}_{row['code']}", label, cell, "share", item=item))
    return figures


def build_sections(card: dict[str, Any], subject: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections with their figures (cells of the statistics service), charts and generated sentences."""
    ratings = card["ratings"]
    gov = card["governance"]
    rating = lambda code, scale=_(" sur 5"): figure(f"rating_{code}", q.RATINGS[code], ratings[code], "mean", scale)  # noqa: E731
    governance = lambda code: figure(f"gov_{code}", q.GOVERNANCE[code], gov[code], "share",  # noqa: E731
                                     item=q.GOVERNANCE[code])  # noqa: E731
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
                                        card["time_saved"]["per_user_week"]["median"], "median", _(" h")),
                                 figure("nps", _l("Recommandation (NPS, de −100 à +100)"), card["nps"], "score")]},
        "monitoring": {"figures": [figure("stop_rate", _l("ont arrêté la solution"), card["stop_rate"], "share")]
                       + _shares(card["stop_reasons"], q.STOP_REASONS, str(_l("ont arrêté pour « %(item)s »")), "stop")
                       + _shares(card["difficulties"], q.DIFFICULTIES, str(_l("citent la difficulté « %(item)s »")),
                                 "difficulty")},
        "advice": {"figures": []},
    }
    content["monitoring"]["figures"] += _alert_figures(subject.get("alerts"))
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


def _alert_figures(alerts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The counts of ethics alerts by category, from the release's protected table."""
    if not alerts:
        return []
    cells = lambda c: {k: c[k] for k in ("value", "n", "ci", "suppressed", "low_n")}  # noqa: E731
    return [figure("alerts", _l("Établissements ayant signalé un problème éthique ou de sécurité"),
                   cells(alerts["establishments"]), "count")] + [
        figure(f"alerts_{row['code']}", _("Établissements ayant signalé « %(item)s »",
                                          item=v.ALERT_CATEGORIES[row["code"]]), cells(row), "count")
        for row in alerts["categories"] if row["code"] in v.ALERT_CATEGORIES]


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


# What an establishment does to put each governance item in place, for the checklist ("recueillir un avis éthique").
GOVERNANCE_ACTIONS = {
    "users_trained": _l("former les utilisateurs à l'IA"),
    "human_oversight": _l("mettre en place une procédure de contrôle humain des résultats"),
    "patients_informed": _l("informer les patients de l'usage de l'IA"),
    "dpo_consulted": _l("consulter le DPO et réaliser une analyse d'impact (AIPD)"),
    "ethics_review": _l("recueillir un avis éthique"),
    "performance_monitored": _l("suivre la performance après la mise en service"),
    "device_status_known": _l("faire connaître aux utilisateurs le statut de dispositif médical"),
    "incident_route_known": _l("faire connaître le circuit de déclaration des incidents"),
}


def checklist(card: dict[str, Any], minimum: int) -> list[dict[str, Any]]:
    """Recommendations drawn from what establishments lacked, struggled with, or did not put in place."""
    n = card["establishments"]["value"] or 0
    items = []
    for row in most_cited(card["prerequisites_missing"])[:4]:
        if row["value"] is not None:
            k = round(row["value"] * row["n"])
            items.append({"text": _("Avant de s'engager, vérifier ce prérequis souvent manquant : « %(item)s ».",
                                    item=q.PREREQUISITES.get(row["code"], row["code"])),
                          "support": support_level(k, row["n"], minimum)})
    for row in most_cited(card["difficulties"])[:3]:
        if row["value"] is not None:
            k = round(row["value"] * row["n"])
            items.append({"text": _("Anticiper une difficulté souvent rencontrée : « %(item)s ».",
                                    item=q.DIFFICULTIES.get(row["code"], row["code"])),
                          "support": support_level(k, row["n"], minimum)})
    for code, c in card["governance"].items():
        if c["value"] is not None and c["value"] < 0.5:
            k = round((1 - c["value"]) * c["n"])
            items.append({"text": _("À prévoir : %(action)s ; plus de la moitié des établissements ne l'avaient pas "
                                    "fait.", action=GOVERNANCE_ACTIONS.get(code, q.GOVERNANCE.get(code, code))),
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
