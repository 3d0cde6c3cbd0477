"""The layering of README's "Where things are", checked over the import graph: each part
imports only what its row allows (no import upwards), and no modules import each other in
a circle. The next change that imports upwards fails here, not in a review."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEAVES = {"config"}  # the settings' defaults: anyone may read them

# part -> the parts it may import (README "Where things are"); app.py may import everything.
ALLOWED = {
    "scheduler": {"backup", "domain", "outbound", "models", "formatting", "database"},
    "commands": {"scheduler", "backup", "demo", "domain", "outbound", "models", "migrations", "formatting",
                 "database"},
    "backup": {"migrations", "domain", "models"},
    "views": {"domain", "outbound", "models", "formatting", "extensions"},
    "demo": {"domain", "models", "database"},
    "domain": {"outbound", "models", "database", "formatting"},
    "outbound": {"models", "formatting"},
    "formatting": {"models"},
    "database": {"models"},
    "extensions": set(),
    "models": set(),
    "migrations": {"models"},
    "config": set(),
}
PARTS = set(ALLOWED) | {"app"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in PARTS and relative.with_suffix("").parts[0] not in PARTS:
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        yield name, path


def _imports(path: Path, name: str) -> set[str]:
    """Every module of ours `path` imports, at its top or inside a function."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(p for p in [*parent, base] if p)
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in PARTS}


def _graph() -> dict[str, set[str]]:
    modules = dict(_modules())
    graph = defaultdict(set)
    for name, path in modules.items():
        for target in _imports(path, name):
            while target and target not in modules:  # `from domain import billing` names a module
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def violations(graph) -> list[str]:
    wrong = []
    for source, targets in graph.items():
        part = source.split(".")[0]
        if part == "app":
            continue
        for target in targets:
            other = target.split(".")[0]
            if other != part and other not in ALLOWED[part] | LEAVES:
                wrong.append(f"{source} imports {target}")
    return sorted(wrong)


def circles(graph) -> list[str]:
    found, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(" → ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_every_part_imports_only_what_its_row_allows():
    wrong = violations(_graph())
    assert wrong == [], "imports against the layering:\n" + "\n".join(wrong)


def test_no_import_circles():
    found = circles(_graph())
    assert found == [], "modules importing each other in a circle:\n" + "\n".join(found)


def test_the_checks_see_an_upward_import_and_a_circle():
    """Neither check is vacuous: a domain module importing a view, and two modules importing
    each other, are caught."""
    graph = _graph()
    assert any(t.startswith("domain.") for t in graph["views.invoices"])  # the graph is real
    graph["domain.billing"].add("views.helpers")
    assert violations(graph) == ["domain.billing imports views.helpers"]
    graph["domain.billing"].discard("views.helpers")
    graph["domain.money"].add("domain.billing")  # billing imports money already
    assert "domain.billing" in graph and any("domain.money" in c for c in circles(graph))
