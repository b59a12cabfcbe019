"""Lock-out after failed logins, per (account, address), so nobody can lock a user out
from anywhere.

- A pair (user name, client address) is locked for ``LOCK_MINUTES`` after
  ``PAIR_MAX_FAILURES`` failures within ``WINDOW_MINUTES``: a guesser at one address
  stops there, and the account's owner at another address is not affected.
- A slower account-wide limit: when ``ACCOUNT_MAX_FAILURES`` failures from all
  addresses together fall within the window (a guesser spread over many addresses),
  the account refuses logins from addresses that never logged in to it successfully;
  addresses it was used from before keep working.

Counts live in the ``login_attempts`` table, so every worker and node shares them. A
locked pair answers exactly like a wrong password or an unknown user (``users.WRONG``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from cityops.store import schema as s

PAIR_MAX_FAILURES = 5
ACCOUNT_MAX_FAILURES = 30
WINDOW_MINUTES = 15
LOCK_MINUTES = 15
FORGET_AFTER = timedelta(days=1)  # rows of addresses that never logged in


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


def blocked(conn: Connection, username: str, address: str | None) -> bool:
    """Whether a login for ``username`` from ``address`` is refused without checking."""
    a = s.login_attempts
    now = datetime.now(UTC)
    since = now - timedelta(minutes=WINDOW_MINUTES)
    rows = conn.execute(
        select(
            a.c.address, a.c.failures, a.c.window_start, a.c.locked_until, a.c.last_success
        ).where(a.c.username == username)
    ).all()
    mine = next((r for r in rows if r.address == _address(address)), None)
    if mine is not None and mine.locked_until is not None and mine.locked_until > now:
        return True
    recent = sum(r.failures for r in rows if r.window_start > since)
    known = mine is not None and mine.last_success is not None
    return recent >= ACCOUNT_MAX_FAILURES and not known


def _ensure_row(conn: Connection, username: str, address: str, now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(s.login_attempts)
        .values(username=username, address=address, failures=0, window_start=now)
        .on_conflict_do_nothing()
    )


def record_failure(conn: Connection, username: str, address: str | None) -> None:
    """Count a failure; lock the pair at ``PAIR_MAX_FAILURES`` within the window."""
    a = s.login_attempts
    addr, now = _address(address), datetime.now(UTC)
    _ensure_row(conn, username[:128], addr, now)
    key = and_(a.c.username == username[:128], a.c.address == addr)
    row = conn.execute(select(a.c.failures, a.c.window_start).where(key)).one()
    fresh = row.window_start <= now - timedelta(minutes=WINDOW_MINUTES)
    failures = 1 if fresh else row.failures + 1
    values: dict[str, object] = {"failures": failures}
    if fresh:
        values["window_start"] = now
    if failures >= PAIR_MAX_FAILURES:
        values["locked_until"] = now + timedelta(minutes=LOCK_MINUTES)
    conn.execute(update(a).where(key).values(**values))
    conn.execute(delete(a).where(a.c.window_start < now - FORGET_AFTER, a.c.last_success.is_(None)))


def record_success(conn: Connection, username: str, address: str | None) -> None:
    """A login succeeded: clear the pair's count and remember the address as known."""
    a = s.login_attempts
    addr, now = _address(address), datetime.now(UTC)
    _ensure_row(conn, username, addr, now)
    conn.execute(
        update(a)
        .where(a.c.username == username, a.c.address == addr)
        .values(failures=0, locked_until=None, window_start=now, last_success=now)
    )


def clear(conn: Connection, username: str) -> None:
    """An administrator reset the password: forget the account's failures."""
    a = s.login_attempts
    conn.execute(
        update(a)
        .where(a.c.username == username, or_(a.c.failures > 0, a.c.locked_until.is_not(None)))
        .values(failures=0, locked_until=None)
    )
