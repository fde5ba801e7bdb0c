"""On a 390 px phone: a compact header, no page wider than the screen, no word cut in a table cell, chart labels
readable, tables that scroll only inside a focusable and labelled region, the catalogue's results before its filters;
and the same pages still laid out for a 1366 px desktop."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Solution
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

HEADER_MAX_PX = 120  # the header of a phone page leaves the screen to the content
LABEL_MIN_PX = 10  # the smallest chart text a reader can read on a phone

# What a page shows a phone user, measured in the browser. Every list is empty on a page that reads well.
MEASURE = """(screenWidth) => {
  const round = (x) => Math.round(x * 10) / 10;
  const header = document.querySelector("header.site-header").getBoundingClientRect().height;
  const pageWidth = document.scrollingElement.scrollWidth;
  // Elements sticking out of the screen, outside any container that scrolls them.
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const outside = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= screenWidth + 1) continue;
    let parent = el.parentElement, clipped = false;
    while (parent && parent !== document.body) {
      if (scrolls(parent)) { clipped = true; break; }
      parent = parent.parentElement;
    }
    if (!clipped) outside.push(`${el.tagName.toLowerCase()}.${el.className} (right edge ${round(box.right)} px)`);
  }
  // A word is cut when its letters lie on more than one line. Hyphens and slashes are places to wrap.
  const cutWords = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(".visually-hidden")) continue;
      for (const match of node.textContent.matchAll(/[^\\s\\-\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) cutWords.push(match[0]);
      }
    }
  }
  // A caption is read whole, even when its table is wider than the screen.
  for (const caption of document.querySelectorAll("main caption:not(.visually-hidden)")) {
    const range = document.createRange();
    range.selectNodeContents(caption);
    const right = Math.max(...[...range.getClientRects()].map((r) => r.right));
    if (right > Math.min(screenWidth, caption.closest("table").parentElement.getBoundingClientRect().right) + 1)
      cutWords.push(`caption « ${caption.textContent.trim()} » (right edge ${round(right)} px)`);
  }
  // Chart text as rendered: its font size times the scale of the chart on the screen.
  const smallLabels = [];
  let chartTexts = 0;
  for (const text of document.querySelectorAll("figure.chart svg text")) {
    if (!text.textContent.trim()) continue;
    chartTexts += 1;
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    if (size < %(label_min)s) smallLabels.push(`${text.textContent.trim()} (${round(size)} px)`);
  }
  // A container that scrolls sideways is reachable with the keyboard and says what it holds.
  const unlabelledScrollers = [];
  for (const el of document.querySelectorAll("main *")) {
    if (!scrolls(el) || el.scrollWidth <= el.clientWidth + 1) continue;
    const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (el.getAttribute("role") !== "region" || el.getAttribute("tabindex") !== "0" || !named)
      unlabelledScrollers.push(`${el.tagName.toLowerCase()}.${el.className}`);
  }
  return {header: round(header), pageWidth, outside: outside.slice(0, 5), cutWords, chartTexts,
          smallLabels: smallLabels.slice(0, 5), unlabelledScrollers};
}""".replace("%(label_min)s", str(LABEL_MIN_PX))


@pytest.fixture
def phone_check(phone_page, check_page, live_server):
    """phone_check(path, name): open the page on the phone, check it with axe, and assert what a phone user sees."""

    def check(path: str, name: str) -> dict:
        phone_page.goto(f"{live_server}{path}")
        check_page(phone_page, f"phone-{name}")
        seen = phone_page.evaluate(MEASURE, PHONE["viewport"]["width"])
        assert seen["header"] <= HEADER_MAX_PX, f"{name}: the header is {seen['header']} px high"
        # A phone widens its layout viewport to a page too wide for it: compare with the screen's width.
        assert seen["pageWidth"] <= PHONE["viewport"]["width"], (
            f"{name}: the page is {seen['pageWidth']} px wide: {seen['outside']}")
        assert not seen["cutWords"], f"{name}: words cut in table cells or captions: {seen['cutWords']}"
        assert not seen["smallLabels"], f"{name}: chart labels too small to read: {seen['smallLabels']}"
        assert not seen["unlabelledScrollers"], (
            f"{name}: containers scrolling without a focusable, labelled region: {seen['unlabelledScrollers']}")
        return seen

    return check


def _pages(live_app) -> dict:
    """Where the pages under test are: the most deployed solution (the one with the most charts), four solutions to
    compare, a published guide, a published report."""
    from app.models import Guide, Report
    from app.services import releases

    with live_app.app_context():
        top = releases.visitor_observatory()["most_deployed"][0]["solution_id"]
        ids = [top, *[i for i in db.session.scalars(sa.select(Solution.id).order_by(Solution.id).limit(4)) if i != top]][:4]
        pages = {"top": top, "slug": db.session.get(Solution, top).slug, "ids": ids,
                 "category": db.session.get(Solution, top).category.slug,
                 "guide": db.session.scalars(sa.select(Guide.slug).order_by(Guide.id)).first(),
                 "report": db.session.scalars(sa.select(Report.id).where(Report.status == "published")
                                              .order_by(Report.id)).first()}
        db.session.remove()
    return pages


def test_visitor_pages_fit_a_phone(phone_page, phone_check, live_app):
    pages = _pages(live_app)
    phone_check("/", "home")
    seen = phone_check(f"/statistics/solutions/{pages['top']}", "scorecard")
    assert seen["chartTexts"] > 20, "the scorecard should show its charts"
    phone_check(f"/statistics/categories/{pages['category']}", "category")
    seen = phone_check("/observatory", "observatory")
    assert seen["chartTexts"] > 0, "the observatory should show its charts"
    phone_check("/statistics/compare?" + "&".join(f"solutions={i}" for i in pages["ids"]), "compare")
    # The comparison's four columns do not fit: the table scrolls in its region, whose name is the table's caption.
    region = phone_page.get_by_role("region", name="Comparaison des solutions choisies")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    phone_check(f"/catalogue/{pages['slug']}", "solution")
    phone_check("/guides", "guides")
    assert pages["guide"], "the demo data should publish guides"
    phone_check(f"/guides/{pages['guide']}", "guide")

    # The catalogue: what was searched for comes first, the filters after it.
    phone_check("/catalogue", "catalogue")
    results = phone_page.get_by_role("heading", name=re.compile(r"solutions? trouvées?")).bounding_box()
    first_card = phone_page.locator(".cards .card").first.bounding_box()
    filters = phone_page.get_by_role("form", name="Filtrer").bounding_box()
    assert results["y"] < first_card["y"] < filters["y"], (results, first_card, filters)
    assert first_card["y"] < 844, "the first solution should be on the first screen"


def test_menu_opens_without_javascript(browser, browser_context_args, live_server, screenshot_dir):
    context = browser.new_context(**{**browser_context_args, **PHONE, "java_script_enabled": False})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/")
        nav = page.get_by_role("navigation", name="Navigation principale")
        menu = nav.get_by_text("Menu", exact=True)
        expect(menu).to_be_visible()
        expect(nav.get_by_role("link", name="Observatoire")).to_be_hidden()
        menu.click()
        expect(nav.get_by_role("link", name="Observatoire")).to_be_visible()
        # axe needs scripts: the open menu is checked by it in the next test, here only photographed.
        page.screenshot(path=str(screenshot_dir / "phone-menu-open-without-javascript.png"))
        # The open menu lies over the page: the header keeps its height.
        assert page.locator("header.site-header").bounding_box()["height"] <= HEADER_MAX_PX
        nav.get_by_role("link", name="Observatoire").click()
        expect(page).to_have_url(f"{live_server}/observatory")
        expect(page.get_by_role("heading", level=1)).to_have_text("Observatoire national de l'IA en santé")
    finally:
        context.close()


def _draft_of(live_app, email: str) -> tuple[str, int]:
    """A draft written by this account, on the last solution of the catalogue: its solution's name and its id."""
    from app.models import User
    from app.services import reports

    with live_app.app_context():
        author = db.session.scalar(sa.select(User).where(User.email == email))
        solution = db.session.scalars(sa.select(Solution).order_by(Solution.name.desc())).first()
        report, _created = reports.new_report(author, solution, None)
        db.session.commit()
        name, report_id = solution.name, report.id
        db.session.remove()
    return name, report_id


def test_contributor_pages_fit_a_phone(phone_page, phone_check, check_page, login, live_app):
    # The referent writes reports as a contributor does; the demo's contributor has none.
    solution, draft = _draft_of(live_app, "referent@demo.retex-ia.test")
    login(phone_page, "referent@demo.retex-ia.test")
    phone_check("/reports/", "my-reports")
    # Each report is a card: its solution, state and date one under the other, each with its heading, its links
    # within the screen.
    row = phone_page.get_by_role("table", name="Mes retours").locator("tbody tr").filter(has_text=solution).first
    cells = row.locator("td")
    expect(cells.first).to_contain_text(solution)
    assert cells.first.evaluate("el => getComputedStyle(el, '::before').content") == '"Solution : "'
    boxes = [cell.bounding_box() for cell in cells.all()]
    assert all(a["y"] < b["y"] and a["x"] == b["x"] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
    for link in row.get_by_role("link").all():
        box = link.bounding_box()
        assert box["x"] + box["width"] <= PHONE["viewport"]["width"], box

    nav = phone_page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_text("Menu", exact=True).click()
    for name in ("Catalogue", "Guides", "Observatoire", "Mes retours", "Mon équipe", "Mon compte"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_role("button", name="Se déconnecter")).to_be_visible()
    check_page(phone_page, "phone-menu-open")
    phone_check("/reports/establishment", "establishment-reports")
    phone_check("/reports/new", "new-report")
    phone_check(f"/reports/{draft}", "draft")
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text(solution)
    phone_check("/team/", "team")


def test_analyst_pages_fit_a_phone(phone_page, phone_check, login, live_app):
    pages = _pages(live_app)
    login(phone_page, "analyst@demo.retex-ia.test")
    seen = phone_check(f"/statistics/solutions/{pages['top']}", "analyst-scorecard")
    assert seen["chartTexts"] > 20
    phone_check("/exports/", "exports")
    phone_check("/guides/manage", "guides-manage")
    phone_check(f"/reports/{pages['report']}", "published-report")
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("Retour sur")


@pytest.mark.parametrize(("account", "paths"), [
    ("moderator", ["/moderation/"]),
    ("admin", ["/admin/users", "/admin/establishments", "/admin/solutions"]),
])
def test_staff_lists_fit_a_phone(phone_page, phone_check, login, account, paths):
    login(phone_page, f"{account}@demo.retex-ia.test")
    for path in paths:
        phone_check(path, path.strip("/").replace("/", "-"))


def test_desktop_keeps_its_header_sidebar_and_charts(page, live_server, live_app, check_page):
    page.set_viewport_size({"width": 1366, "height": 900})
    pages = _pages(live_app)
    page.goto(f"{live_server}/catalogue")
    check_page(page, "desktop-catalogue")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
    for name in ("Catalogue", "Guides", "Observatoire", "Se connecter", "Créer un compte"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert page.locator("header.site-header").bounding_box()["height"] <= HEADER_MAX_PX
    # Filters in a column beside the results, on the left.
    filters = page.get_by_role("form", name="Filtrer").bounding_box()
    results = page.locator("section[aria-labelledby='results-title']").bounding_box()  # the sort bar, then the cards
    assert filters["x"] + filters["width"] <= results["x"] and abs(filters["y"] - results["y"]) < 80, (filters, results)

    page.goto(f"{live_server}/statistics/solutions/{pages['top']}")
    check_page(page, "desktop-scorecard")
    seen = page.evaluate(MEASURE, 1366)
    assert seen["pageWidth"] <= 1366 and not seen["cutWords"] and seen["chartTexts"] > 20
    assert not seen["smallLabels"] and not seen["unlabelledScrollers"], seen
    # Charts do not scroll on a desktop.
    assert page.locator(".chart-scroll").first.evaluate("el => el.scrollWidth <= el.clientWidth")
