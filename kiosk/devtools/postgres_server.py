"""A throwaway PostgreSQL server on loopback, for tests and benchmarks.

Uses Debian's ``postgresql`` binaries, a temporary data directory and a free
port; as root it runs the server as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, if any."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """Start with :meth:`start`, stop with :meth:`stop` (by the PID we started)."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin_dir = found
        self.port = _free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.datadir = self.workdir / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self._as_postgres = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if self._as_postgres else cmd

    def start(self, timeout: float = 30.0) -> PostgresServer:
        if self._as_postgres:
            shutil.chown(self.workdir, "postgres", "postgres")
        subprocess.run(
            self._cmd(
                "initdb", "-D", str(self.datadir), "-A", "trust", "-U", "kiosk", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
        )
        return self._launch(timeout)

    def halt(self) -> None:
        """Stop the server as a crash would (``pg_ctl -m immediate stop``), keeping its data.

        For fault-injection tests: connections drop mid-transaction; :meth:`resume`
        starts it again on the same port and data directory.
        """
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop"),
            check=True,
            capture_output=True,
        )
        if self.process is not None:
            self.process.wait(timeout=20)

    def resume(self, timeout: float = 30.0) -> PostgresServer:
        """Start again after :meth:`halt` (crash recovery replays its WAL)."""
        return self._launch(timeout)

    def _launch(self, timeout: float) -> PostgresServer:
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            self._cmd(
                "postgres",
                "-D",
                str(self.datadir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.workdir),
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.workdir / "server.log").read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if self._ready():
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start in time")

    def _ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url("postgres", driver=False), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def url(self, database: str = "postgres", *, driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://kiosk@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        """Immediate shutdown (SIGQUIT to the postmaster), then the data directory is deleted.

        The server is throwaway, so neither waiting for clients ("smart", SIGTERM)
        nor a shutdown checkpoint ("fast", SIGINT: tens of seconds after a test
        session's hundred databases) buys anything. The postmaster's own PID comes
        from ``postmaster.pid``, because ``runuser`` (between us and it when we run
        as root) forwards SIGTERM only.
        """
        if self.process is not None and self.process.poll() is None:
            postmaster = self._postmaster_pid()
            if postmaster is not None:
                os.kill(postmaster, signal.SIGQUIT)
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                if postmaster is not None:
                    os.kill(postmaster, signal.SIGKILL)
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: the postmaster, its live backends, and
        (counted into the postmaster once they exit) every backend that has ended.

        Lets a benchmark put the database's share of the CPU beside the kiosk's.
        """
        postmaster = self._postmaster_pid()
        if postmaster is None:
            return 0.0
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            pid, parent = int(stat.parent.name), int(fields[1])
            if pid == postmaster:  # utime, stime, cutime, cstime
                ticks += sum(int(value) for value in fields[11:15])
            elif parent == postmaster:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def _postmaster_pid(self) -> int | None:
        try:
            first_line = (self.datadir / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first_line)
        except (OSError, ValueError):
            return None
