"""Every shell command of the README's code blocks, run as written, in a fresh copy of the checkout set up as
`make run` leaves it (its own instance/: a temporary SQLite database, never the real one), from a shell that has
none of the Makefile's variables. A command that exits non-zero fails the test.

Left out, and why:
- `make run` serves the app until it is stopped, and `make test` runs the whole suite (this test among it).
- `.venv/bin/python bench/scale.py …`: benchmarks of an hour and more, on scratch databases.
- The "Production" block (`export RETEX_ENV=production SECRET_KEY=… DATABASE_URL=postgresql://…`, then
  `db upgrade`, `users create-admin`, gunicorn): `…` stands for a production server's secrets and PostgreSQL,
  and gunicorn serves until stopped. tests/test_wsgi.py runs that entry point.
Placeholders a reader replaces are given real content: the files the commands name (`texts.jsonl`, the FINESS
extracts, `FILE`, `solutions.csv`) are written in the copy, and `/srv/backups/` is a directory of the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from config import DEVELOPMENT_MARKER, default_environment
from tests.conftest import backend

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
EXCLUDED_PREFIXES = {
    "make run": "serves the app until stopped",
    "make test": "the whole suite",
    ".venv/bin/python bench/": "benchmarks of an hour and more",
    ".venv/bin/gunicorn": "serves until stopped (production block)",
}
PRODUCTION_BLOCK = "export RETEX_ENV=production"
# What a fresh shell has: none of the Makefile's variables (FLASK_APP, RETEX_ENV…), no production settings.
SHELL_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")

# The commands run against the copy's own SQLite database, whichever backend the pass tests: one pass runs them.
pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="the README's commands use SQLite: the SQLite pass runs them")


def readme_commands() -> tuple[list[str], list[tuple[str, str]]]:
    """The commands of every ```sh block, in order, and those left out with the reason."""
    commands, excluded = [], []
    for block in re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S):
        lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
        lines = [line for line in lines if line]
        if lines and lines[0].startswith(PRODUCTION_BLOCK):
            excluded += [(line, "production block: a server's secrets and PostgreSQL") for line in lines]
            continue
        for line in lines:
            reason = next((why for prefix, why in EXCLUDED_PREFIXES.items() if line.startswith(prefix)), None)
            if reason:
                excluded.append((line, reason))
            else:
                commands.append(line)
    return commands, excluded


def test_the_readme_commands_are_found_and_every_exclusion_is_listed():
    commands, excluded = readme_commands()
    assert any("privacy scan" in command for command in commands)
    assert any(command.startswith(".venv/bin/flask import finess") for command in commands)
    assert {line.split()[0] for line, _ in excluded} <= {"make", ".venv/bin/python", ".venv/bin/gunicorn", "export",
                                                         ".venv/bin/flask"}
    assert all(command.startswith((".venv/bin/flask", "echo")) for command in commands), commands


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the checkout after `make run`: migrations applied, demonstration data loaded, the marker written."""
    copy = tmp_path_factory.mktemp("checkout") / "retex"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "instance", "__pycache__",
                                                                  "test-artifacts", ".pytest_cache", ".hypothesis"))
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    (copy / "instance").mkdir()
    (copy / "instance" / DEVELOPMENT_MARKER.name).write_text("make run\n")
    for args in (["db", "upgrade"], ["demo", "load", "--if-empty", "--no-reports"]):
        run(copy, ".venv/bin/flask " + " ".join(args))
    # The files the README's commands name.
    (copy / "texts.jsonl").write_text('"Rappeler M. Durand au 06 12 34 56 78"\n"Aucun nom ici."\n')
    shutil.copy(FIXTURES / "finess_legacy.csv", copy / "etalab-cs1100507-stock.csv")
    shutil.copy(FIXTURES / "finess_structures.json", copy / "structures.json")
    shutil.copy(FIXTURES / "finess_legacy.csv", copy / "FILE")
    (copy / "solutions.csv").write_text("name;vendor;category;short_description\n"
                                        "Lecteur fictif;Éditeur fictif;imagerie;Solution fictive d'essai.\n")
    (copy / "srv" / "backups").mkdir(parents=True)
    return copy


def run(copy: Path, command: str) -> subprocess.CompletedProcess:
    env = {name: os.environ[name] for name in SHELL_VARIABLES if name in os.environ}
    command = command.replace("/srv/backups/", f"{copy}/srv/backups/")
    result = subprocess.run(["bash", "-c", command], cwd=copy, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, f"{command}\nexit {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def test_every_readme_command_works_as_written_after_make_run(checkout):
    commands, _excluded = readme_commands()
    outputs = {command: run(checkout, command).stdout for command in commands}
    scan = next(out for command, out in outputs.items() if command.startswith("echo"))
    assert "PHONE" in scan or "TELEPHONE" in scan.upper()
    assert "Créés : 5" in next(out for command, out in outputs.items() if "etalab" in command)
    assert "Essai à blanc" in next(out for command, out in outputs.items() if "--dry-run" in command)
    assert (checkout / "srv" / "backups" / "retex.dump").is_file()
    assert not (ROOT / "etalab-cs1100507-stock.csv").exists()  # nothing of it ran in the real checkout


@pytest.mark.parametrize(("marker", "variables", "expected"), [
    (True, {}, "development"),
    (True, {"DATABASE_URL": "postgresql://db/retex"}, "production"),
    (True, {"SECRET_KEY": "x"}, "production"),
    (True, {"RETEX_ENV": "production"}, "production"),
    (False, {}, "production"),
    (False, {"RETEX_ENV": "development"}, "development"),
])
def test_the_development_default_needs_the_marker_of_make_run_and_no_production_variable(
        monkeypatch, tmp_path, marker, variables, expected):
    import config

    for name in ("RETEX_ENV", *config.PRODUCTION_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "development"
    if marker:
        path.write_text("make run\n")
    monkeypatch.setattr(config, "DEVELOPMENT_MARKER", path)
    assert default_environment() == expected
