"""The test suite's own shape: shared helpers live in tests/support/, never in a test module.

Importing from a `test_*.py` module runs its tests' module-level setup twice and hides a helper
where nobody looks for one; this reads every import in tests/ without running anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).parent.parts)


def imported_modules(source: str, package: str) -> set[str]:
    """Every module `source` imports, its relative imports resolved against `package`."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.add(module)
            # `from tests.e2e import test_chat_ui` names the test module as an alias.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_no_module_in_tests_imports_from_a_test_module():
    offenders = [
        f"{path.relative_to(TESTS.parent)} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for module in sorted(imported_modules(path.read_text(encoding="utf-8"), package_of(path)))
        if module.startswith("tests.") and module.rpartition(".")[2].startswith("test_")
    ]
    assert offenders == []


def test_the_import_check_sees_absolute_and_relative_imports_of_a_test_module():
    code = "from .test_window import x\nfrom tests.e2e import test_chat_ui\nimport tests.unit.test_hub\n"
    found = imported_modules(code, package_of(TESTS / "desktop" / "test_window_files.py"))
    assert {"tests.desktop.test_window", "tests.e2e.test_chat_ui", "tests.unit.test_hub"} <= found
