"""Hostile input in the catalogue: solution fields and searches come out as text in pages, API and exports."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Solution
from tests.factories import make_category, make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    PER_VALUE,
    ROUNDS,
    SOLUTION_TEXTS,
    assert_stored,
    encoded,
    expected,
    logged_in,
    packed,
    post_form,
    print_surface,
    tally,
)
from tests.hostile_payloads import FLOWING
from tests.hostile_reading import (
    assert_shown_as_text,
    check_page,
    french_error,
    read_csv,
    read_json,
    runs_as_formula,
    spreadsheet_cell,
)

# The catalogue ------------------------------------------------------------------------------------------------

def test_catalogue_fields_come_out_as_text_in_pages_api_and_exports(site, capsys):
    surface = "catalogue"
    category = make_category(name="Imagerie")
    admin, contributor, analyst = make_user("admin"), make_user("contributor"), make_user("analyst")
    db.session.commit()
    administration, writing, reading = logged_in(site, admin), logged_in(site, contributor), logged_in(site, analyst)
    visitor = site.test_client()
    created = []
    for index in range(ROUNDS):
        values = packed(index, SOLUTION_TEXTS)
        fields = {**values, "category_id": str(category.id), "device_class": "unknown", "ai_act_risk": "unknown",
                  "ce_marked": ""}
        url = "/admin/solutions/new"
        for website in FLOWING[PER_VALUE * index:PER_VALUE * (index + 1)]:  # on creation, then on edition
            response = post_form(administration, url, {**fields, "website": (website,)})
            if response.status_code == 200:  # refused: the form comes back with what was typed and a French error
                page = check_page(surface, response, "solution form (refused)",
                                  [(values[name], name, expected(values[name])) for name in SOLUTION_TEXTS]
                                  + ([] if website.raw else [((website,), "website", website.expected)]))
                french_error(page, "website")
                response = post_form(administration, url, {**fields, "website": ""})
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
            slug = response.headers["Location"].rsplit("/", 1)[1]
            solution_id = db.session.scalar(sa.select(Solution.id).where(Solution.slug == slug))
            url = f"/admin/solutions/{solution_id}"
        db.session.expire_all()
        solution = db.session.get(Solution, solution_id)
        stored = {name: assert_stored(values[name], getattr(solution, name), strip=True) for name in SOLUTION_TEXTS}
        if solution.website:
            values["website"] = (website,)
            stored["website"] = assert_stored(values["website"], solution.website, strip=True)
        created.append((solution.id, solution.slug, values, stored))

    def items(values, stored, names):
        return [(values[name], name, stored[name]) for name in names if name in stored]

    for solution_id, slug, values, stored in created:
        assert not slug.isdigit(), "a slug made of digits would be read as an id"
        check_page(surface, visitor.get(f"/catalogue/{slug}"), "solution page", items(values, stored, stored))
        check_page(surface, administration.get(f"/admin/solutions/{solution_id}"), "solution form",
                   items(values, stored, stored))
        item = read_json(visitor.get(f"/api/v1/solutions/{solution_id}"))
        for name, value in stored.items():
            assert item[name] == value
            tally(surface, values[name], name, "API solution")
        check_page(surface, visitor.get(f"/statistics/solutions/{solution_id}"), "scorecard",
                   items(values, stored, ("name",)))
        check_page(surface, writing.get(f"/reports/timeline/{solution_id}"), "timeline",
                   items(values, stored, ("name",)))

    def listed(*names):
        return [item for _id, _slug, values, stored in created for item in items(values, stored, names)]

    check_page(surface, visitor.get("/catalogue"), "catalogue", listed("name", "vendor", "short_description"))
    check_page(surface, administration.get("/admin/solutions"), "catalogue (admin)", listed("name"))
    check_page(surface, writing.get("/reports/new"), "new report (solution list)", listed("name", "vendor"))
    check_page(surface, reading.get("/exports/"), "exports (solution list)", listed("name", "vendor"))
    check_page(surface, reading.get("/guides/manage"), "guide subjects", listed("name"))
    api = {item["id"]: item for item in read_json(visitor.get("/api/v1/solutions?per_page=100"))["items"]}
    aggregates_csv = {int(row["solution_id"]): row for row in read_csv(reading.get("/exports/aggregates.csv"))}
    aggregates_json = {row["solution_id"]: row for row in read_json(reading.get("/exports/aggregates.json"))}
    for solution_id, _slug, values, stored in created:
        for name in ("name", "vendor", "short_description"):
            assert api[solution_id][name] == stored[name]
            tally(surface, values[name], name, "API solution list")
        for name in ("name", "vendor"):
            cell = aggregates_csv[solution_id][f"solution_{name}"]
            assert cell == spreadsheet_cell(stored[name]) and not runs_as_formula(cell)
            assert aggregates_json[solution_id][f"solution_{name}"] == stored[name]
            tally(surface, values[name], name, "aggregates CSV")
            tally(surface, values[name], name, "aggregates JSON")

    # The search box keeps what was typed, as text; the API answers in JSON.
    for index in range(ROUNDS):
        value = packed(index, ["q"])["q"]
        response = visitor.get(f"/catalogue?q={encoded(value)}")
        page = check_page(surface, response, "catalogue search", [])
        typed = next(attrs["value"] for tag, attrs in page.starts if tag == "input" and attrs.get("id") == "q")
        assert_shown_as_text(response.get_data(as_text=True), page, assert_stored(value, typed, strip=True))
        tally(surface, value, "q", "catalogue search")
        assert isinstance(read_json(visitor.get(f"/api/v1/solutions?q={encoded(value)}"))["items"], list)
        tally(surface, value, "q", "API search")
    print_surface(capsys, surface)

