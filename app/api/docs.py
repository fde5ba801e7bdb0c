"""The API's documentation page, rendered on the server from the OpenAPI description (no script, no CDN)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from app.api.blueprint import pages, rate_limit
from app.extensions import limiter
from app.services import stats

METHODS = ("get", "post", "put", "patch", "delete")


def _status_labels() -> dict[str, str]:
    # The description's response texts are HTTP's English phrases: the page says them in French.
    return {"200": _("Succès"), "400": _("Paramètres invalides"), "401": _("Jeton invalide ou révoqué"),
            "404": _("Introuvable (ou solution archivée)"), "405": _("Méthode non autorisée"),
            "429": _("Trop de requêtes"), "default": _("Autre erreur (JSON : code et message)")}


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref ("#/components/responses/NOT_FOUND") once."""
    ref = item.get("$ref")
    if not ref or not ref.startswith("#/"):
        return item
    target: Any = spec
    for part in ref[2:].split("/"):
        target = target.get(part, {})
    return target


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "")
    if "enum" in schema:
        return f"{kind} ({' | '.join(str(v) for v in schema['enum'])})"
    bounds = [f"{label} {schema[key]}" for key, label in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", _("longueur ≤")))
              if key in schema]
    return " ".join([kind, *bounds])


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each documented operation as plain values for the template."""
    result = []
    for path, path_item in spec.get("paths", {}).items():
        shared = path_item.get("parameters", [])
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            parameters = [_resolve(spec, p) for p in [*shared, *operation.get("parameters", [])]]
            responses = {code: _resolve(spec, response) for code, response in operation.get("responses", {}).items()}
            result.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [{"name": p.get("name"), "in": p.get("in"), "required": p.get("required", False),
                                "type": _schema_type(p.get("schema", {})), "description": p.get("description", "")}
                               for p in parameters],
                "responses": [{"code": code, "description": _status_labels().get(code, response.get("description", ""))}
                              for code, response in sorted(responses.items(), key=lambda item: (item[0] == "default",
                                                                                                 item[0]))],
            })
    return result


@pages.route("/api/v1/docs")
@limiter.limit(rate_limit)
def docs():
    from app.extensions import api

    spec = api.spec.to_dict()
    return render_template("api/docs.html", spec=spec, operations=operations(spec), minimum=stats.minimum())
