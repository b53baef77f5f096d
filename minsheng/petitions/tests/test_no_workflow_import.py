"""The petitions app's services do not depend on the workflow (ADR 0007): registration is the
``register`` row of the transition table (minsheng.workflow.services.registration), so the
import cycle petitions.services ⇄ workflow.services is gone and events have one writer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PETITIONS = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) of every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno, id(node) in top))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, id(node) in top) for alias in node.names)
    return found


def test_petitions_services_imports_nothing_of_the_workflow() -> None:
    found = [
        (m, line)
        for m, line, _top in _imports(PETITIONS / "services.py")
        if m.startswith("minsheng.workflow")
    ]
    assert found == []


def test_no_petitions_module_imports_the_workflow_services_at_module_level() -> None:
    """Only the demo loader (a caller of the workflow, imported by nobody in the workflow) may."""
    offenders = []
    for path in sorted(PETITIONS.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "demo.py":
            continue
        for module, line, top in _imports(path):
            if top and module.startswith("minsheng.workflow.services"):
                offenders.append(f"{path.relative_to(PETITIONS)}:{line} {module}")
    assert offenders == []


def test_importing_petitions_services_loads_no_workflow_module() -> None:
    code = (
        "import django, os, sys;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'minsheng.settings');"
        "django.setup();"
        "before = {m for m in sys.modules if m.startswith('minsheng.workflow.services')};"
        "import minsheng.petitions.services;"
        "after = {m for m in sys.modules if m.startswith('minsheng.workflow.services')};"
        "print(sorted(after - before))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
