"""A throwaway PostgreSQL cluster for tests: Debian's binaries (/usr/lib/postgresql/*/bin), a cluster in a
temp dir owned by the ``postgres`` OS user when we are root (PostgreSQL refuses to run as root), a free
127.0.0.1 port, unix sockets in the temp dir, no fsync. Stopped and deleted at the end, and by a watchdog
process should the test process die without cleaning up (a kill -9)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("initdb", "pg_ctl", "postgres")


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and postgres, or None."""
    found = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if all((d / t).is_file() for t in TOOLS)]
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, default=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _watchdog(pg_ctl: Path, data: Path, top: Path) -> subprocess.Popen:
    """A shell that waits for this process to end, then stops the cluster and deletes its folder."""
    stop = " ".join([*_as_postgres(), str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"])
    script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
              f"{stop} >/dev/null 2>&1; rm -rf {top}")
    return subprocess.Popen(["sh", "-c", script], start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass(frozen=True)
class Cluster:
    """A running cluster: `database(name)` creates a database and gives its SQLAlchemy URL."""

    port: int

    def database(self, name: str) -> str:
        create_database(self.port, name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def cluster(bindir: Path) -> Iterator[Cluster]:
    """Start a cluster on a free port and yield it; stop and delete it at the end."""
    top = Path(tempfile.mkdtemp(prefix="rnnx-pg-"))
    data, port = top / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(top, "postgres", "postgres")
    watchdog = _watchdog(bindir / "pg_ctl", data, top)
    try:
        _run([*_as_postgres(), str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
              "-E", "UTF8", "--no-sync", "--no-instructions"])
        options = (f"-p {port} -k {top} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run([*_as_postgres(), str(bindir / "pg_ctl"), "-D", str(data), "-l", str(top / "log"), "-w",
              "-t", "30", "-o", options, "start"])
        yield Cluster(port)
    finally:
        subprocess.run([*_as_postgres(), str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        watchdog.kill()
        watchdog.wait()
        shutil.rmtree(top, ignore_errors=True)


def create_database(port: int, name: str) -> None:
    """CREATE DATABASE `name` on the cluster at `port`."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":          # python tests/pgcluster.py: start one, print its URL, wait for Enter
    where = binaries()
    if where is None:
        sys.exit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    with cluster(where) as running:
        input(f"{running.database('classes')}\nEnter stops it. ")
