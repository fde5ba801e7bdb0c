"""What the read API accepts and returns, described once for validation, dumping and the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.services.stats import SEGMENT_DIMENSIONS
from app.views_common import MAX_PAGE

MAX_PER_PAGE = 100

# Parameter errors are shown to people: French messages rather than marshmallow's English defaults.
_NOT_AN_INTEGER = "Nombre entier attendu."
_INTEGER_ERRORS = {"invalid": _NOT_AN_INTEGER, "too_large": _NOT_AN_INTEGER}


class Measure(fields.Float):
    """A figure as computed: counts stay integers in JSON, means and shares are decimals."""

    def _format_num(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return float(value)


# Errors -------------------------------------------------------------------------------------------------

class ErrorSchema(Schema):
    code = fields.Str(required=True, metadata={"description": "Code stable de l'erreur (not_found, bad_request…)",
                                                "example": "not_found"})
    message = fields.Str(required=True, metadata={"description": "Message en français"})
    errors = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                         metadata={"description": "Paramètres refusés et raisons"})


# Parameters ---------------------------------------------------------------------------------------------

class PageArgsSchema(Schema):
    page = fields.Int(load_default=1, error_messages=_INTEGER_ERRORS,
                      validate=validate.Range(1, MAX_PAGE, error=f"Page entre 1 et {MAX_PAGE}."),
                      metadata={"description": "Numéro de page (à partir de 1)"})
    per_page = fields.Int(load_default=20, error_messages=_INTEGER_ERRORS,
                          validate=validate.Range(1, MAX_PER_PAGE,
                                                  error=f"Nombre d'éléments par page entre 1 et {MAX_PER_PAGE}."),
                          metadata={"description": f"Éléments par page (au plus {MAX_PER_PAGE})"})


class SolutionArgsSchema(PageArgsSchema):
    category = fields.Str(validate=validate.Regexp(r"^[a-z0-9-]{0,64}$",
                                                   error="Identifiant de catégorie invalide (slug attendu)."),
                          metadata={"description": "Slug de la catégorie (voir /categories)"})
    q = fields.Str(validate=validate.Length(max=200, error="Recherche limitée à 200 caractères."),
                   metadata={"description": "Recherche dans le nom, l'éditeur et la description"})


class ScorecardArgsSchema(Schema):
    segment = fields.Str(validate=validate.OneOf(SEGMENT_DIMENSIONS,
                                                 error="Segment inconnu : " + ", ".join(SEGMENT_DIMENSIONS) + "."),
                         metadata={"description": "Dimension de segmentation ; ignorée sans `value`"})
    value = fields.Str(validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,40}$",
                                                error="Valeur de segment invalide (40 caractères au plus : "
                                                      "lettres, chiffres, « _ », « - », « . »)."),
                       metadata={"description": "Valeur du segment (code : région, type d'établissement…) ; "
                                                "ignorée sans `segment`"})


# Catalogue ----------------------------------------------------------------------------------------------

def _page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Int(required=True),
        "per_page": fields.Int(required=True),
        "total": fields.Int(required=True),
        "pages": fields.Int(required=True),
    }, name=name)


class CategoryRefSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)


class CategorySchema(CategoryRefSchema):
    name_en = fields.Str(required=True)
    description = fields.Str(required=True)
    solutions = fields.Int(required=True, metadata={"description": "Solutions non archivées de la catégorie"})


class SolutionLinksSchema(Schema):
    self = fields.Str(required=True)
    scorecard = fields.Str(required=True)


class SolutionSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    vendor = fields.Str(required=True)
    category = fields.Nested(CategoryRefSchema, required=True)
    short_description = fields.Str(required=True)
    device_class = fields.Str(required=True)
    ai_act_risk = fields.Str(required=True)
    hosting = fields.List(fields.Str(), required=True)
    integrations = fields.List(fields.Str(), required=True)
    sectors = fields.List(fields.Str(), required=True)
    vendor_declared = fields.List(fields.Str(), required=True,
                                  metadata={"description": "Champs déclarés par l'éditeur, non vérifiés"})
    is_fictional = fields.Bool(required=True)
    links = fields.Nested(SolutionLinksSchema, required=True)


class SolutionDetailSchema(SolutionSchema):
    intended_use = fields.Str(required=True)
    target_users = fields.Str(required=True)
    ce_marked = fields.Bool(required=True, allow_none=True)
    website = fields.Str(required=True, allow_none=True)


SolutionPageSchema = _page_of(SolutionSchema, "SolutionPage")
CategoryPageSchema = _page_of(CategorySchema, "CategoryPage")


# Statistics ---------------------------------------------------------------------------------------------

class CellSchema(Schema):
    """A figure and the number of establishments it rests on. Suppressed cells carry no value, n nor ci."""

    value = Measure(required=True, allow_none=True)
    n = fields.Int(required=True, allow_none=True, metadata={"description": "Établissements (null si masqué)"})
    ci = fields.List(Measure(), required=True, allow_none=True,
                     metadata={"description": "Intervalle de confiance à 95 % [bas, haut]"})
    suppressed = fields.Bool(required=True, metadata={"description": "Masqué par le secret statistique"})
    low_n = fields.Bool(required=True, metadata={"description": "Moins d'établissements que le minimum"})


class StageCellSchema(CellSchema):
    stage = fields.Str(required=True)


class QuarterCellSchema(CellSchema):
    quarter = fields.Str(required=True)


class CodeCellSchema(CellSchema):
    code = fields.Str(required=True)
    count = fields.Int(required=True, allow_none=True, metadata={"description": "Établissements (null si masqué)"})


class SolutionCellSchema(CellSchema):
    solution_id = fields.Int(required=True)


class QuartilesSchema(Schema):
    median = fields.Nested(CellSchema, required=True)
    q1 = fields.Nested(CellSchema, required=True)
    q3 = fields.Nested(CellSchema, required=True)


class IntegrationSchema(Schema):
    system = fields.Str(required=True)
    establishments = fields.Nested(CellSchema, required=True)
    effort = fields.Nested(CellSchema, required=True)
    success = fields.Nested(CellSchema, required=True)


class FreshnessSchema(Schema):
    median_age_months = fields.Nested(CellSchema, required=True, metadata={
        "description": "Âge médian, en mois entiers, du dernier retour de chaque établissement"})
    older_18m = fields.Nested(CellSchema, required=True, metadata={
        "description": "Part des établissements dont le dernier retour a plus de 18 mois"})


class SegmentSchema(Schema):
    dimension = fields.Str(required=True)
    value = fields.Str(required=True)


def _cells() -> fields.Dict:
    return fields.Dict(keys=fields.Str(), values=fields.Nested(CellSchema), required=True)


class ReleaseSchema(Schema):
    number = fields.Int(required=True, metadata={"description": "Numéro de la publication statistique"})
    date = fields.Str(required=True, metadata={"description": "Date de la publication (AAAA-MM-JJ)"})


class ScorecardSchema(Schema):
    solution_id = fields.Int(required=True)
    release = fields.Nested(ReleaseSchema, allow_none=True,
                            metadata={"description": "Publication lue (visiteurs) ; absente pour les analystes"})
    segment = fields.Nested(SegmentSchema, required=True, allow_none=True)
    min_establishments = fields.Int(required=True)
    suppressed = fields.Bool(required=True, metadata={"description": "Toute la fiche est masquée"})
    establishments = fields.Nested(CellSchema, required=True)
    reports = fields.Nested(CellSchema, required=True)
    stages = fields.List(fields.Nested(StageCellSchema), required=True)
    stop_rate = fields.Nested(CellSchema, required=True)
    adoption = fields.List(fields.Nested(QuarterCellSchema), required=True)
    ratings = _cells()
    sus = fields.Nested(CellSchema, required=True)
    sus_benchmarks = fields.Dict(keys=fields.Str(), values=fields.Float(), required=True)
    nps = fields.Nested(CellSchema, required=True)
    choose_again = fields.Nested(CellSchema, required=True)
    months_to_golive = fields.Nested(CellSchema, required=True)
    integration_effort = fields.Nested(CellSchema, required=True)
    time_saved = fields.Dict(keys=fields.Str(), values=fields.Nested(QuartilesSchema), required=True)
    prerequisites_met = fields.List(fields.Nested(CodeCellSchema), required=True)
    prerequisites_missing = fields.List(fields.Nested(CodeCellSchema), required=True)
    difficulties = fields.List(fields.Nested(CodeCellSchema), required=True)
    stop_reasons = fields.List(fields.Nested(CodeCellSchema), required=True)
    governance = _cells()
    integration = fields.List(fields.Nested(IntegrationSchema), required=True)
    freshness = fields.Nested(FreshnessSchema, metadata={
        "description": "Ancienneté des retours (absente des publications antérieures à son introduction)"})


class ObservatoryCategorySchema(Schema):
    establishments = fields.Nested(CellSchema, required=True)
    stop_rate = fields.Nested(CellSchema, required=True)
    by_region = _cells()
    by_type = _cells()
    by_quarter = fields.List(fields.Nested(QuarterCellSchema), required=True)


class ObservatorySchema(Schema):
    min_establishments = fields.Int(required=True)
    release = fields.Nested(ReleaseSchema, allow_none=True)
    establishments = fields.Nested(CellSchema, required=True, metadata={
        "description": "Établissements des catégories publiées (sans jeton d'analyste ; tous avec)"})
    stop_rate = fields.Nested(CellSchema, required=True, metadata={
        "description": "Part ayant arrêté au moins une solution, parmi les établissements des catégories dont le "
                       "taux d'arrêt est publié (sans jeton d'analyste ; tous avec)"})
    categories = fields.Dict(keys=fields.Str(), values=fields.Nested(ObservatoryCategorySchema), required=True,
                             metadata={"description": "Par identifiant de catégorie"})
    most_deployed = fields.List(fields.Nested(SolutionCellSchema), required=True)


# Guides -------------------------------------------------------------------------------------------------

class GuideArgsSchema(PageArgsSchema):
    category = fields.Str(validate=validate.Regexp(r"^[a-z0-9-]{0,64}$",
                                                   error="Identifiant de catégorie invalide (slug attendu)."),
                          metadata={"description": "Slug de la catégorie (voir /categories) : guides de la "
                                                   "catégorie et de ses solutions"})


class GuideSubjectSchema(Schema):
    type = fields.Str(required=True, validate=validate.OneOf(("solution", "category")))
    id = fields.Int(required=True)
    name = fields.Str(required=True)


class GuideVersionLinksSchema(Schema):
    html = fields.Str(required=True, metadata={"description": "Page de la version (URL absolue)"})
    pdf = fields.Str(required=True, metadata={"description": "PDF de la version (URL absolue)"})


class GuideVersionSchema(Schema):
    number = fields.Int(required=True)
    title = fields.Str(required=True)
    published_at = fields.DateTime(required=True)
    report_count = fields.Int(required=True, metadata={"description": "Retours publiés sur lesquels reposent "
                                                                      "les chiffres de la version"})
    links = fields.Nested(GuideVersionLinksSchema, required=True)


class GuideLinksSchema(Schema):
    self = fields.Str(required=True)
    html = fields.Str(required=True, metadata={"description": "Page de la dernière version (URL absolue)"})


class GuideSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    subject = fields.Nested(GuideSubjectSchema, required=True)
    latest_version = fields.Int(required=True, metadata={"description": "Numéro de la dernière version publiée"})
    versions = fields.List(fields.Nested(GuideVersionSchema), required=True,
                           metadata={"description": "Versions publiées, de la première à la dernière"})
    links = fields.Nested(GuideLinksSchema, required=True)


class GuideFigureSchema(Schema):
    key = fields.Str(required=True)
    label = fields.Str(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(("mean", "median", "score", "share", "count")),
                      metadata={"description": "Moyenne, médiane, score (le NPS), part ou nombre d'établissements"})
    scale = fields.Str(required=True, metadata={"description": "Unité affichée après la valeur (« sur 5 », « mois »…)"})
    cell = fields.Nested(CellSchema, required=True)


class GuideSectionSchema(Schema):
    key = fields.Str(required=True)
    number = fields.Int(required=True)
    title = fields.Str(required=True)
    figures = fields.List(fields.Nested(GuideFigureSchema), required=True)
    sentences = fields.List(fields.Str(), required=True, metadata={"description": "Chaque chiffre en une phrase"})


class GuideDetailSchema(GuideSchema):
    sections = fields.List(fields.Nested(GuideSectionSchema), required=True,
                           metadata={"description": "Sections visibles de la dernière version, dans l'ordre"})


GuidePageSchema = _page_of(GuideSchema, "GuidePage")
