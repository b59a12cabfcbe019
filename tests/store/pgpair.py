"""A PostgreSQL primary and a streaming standby of it on free loopback ports, for the
failover tests.

``PgPair(tmp_path).start()`` runs ``initdb`` for the primary, starts it, takes a base
backup with ``pg_basebackup -R`` (which writes the standby's connection to the primary),
starts the standby and makes it the synchronous standby (``synchronous_standby_names``)
with ``synchronous_commit = remote_apply``: a commit returns only once the standby has
flushed **and applied** it. ``kill_primary()`` stops the primary with SIGQUIT-style
immediate shutdown (no checkpoint, as a crash), ``promote()`` makes the standby a primary.

The server binaries are those of the Debian package (``/usr/lib/postgresql/<v>/bin``);
PostgreSQL refuses to run as root, so as root (CI on this machine) every command runs
through ``runuser -u postgres``. The data directories live under a temporary directory
the ``postgres`` user owns. ``fsync`` is off: the tests kill processes, not the machine,
and a killed server loses nothing the kernel already has.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cluster.natscluster import free_port


def pg_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def require_pg_binaries() -> Path:
    """The server binaries; skip (fail under CI=true) without them."""
    bindir = pg_bindir()
    root_ok = os.geteuid() != 0 or shutil.which("runuser") is not None
    if bindir is not None and root_ok:
        return bindir
    reason = "PostgreSQL server binaries (pg_ctl, initdb, pg_basebackup) are not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class PgPair:
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cityops-pgpair-")))
    primary_port: int = field(default_factory=free_port)
    standby_port: int = field(default_factory=free_port)
    database: str = "cityops"
    bindir: Path = field(default_factory=require_pg_binaries)

    @property
    def primary_dir(self) -> Path:
        return self.base / "primary"

    @property
    def standby_dir(self) -> Path:
        return self.base / "standby"

    def url(self, port: int) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{self.database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    @property
    def failover_url(self) -> str:
        """Both servers; libpq connects to the first that accepts writes, so the nodes
        follow a promotion by reconnecting, with no change of configuration."""
        return (
            f"postgresql+psycopg://postgres@/{self.database}?host=127.0.0.1:{self.primary_port}"
            f"&host=127.0.0.1:{self.standby_port}&target_session_attrs=read-write"
        )

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=self.base)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}\n{done.stderr}")

    def _ctl(self, data: Path, *args: str) -> None:
        self._run("pg_ctl", "-D", str(data), "-l", str(data) + ".log", "-w", "-t", "30", *args)

    def start(self) -> PgPair:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E",
            "UTF8", "--no-sync",
        )  # fmt: skip
        with open(self.primary_dir / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.primary_port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.base}'\nfsync = off\n"
                "wal_level = replica\nmax_wal_senders = 4\nsynchronous_commit = remote_apply\n"
            )
        self._ctl(self.primary_dir, "start")
        admin = create_engine(self.url(self.primary_port).rsplit("/", 1)[0] + "/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.standby_dir), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        with open(self.standby_dir / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"port = {self.standby_port}\n"
                f"primary_conninfo = 'host=127.0.0.1 port={self.primary_port} user=postgres "
                "application_name=standby1'\n"
            )
        self._ctl(self.standby_dir, "start")
        self.sql(
            self.primary_port,
            "ALTER SYSTEM SET synchronous_standby_names = 'standby1'",
            "SELECT pg_reload_conf()",
        )
        self._wait_sync()
        return self

    def sql(self, port: int, *statements: str) -> None:
        engine = create_engine(self.url(port))
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for stmt in statements:
                    conn.execute(text(stmt))
        finally:
            engine.dispose()

    def _wait_sync(self) -> None:
        engine = create_engine(self.url(self.primary_port))
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    state = conn.execute(
                        text("SELECT sync_state FROM pg_stat_replication")
                    ).scalar()
                if state == "sync":
                    return
                time.sleep(0.1)
            raise RuntimeError("the standby did not become the synchronous standby")
        finally:
            engine.dispose()

    def kill_primary(self) -> None:
        """Stop the primary at once, as a crash (no shutdown checkpoint)."""
        self._ctl(self.primary_dir, "stop", "-m", "immediate")

    def promote(self) -> None:
        self._ctl(self.standby_dir, "promote")

    def stop(self) -> None:
        for data in (self.standby_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                try:
                    self._ctl(data, "stop", "-m", "immediate")
                except RuntimeError:
                    pass
        shutil.rmtree(self.base, ignore_errors=True)
