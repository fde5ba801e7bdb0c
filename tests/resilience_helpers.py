"""The browsers of tests/test_resilience.py, the reports they left in the database, the answers of a database away."""

from __future__ import annotations

import html
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from tests.factories import COMPLETE_STEPS
from tests.live_server import BrokenRequest, Client, Server, ServerDown, form_value, location_path

RETRY_SHARE = 0.2  # of creations and of submissions sent twice: at once (two tabs) or again after the answer
PATIENCE = 90  # seconds a browser keeps re-sending a request whose connection broke (server down)

ADVICE = [
    "Prévoir du temps pour la formation des manipulateurs.",
    "Le Dr Lemoine a porté le projet ; joindre le service au 04 72 11 22 33.",
    "Vérifier la qualité des données du PACS avant le pilote.",
]


@dataclass
class Live:
    backend: str
    url: str
    server: Server
    users: dict[str, list[str]]
    password: str
    solutions: list[int]
    engine: sa.Engine


# ------------------------------------------------------------------------------------------- the browsers

@dataclass
class Tally:
    """What every browser saw, added up (threads write here under the lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    duplicates_sent: int = 0  # requests sent twice on purpose
    cut: int = 0  # requests whose connection broke while the server had them (killed mid-request)
    refused: int = 0  # attempts refused while nothing listened
    resent: int = 0  # requests answered only once sent again
    acknowledged: dict[str, int] = field(default_factory=dict)  # submission key → report id, for each 302
    drafts: dict[int, dict] = field(default_factory=dict)  # report id → answers whose save was acknowledged
    failures: list[str] = field(default_factory=list)

    def add(self, **counts) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class Browser:
    """One contributor writing reports through the questionnaire, as a browser sends it."""

    def __init__(self, live: Live, email: str, tally: Tally, seed: int) -> None:
        self.live, self.email, self.tally = live, email, tally
        self.rng = random.Random(seed)
        self.client = Client(live.server.port)
        self.token = ""
        # Solutions where this browser left a draft: a second one there would be offered the first instead.
        self.drafted: set[int] = set()

    def send(self, method: str, path: str, form: dict | None = None, client: Client | None = None):
        """Send until an answer comes: a broken connection (server killed) is re-sent as is, as a user would."""
        client = client or self.client
        deadline, attempts = time.monotonic() + PATIENCE, 0
        while True:
            attempts += 1
            try:
                status, page, headers = client.request(method, path, form)
            except (ServerDown, BrokenRequest) as error:
                if time.monotonic() > deadline:
                    raise
                self.tally.add(**{"refused" if isinstance(error, ServerDown) else "cut": 1})
                time.sleep(0.25)
                continue
            with self.tally.lock:
                self.tally.resent += attempts > 1
                self.tally.statuses[status] += 1
                if status >= 500:
                    self.tally.server_errors.append(f"{status} {method} {path}: {page[:300]!r}")
            return status, page, headers

    def expect(self, status: int, method: str, path: str, form: dict | None = None):
        answer = self.send(method, path, form)
        if answer[0] != status:
            raise AssertionError(f"{method} {path}: {answer[0]} instead of {status}")
        return answer

    def maybe_twice(self, path: str, form: dict) -> list[tuple[int, str, dict]]:
        """A POST sent once, or twice: at once from two tabs, or again once the first answer came (a retry)."""
        draw = self.rng.random()
        if draw >= RETRY_SHARE:
            return [self.send("POST", path, form)]
        self.tally.add(duplicates_sent=1)
        if draw < RETRY_SHARE / 2:
            return [self.send("POST", path, form), self.send("POST", path, form)]
        twin, answers = self.client.twin(), [None, None]

        def in_other_tab():
            try:
                answers[1] = self.send("POST", path, form, client=twin)
            except Exception as error:  # raised again in this browser's thread, below
                answers[1] = error

        other = threading.Thread(target=in_other_tab)
        other.start()
        answers[0] = self.send("POST", path, form)
        other.join()
        if isinstance(answers[1], Exception):
            raise answers[1]
        return answers

    def answers(self, index: int) -> dict[int, dict]:
        steps = {step: dict(data) for step, data in COMPLETE_STEPS.items()}
        steps[1]["services"] = f"Imagerie, {self.email}, retour {index}"
        steps[6]["advice"] = f"{self.rng.choice(ADVICE)} (retour {index})"
        return steps

    def write(self, index: int, draft_steps: int | None = None) -> None:
        """Create, fill the six steps, review and submit one report; or stop after `draft_steps` (a draft).

        Nine requests: the creation form's page is fetched once per browser (its CSRF token lasts as long as
        the session), and each creation carries a fresh key, as each load of that form would."""
        token = self.token
        solution = self.rng.choice([s for s in self.live.solutions if s not in self.drafted])
        creation = {"solution_id": solution, "csrf_token": token, "creation_key": uuid.uuid4().hex}
        created = self.maybe_twice("/reports/new", creation)
        targets = {location_path(headers) for _, _, headers in created}
        statuses = [status for status, _, _ in created]
        if set(statuses) != {302} or len(targets) != 1 or not re.fullmatch(r"/reports/[0-9]+/step/1", *targets):
            raise AssertionError(f"new report: {statuses} → {targets}")
        report = targets.pop().rsplit("/step/", 1)[0]
        report_id = int(report.rsplit("/", 1)[1])
        saved: dict = {}
        if draft_steps is not None:
            self.drafted.add(solution)
        for step, data in self.answers(index).items():
            if draft_steps is not None and step > draft_steps:
                return
            _, _, headers = self.expect(302, "POST", f"{report}/step/{step}", {**data, "nav": "next", "csrf_token": token})
            following = f"{report}/step/{step + 1}" if step < 6 else f"{report}/summary"
            assert location_path(headers) == following, (step, headers.get("location"))
            if draft_steps is not None:
                saved.update(data)
                with self.tally.lock:
                    self.tally.drafts[report_id] = dict(saved)
        _, page, _ = self.expect(200, "GET", f"{report}/summary")
        key = form_value(page, "submission_key")
        submitted = self.maybe_twice(f"{report}/summary", {"submission_key": key,
                                                           "csrf_token": form_value(page, "csrf_token")})
        results = [(status, location_path(headers)) for status, _, headers in submitted]
        if any(result != (302, report) for result in results):
            raise AssertionError(f"submission of {report}: {results}")
        with self.tally.lock:
            self.tally.acknowledged[key] = report_id

    def run(self, reports: int, draft_every: int | None = None) -> None:
        try:
            self.client.login(self.email, self.live.password)
            _, page, _ = self.expect(200, "GET", "/reports/new")
            self.token = form_value(page, "csrf_token")
            for index in range(reports):
                draft = draft_every and index % draft_every == draft_every - 1
                self.write(index, draft_steps=self.rng.randint(1, 5) if draft else None)
        except Exception as error:  # reported by the test, with every other browser's
            with self.tally.lock:
                self.tally.failures.append(f"{self.email}: {error.__class__.__name__}: {error}")


def run_browsers(live: Live, group: str, reports: int, tally: Tally, draft_every: int | None = None,
                 during: Callable[[], dict] | None = None) -> tuple[float, dict]:
    """The group's browsers at once, each writing `reports`; `during` runs meanwhile (an incident)."""
    browsers = [Browser(live, email, tally, seed=n) for n, email in enumerate(live.users[group])]
    threads = [threading.Thread(target=b.run, args=(reports, draft_every)) for b in browsers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        incident = during() if during else {}
    finally:
        for thread in threads:
            thread.join()
    return time.perf_counter() - started, incident


# ----------------------------------------------------------------------------------------------- queries

def reports_of(live: Live, group: str) -> list[sa.Row]:
    """The reports written by a group's users: id, status, working revision state and answers, submission keys."""
    with live.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT r.id, r.status, v.state, v.answers, "
            "  (SELECT count(*) FROM report_submission s JOIN report_revision w ON w.id = s.revision_id "
            "   WHERE w.report_id = r.id) AS submissions "
            "FROM report r JOIN user_account u ON u.id = r.author_id "
            "LEFT JOIN report_revision v ON v.id = r.working_revision_id "
            "WHERE u.email IN :emails ORDER BY r.id").bindparams(
                sa.bindparam("emails", expanding=True)), {"emails": live.users[group]}).all()


def submissions_found(live: Live, keys: list[str]) -> dict[str, int]:
    with live.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT s.key, v.report_id FROM report_submission s JOIN report_revision v ON v.id = s.revision_id "
            "WHERE s.key IN :keys").bindparams(sa.bindparam("keys", expanding=True)), {"keys": keys}).all()
    return dict(rows)


def as_dict(answers) -> dict:
    return json.loads(answers) if isinstance(answers, str) else (answers or {})


# ------------------------------------------------------------------------------------- database faults

UNAVAILABLE = "Service momentanément indisponible"


def assert_unavailable_page(answer: tuple[int, str, dict]) -> None:
    status, page, headers = answer
    assert status == 503, (status, page[:300])
    page = html.unescape(page)
    assert UNAVAILABLE in page and "Patientez quelques instants puis réessayez" in page
    assert headers.get("retry-after") and "text/html" in headers["content-type"]


def assert_unavailable_json(answer: tuple[int, str, dict], body: dict) -> None:
    status, page, headers = answer
    assert (status, json.loads(page)) == (503, body)
    assert headers["content-type"] == "application/json" and headers.get("retry-after")


def start_draft(browser: Client, solutions: list[int]) -> tuple[str, str]:
    """A draft with its first step saved: its path and the form's CSRF token. The first solution where the user
    has no unsent draft yet (an earlier test's draft there is offered instead of a second one)."""
    _, page, _ = browser.get("/reports/new")
    token = form_value(page, "csrf_token")
    for solution in solutions:
        status, offer, headers = browser.post("/reports/new", {"solution_id": solution, "csrf_token": token,
                                                               "creation_key": form_value(page, "creation_key")})
        if status != 200:
            break
        assert "Continuer ce retour" in html.unescape(offer), offer[:300]
    assert status == 302
    report = location_path(headers).rsplit("/step/", 1)[0]
    assert browser.post(f"{report}/step/1", {**COMPLETE_STEPS[1], "nav": "next", "csrf_token": token})[0] == 302
    return report, token
