"""No blocking database work on the event loop (issue 15).

The loop that runs ``async def`` handlers also runs MQTT ingest and the live event stream, so
an ``async def`` in the HTTP layer must never call the synchronous store API: it awaits
``store.write(job)`` / ``store.read_async(fn)`` or hands the work to a thread
(``run_in_threadpool``). The scan is static (``ast``): within a module, a synchronous helper
that reaches the store makes every ``async def`` that calls it a finding, and so does handing
the store itself to a synchronous call. Work inside a ``lambda`` or a nested ``def`` is passed
to the writer or to a thread, never run on the loop, so it is not looked into.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cityops"
HANDLER_DIRS = ("api", "web")
# Methods of the store, its engines and connections that block the calling thread.
BLOCKING_METHODS = {"read", "write_sync", "connect", "begin", "execute", "scalar", "scalars"}
# Calls that move work off the loop; what they are given runs in a thread.
OFF_LOOP = {"run_in_threadpool", "to_thread", "run_sync", "write", "read_async"}
STORE_LIKE = re.compile(r"store|engine|conn", re.IGNORECASE)


def _own_body(node: ast.AST) -> list[ast.AST]:
    """Nodes of a function's body, not descending into nested functions or lambdas."""
    found: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        found.append(child)
        todo.extend(ast.iter_child_nodes(child))
    return found


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_store(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "store") or (
        isinstance(node, ast.Name) and node.id == "store"
    )


def _blocking_calls(body: list[ast.AST], blocking_helpers: set[str]) -> list[str]:
    """What in ``body`` blocks: store methods, blocking helpers, the store handed over."""
    found = []
    awaited = {id(n.value) for n in body if isinstance(n, ast.Await)}
    for node in body:
        if not isinstance(node, ast.Call) or id(node) in awaited:
            continue
        name = _callee(node)
        if name in OFF_LOOP:
            continue
        if isinstance(node.func, ast.Attribute) and name in BLOCKING_METHODS:
            if STORE_LIKE.search(ast.unparse(node.func.value)):
                found.append(f"{ast.unparse(node.func)}()")
        elif isinstance(node.func, ast.Name) and name in blocking_helpers:
            found.append(f"{name}() (reaches the store)")
        elif any(_is_store(arg) for arg in [*node.args, *(k.value for k in node.keywords)]):
            found.append(f"{ast.unparse(node.func)}(store) (a synchronous call given the store)")
    return found


def blocking_in_async(tree: ast.Module) -> dict[str, list[str]]:
    """``async def`` name -> the blocking calls it makes on the event loop."""
    sync_defs = {
        n.name: _own_body(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("test")
    }
    blocking: set[str] = set()
    while True:  # helpers that reach the store, directly or through other helpers
        more = {name for name, body in sync_defs.items() if _blocking_calls(body, blocking)}
        if more <= blocking:
            break
        blocking |= more
    findings = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            calls = _blocking_calls(_own_body(node), blocking)
            if calls:
                findings[f"{node.name} (line {node.lineno})"] = calls
    return findings


def test_the_scan_finds_blocking_work() -> None:
    source = """
def _helper(c):
    with c.store.read() as conn:
        return conn

def _indirect(c):
    return _helper(c)

async def direct(request):
    with ctx(request).store.read() as conn:
        return 1

async def through_helpers(c):
    return _indirect(c)

async def handing_over(c):
    return pages.dashboard(c.store)

async def fine(c, file, hub):
    data = await file.read()
    client = hub.connect()
    await c.store.write(lambda tx: tx.execute(1))
    row = await c.store.read_async(lambda conn: conn.execute(2))
    def job(tx):
        return _helper(tx)
    return await run_in_threadpool(_helper, c)
"""
    found = blocking_in_async(ast.parse(source))
    assert set(found) == {
        "direct (line 9)",
        "through_helpers (line 13)",
        "handing_over (line 16)",
    }


def test_no_async_handler_calls_the_synchronous_store() -> None:
    findings = {}
    for folder in HANDLER_DIRS:
        for path in sorted((SRC / folder).rglob("*.py")):
            for where, calls in blocking_in_async(ast.parse(path.read_text("utf-8"))).items():
                findings[f"{path.relative_to(SRC)}: {where}"] = calls
    assert findings == {}
