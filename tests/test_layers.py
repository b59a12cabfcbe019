"""The layer rules of docs/architecture.md, checked on the source with ``ast``.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy
import still makes one package depend on another, and a cycle between top-level packages is
what left it unclear which package owned the write path (issue 15).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cityops"
WEB_FRAMEWORKS = ("fastapi", "starlette")
# The composition root builds the ASGI app; api/ and web/ are the HTTP layer.
WEB_LAYER = ("api", "web", "app")


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imported_modules(name: str, path: Path) -> set[str]:
    """Absolute names of every module (or module attribute) imported by one file."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def top_level(module: str) -> str | None:
    """``cityops.sta.read`` -> ``sta``; ``cityops.errors`` -> ``errors``; others -> None."""
    parts = module.split(".")
    if parts[0] != "cityops" or len(parts) < 2 or parts[1].startswith("__"):
        return None
    return parts[1]


def package_graph(src_modules: list[tuple[str, Path]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in src_modules:
        source = top_level(name)
        if source is None:
            continue
        for target in map(top_level, imported_modules(name, path)):
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


MODULES = list(_modules())


def test_the_checker_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text("from . import register\nfrom .state import X\n")
    mod = tmp_path / "m.py"
    mod.write_text("from ..errors import E\n")
    assert "cityops.alerting.channels.register" in imported_modules(
        "cityops.alerting.channels", init
    )
    assert "cityops.alerting.channels.state" in imported_modules("cityops.alerting.channels", init)
    assert "cityops.errors" in imported_modules("cityops.alerting.m", mod)


def test_no_import_cycle_between_top_level_packages() -> None:
    cycle = find_cycle(package_graph(MODULES))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_sta_and_ingest_share_the_data_model_below_them() -> None:
    graph = package_graph(MODULES)
    assert "sta" not in graph["ingest"]
    assert graph["datamodel"] <= {"errors", "limits", "store"}


def test_hazards_imports_nothing_of_cityops() -> None:
    offenders = {
        name: sorted(
            m
            for m in imported_modules(name, path)
            if m.split(".")[0] == "cityops" and top_level(m) != "hazards"
        )
        for name, path in MODULES
        if top_level(name) == "hazards"
    }
    assert not {k: v for k, v in offenders.items() if v}


@pytest.mark.parametrize("framework", WEB_FRAMEWORKS)
def test_only_the_web_layer_uses_the_web_framework(framework: str) -> None:
    users = sorted(
        name
        for name, path in MODULES
        if top_level(name) not in WEB_LAYER
        and any(m.split(".")[0] == framework for m in imported_modules(name, path))
    )
    assert users == [], f"{framework} imported outside {WEB_LAYER}: {users}"


# The pure core: what each may import of CityOps (docs/architecture.md, "Layers").
PURE = {
    "hazards": set(),
    "incidents": {"errors"},
    "cap": {"errors", "limits", "safexml"},
    "rules": {"errors", "hazards", "incidents", "plugins"},  # incidents: the pure state machine
    "safexml": {"errors"},
    "plugins": {"errors"},
    "errors": set(),
    "datamodel": {"errors", "limits", "store"},
    "limits": {"errors"},
}


@pytest.mark.parametrize("package", sorted(PURE))
def test_the_pure_core_imports_only_what_it_may(package: str) -> None:
    assert package_graph(MODULES).get(package, set()) <= PURE[package]


# SQL only in store-facing modules (issue 15): api/ and cli/ parse input and shape output,
# and call the services that own the tables. What they may still import of SQLAlchemy, and
# why (nothing of it builds or runs SQL):
SQL_FREE = ("api", "cli")
SQLALCHEMY_ALLOWED = {
    # the type of the store's connection, passed on to services (annotations only: the read
    # connection of exports and pages, the retention command's audit callback)
    "sqlalchemy.engine.Connection": {
        "cityops.api.exports",
        "cityops.api.web_pages",
        "cityops.cli.db",
    },
    # the store's exceptions as an HTTP status (api) or one line for operators (cli)
    "sqlalchemy.exc": {"cityops.api.errors", "cityops.cli.errors"},
    "sqlalchemy.exc.DataError": {"cityops.api.errors"},
    # a database URL shown with its password hidden, parsed as the store parses it
    "sqlalchemy.engine.make_url": {"cityops.cli.errors"},
}
SQL_TEXT = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b", re.S
)
RUNS_SQL = {"execute", "exec_driver_sql", "executemany"}


def imported_names(path: Path) -> set[str]:
    """What a file imports, by the name it binds: ``from a.b import c`` -> ``a.b.c``,
    ``import a.b`` -> ``a.b`` (relative imports are CityOps's own and left out)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sql_offences(name: str, path: Path) -> list[str]:
    """Why a module of the HTTP or command-line layer touches SQL, one line per reason."""
    out = []
    for imported in sorted(imported_names(path)):
        if imported.split(".")[0] == "sqlalchemy":
            if name not in SQLALCHEMY_ALLOWED.get(imported, ()):
                out.append(f"imports {imported}")
        elif imported.startswith("cityops.store.schema"):
            out.append(f"imports table objects ({imported})")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in RUNS_SQL:
                out.append(f"line {node.lineno}: runs SQL (.{node.func.attr})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL_TEXT.search(node.value):
                out.append(f"line {node.lineno}: SQL text")
    return out


def test_the_sql_check_sees_sql(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text(
        "from sqlalchemy import select, text\n"
        "from cityops.store import schema as s\n"
        "def f(conn):\n"
        "    conn.execute(text('SELECT id FROM users'))\n"
    )
    assert sql_offences("cityops.api.m", mod) == [
        "imports table objects (cityops.store.schema)",
        "imports sqlalchemy.select",
        "imports sqlalchemy.text",
        "line 4: runs SQL (.execute)",
        "line 4: SQL text",
    ]
    typed = tmp_path / "t.py"
    typed.write_text("from sqlalchemy.engine import Connection\n")
    assert sql_offences("cityops.api.exports", typed) == []  # allowed there, and why
    assert sql_offences("cityops.api.m", typed) == ["imports sqlalchemy.engine.Connection"]


def test_http_and_cli_layers_hold_no_sql() -> None:
    offences = {
        name: found
        for name, path in MODULES
        if top_level(name) in SQL_FREE and (found := sql_offences(name, path))
    }
    assert offences == {}, "SQL belongs in the services that own the tables: " + str(offences)


def test_write_jobs_are_typed() -> None:
    """A write job's transaction handle is a ``Tx`` (store/writer.py), never ``Any``: mypy
    then checks every use of ``tx.conn``, ``tx.dialect``, ``tx.emit`` and ``tx.defer``.
    (Lambdas passed to ``Store.write`` get the type from ``Job[R]``.)"""
    untyped = sorted(
        f"{name}.{node.name}"
        for name, path in MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if arg.arg == "tx"
        and (arg.annotation is None or ast.unparse(arg.annotation) in ("Any", "object"))
    )
    assert untyped == [], f"write jobs typed Any: {untyped}"
