"""Operator mistakes as one line: what went wrong and, where it helps, what to do.

The command line is run by people at a terminal and by scripts reading its exit status;
neither is helped by a 470-line traceback for a mistyped database URL. ``message`` turns
the exceptions an operator can cause (a bad or unreachable database, a read-only file, a
missing folder, a domain error) into one line; anything else is named with its type, and
the global ``--debug`` option prints the full trace as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from cityops.errors import CityOpsError, InvalidInput


def one_line(text: str) -> str:
    """``text`` on one line, without SQLAlchemy's "Background on this error" link."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("(Background on this error")]
    return "; ".join(lines)


def message(exc: BaseException) -> str:
    """The one line an operator sees for ``exc``."""
    if isinstance(exc, CityOpsError):
        return one_line(exc.message)
    if isinstance(exc, sa_exc.ArgumentError):  # includes an unknown driver
        return f"bad database URL: {one_line(str(exc))}"
    if isinstance(exc, sa_exc.DBAPIError):
        reason = one_line(str(exc.orig)) if exc.orig is not None else one_line(str(exc))
        if "readonly" in reason.replace("-", "").replace(" ", ""):
            reason += " (the database file or its folder is read-only for this user)"
        return f"database: {reason}"
    if isinstance(exc, ValueError) and _raised_in(exc, "sqlalchemy/engine/url.py"):
        return f"bad database URL: {one_line(str(exc))}"  # e.g. a port that is not a number
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or one_line(str(exc))}{where}"
    return f"{type(exc).__name__}: {one_line(str(exc))} (run with --debug for the full trace)"


@contextmanager
def naming_database(url: str) -> Iterator[None]:
    """Errors opening the database at ``url`` name it (password hidden): with the URL
    coming from a flag, the environment or a file, the operator needs to see which."""
    try:
        yield
    except (sa_exc.DBAPIError, sa_exc.ArgumentError, ValueError) as exc:
        if isinstance(exc, ValueError) and not _raised_in(exc, "sqlalchemy/engine/url.py"):
            raise
        raise InvalidInput(f"{message(exc)} ({_hidden(url)})", field="database_url") from exc


def _hidden(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa_exc.ArgumentError, ValueError):
        return url.split("@")[-1]  # never print a password, even of a malformed URL


def _raised_in(exc: BaseException, path: str) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith(path):
            return True
        tb = tb.tb_next
    return False


def exit_status(exc: BaseException) -> int:
    """2 for a refused request (a domain error), 1 for anything else."""
    return 2 if isinstance(exc, CityOpsError) else 1
