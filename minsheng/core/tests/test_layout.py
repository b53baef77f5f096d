"""The layout stays honest (brief, docs/adr): the domain never imports an interface, and the pure
algorithms import no Django — checked on the source, so a shortcut fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the minsheng package
#: Interfaces: they call the domain, never the other way round. Of integrations, the inbound side
#: (its views) is an interface; the Open311 services, webhook delivery and keys are domain.
INTERFACES = ("portal", "workbench", "api")
INTERFACE_MODULES = ("integrations.views", "integrations.urls")
#: Pure algorithms: benchmarked and run on Dask workers without Django.
PURE = [
    *sorted((ROOT / "analytics" / "nlp").glob("*.py")),
    *sorted((ROOT / "intelligence" / "nlp").glob("*.py")),
    ROOT / "core" / "calendar.py",
    ROOT / "core" / "text.py",
    ROOT / "core" / "tabular.py",
]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _domain_modules() -> list[Path]:
    modules = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        dotted = ".".join(parts)[: -len(".py")]
        if len(parts) < 2 or parts[0] in INTERFACES or dotted in INTERFACE_MODULES:
            continue  # the project's own urls/settings/wsgi, or an interface
        if {"tests", "migrations", "management"} & set(parts):
            continue  # tests, schema history, and command-line entry points (interfaces too)
        modules.append(path)
    return modules


def test_the_domain_never_imports_an_interface() -> None:
    prefixes = tuple(f"minsheng.{name}" for name in (*INTERFACES, *INTERFACE_MODULES))
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _domain_modules()
        for line, module in _imports(path)
        if module.startswith(prefixes)
    ]
    assert len(_domain_modules()) > 100  # the walk found the domain
    assert offending == []


def test_the_pure_algorithms_import_no_django() -> None:
    assert len(PURE) > 20
    offending = []
    for path in PURE:
        for line, module in _imports(path):
            pure = module.startswith("minsheng.") and (
                ".nlp" in module
                or module in {"minsheng.core.calendar", "minsheng.core.text", "minsheng.core.tabular"}
            )
            if module.split(".")[0] == "django" or (module.startswith("minsheng") and not pure):
                offending.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offending == []
