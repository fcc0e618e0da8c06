"""Checks the import graph of the packages from their source (AST), as CI runs it.

Rules (README, "Layout"):
- no import cycle between modules of ``kg``, ``api``, ``queries`` and ``ontology``;
- no ``kg`` module imports ``api``, ``fastapi`` or ``starlette`` (the core knows nothing of HTTP);
- no router (a module under ``api/routers/`` or ``api/explorer/``) imports another router;
- no module over 400 lines without a reason written at its top (a line ``Size:`` in its docstring).

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a cycle that
only type checking sees is still a tangle for a reader. Prints the figures (modules per folder,
cycles, upward imports, router-to-router imports, long modules) and exits 1 on a violation.

Usage: ``python scripts/check_imports.py [ROOT]``.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

PACKAGES = ("kg", "api", "queries", "ontology")
WEB = ("api", "fastapi", "starlette")
ROUTER_FOLDERS = ("api.routers.", "api.explorer.")
MAX_LINES = 400


def module_name(root: Path, path: Path) -> str:
    """The dotted name of the module at ``path`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.Module, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Every module name that ``name`` imports, absolute, relative ones resolved.

    ``from a import b`` imports module ``a.b`` where that is one of ``modules``, else ``a``.
    """
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                dotted = f"{base}.{alias.name}"
                found.add(dotted if dotted in modules else base)
    return found


def load(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, Path]]:
    """Every module's imports, the same restricted to our own modules, and each module's file."""
    files: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            files[module_name(root, path)] = path
    graph: dict[str, set[str]] = {}
    raw: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        raw[name] = imports_of(tree, name, path.name == "__init__.py", set(files))
    for name, targets in raw.items():
        graph[name] = {t for t in targets if t in files and t != name}
    return raw, graph, files


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
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

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_router(name: str) -> bool:
    """A module that serves routes (or belongs to the explorer's pages)."""
    return name.startswith(ROUTER_FOLDERS)


def same_explorer(name: str, target: str) -> bool:
    """The explorer's pages use the explorer's own drawing modules: one room, not two routers."""
    return name.startswith("api.explorer.") and target.startswith("api.explorer.")


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else Path(__file__).resolve().parent.parent
    raw, graph, files = load(root)
    problems: list[str] = []

    found_cycles = cycles(graph)
    for component in found_cycles:
        problems.append("import cycle: " + " <-> ".join(component))

    upward = []
    for name, targets in sorted(raw.items()):
        if name == "kg" or name.startswith("kg."):
            for target in sorted(targets):
                if target.split(".")[0] in WEB:
                    upward.append(f"{name} imports {target}")
    problems.extend(f"kg imports the web layer: {line}" for line in upward)

    sideways = []
    for name, targets in sorted(graph.items()):
        if is_router(name):
            for target in sorted(targets):
                if is_router(target) and not same_explorer(name, target):
                    sideways.append(f"{name} imports {target}")
    problems.extend(f"router imports a router: {line}" for line in sideways)

    long_modules = []
    for path in sorted(files.values()):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Size:" not in doc:
                long_modules.append(f"{path.relative_to(root)} has {lines} lines and no 'Size:' reason")
    problems.extend(long_modules)

    per_folder = Counter(str(path.parent.relative_to(root)) for path in files.values())
    print("modules per folder:")
    for folder, count in sorted(per_folder.items()):
        print(f"  {folder + '/':<22} {count}")
    print(
        f"cycles: {len(found_cycles)}; kg -> web imports: {len(upward)}; "
        f"router -> router imports: {len(sideways)}; long modules without a reason: {len(long_modules)}"
    )
    for line in problems:
        print(f"FAIL {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
