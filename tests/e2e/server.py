"""Start and stop a `streamlit run app.py` server on a loopback port (the browser tests and the browser
benchmarks share it). The server leads its own process group, so stopping it stops its children too."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0             # s for the server to answer /_stcore/health


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(url: str) -> bool:
    """True when ``url``/_stcore/health answers ok."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


def start(port: int, log_dir: Path, extra: tuple[str, ...] = (),
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`streamlit run app.py` on 127.0.0.1:``port``, stdout and stderr into ``log_dir`` (``env``: added to
    this process's environment)."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", *extra]
    with open(log_dir / "stdout.log", "wb") as out, open(log_dir / "stderr.log", "wb") as err:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, start_new_session=True,
                                env={**os.environ, **(env or {})})


def wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float = START_TIMEOUT) -> str | None:
    """Wait for /_stcore/health; None when it answers, else why not."""
    deadline = time.monotonic() + timeout
    while not healthy(url):
        if proc.poll() is not None:
            return f"exited with {proc.returncode}"
        if time.monotonic() > deadline:
            return "never became healthy"
        time.sleep(0.2)                                  # poll interval of the health check
    return None


def serve_env(run_dir: Path) -> dict[str, str]:
    """The environment for ``bash deploy/serve.sh`` on loopback: its files in ``run_dir``, and this
    Python (the project's venv, whether or not it is activated) first on PATH, which serve.sh runs."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "RNNX_ADDRESS": "127.0.0.1", "RNNX_RUN_DIR": str(run_dir), "PATH": path}


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group (SIGTERM, then SIGKILL after 10 s)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:                              # the group is gone already
        proc.wait()
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
