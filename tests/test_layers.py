"""The layer picture of DESIGN §3, held against every import in the package.

core knows nothing of ours but itself; storage and markets know core; the ui and the CLI
know core, storage and services, never an adapter or HTTP code; only the composition
(services, app, sandbox for the demo) wires markets in. Imports inside functions count too:
a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vvic_desktop

PACKAGE = Path(vvic_desktop.__file__).parent

# layer -> the vvic_desktop subpackages/modules it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": ("markets", "storage", "ui", "cli", "sandbox", "services", "app", "workers"),
    "storage": ("markets", "ui", "cli", "sandbox", "services", "app", "workers"),
    "markets": ("storage", "ui", "cli", "services", "app", "workers"),
    "ui": ("markets", "sandbox"),
    "cli": ("markets", "ui"),
    "app": ("markets",),  # the app wires services, which choose the adapters
}
# third-party HTTP stacks the ui and the CLI must not touch (they go through services)
FORBIDDEN_THIRD_PARTY = {"ui": ("requests", "urllib3"), "cli": ("requests", "urllib3")}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "vvic_desktop":
                found += [(node.lineno, f"vvic_desktop.{a.name}") for a in node.names]
    return found


def _violations() -> list[str]:
    wrong: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        banned = FORBIDDEN.get(layer, ())
        banned_3p = FORBIDDEN_THIRD_PARTY.get(layer, ())
        for line, module in _imports(path):
            parts = module.split(".")
            ours = parts[0] == "vvic_desktop" and len(parts) > 1 and parts[1] in banned
            if ours or parts[0] in banned_3p:
                wrong.append(f"{rel}:{line} imports {module}")
    return wrong


def test_no_import_runs_the_wrong_way() -> None:
    assert _violations() == []
