"""The layers of `app/` (README, "Where things are"), read from the source with `ast`: no import cycle between
modules, counting the imports made inside functions, and no service reaching up into a form or a view."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
WEB_PACKAGES = ("admin", "alerts", "api", "auth", "guides", "main", "moderation", "notices", "peers", "reports", "stats",
                "team")


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in APP.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of `app` that a module imports, anywhere in it (the most precise module each names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("app.") and name != _module_name(path):
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_app():
    assert cycles(import_graph()) == []


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    graph = import_graph()
    # app.services.exports names the questionnaire at the top, app.cli_privacy the privacy scan inside a command.
    assert "app.questionnaire" in graph["app.services.exports"]
    assert "app.services.report_privacy" in graph["app.cli_privacy"]


def _is_web(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] in WEB_PACKAGES


def test_no_service_imports_a_form_or_a_view():
    graph = import_graph()
    offenders = {(module, target) for module, targets in graph.items() if module.startswith("app.services")
                 for target in targets if _is_web(target) or target.endswith(".forms")}
    assert offenders == set()


def test_the_questionnaire_and_the_models_import_no_service_and_no_web_module():
    graph = import_graph()
    offenders = {(module, target) for module, targets in graph.items()
                 if module.startswith(("app.questionnaire", "app.models"))
                 for target in targets if target.startswith("app.services") or _is_web(target)}
    assert offenders == set()


def test_only_the_cli_imports_the_demonstration_data():
    graph = import_graph()
    offenders = {(module, target) for module, targets in graph.items()
                 if module != "app.cli" and not module.startswith("app.demo")
                 for target in targets if target.startswith("app.demo")}
    assert offenders == set()


# What each inner layer may import (README, "Where things are"); a module is held to its longest matching prefix.
LAYERS = {
    "app.models": ("app.models", "app.extensions"),
    "app.questionnaire": ("app.questionnaire", "app.vocabulary"),
    "app.vocabulary": (),
    "app.permissions": ("app.models", "app.extensions"),
    "app.services": ("app.services", "app.models", "app.questionnaire", "app.vocabulary", "app.permissions",
                     "app.extensions", "app.urls"),
    "app.services.disclosure": ("app.services.disclosure", "app.services.stat_cells", "app.services.freshness",
                                "app.models",
                                "app.questionnaire", "app.vocabulary", "app.extensions"),
}


def test_each_layer_imports_only_what_the_readme_map_allows():
    offenders = set()
    for module, targets in import_graph().items():
        layer = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")),
                    key=len, default=None)
        if layer is not None:
            offenders |= {(module, target) for target in targets if not target.startswith(LAYERS[layer])}
    assert offenders == set()


def test_no_module_is_over_400_lines_outside_the_migrations():
    root = APP.parent
    modules = [*APP.rglob("*.py"), *(root / "tests").rglob("*.py"), *(root / "bench").glob("*.py"), root / "config.py"]
    long = {str(path.relative_to(root)): count for path in modules
            if (count := len(path.read_text().splitlines())) > 400}
    assert long == {}
