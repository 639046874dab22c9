"""Real-browser harness: one `streamlit run app.py` server for the session, Debian's chromium driven by
Playwright, a fresh browser context per test, and helpers that wait for conditions (never fixed sleeps).

Missing playwright or chromium skips these tests on a developer's machine and fails them under CI=true.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import server
from .appdom import LOAD_TIMEOUT_MS, ROOT, SHOTS, VIEWPORT, screenshot, shot_name

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _unavailable(reason: str) -> None:
    """Skip locally; under CI a missing browser is a broken build, not a skipped test."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Server:
    url: str
    stderr: Path


@pytest.fixture(scope="session")
def app_server() -> Iterator[Server]:
    """`streamlit run app.py` on a free 127.0.0.1 port, ready once /_stcore/health answers ok."""
    if not (ROOT / "app.py").exists():
        pytest.fail("app.py is missing at the repo root", pytrace=False)
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    logdir = Path(tempfile.mkdtemp(prefix="e2e-streamlit-"))
    proc = server.start(port, logdir)
    try:
        why = server.wait_healthy(proc, url)
        if why is not None:
            pytest.fail(f"streamlit {why}; stderr tail:\n{_tail(logdir / 'stderr.log')}", pytrace=False)
        yield Server(url, logdir / "stderr.log")
    finally:
        server.stop(proc)
        if proc.returncode not in (0, -signal.SIGTERM, None):
            print(f"\nstreamlit exited with {proc.returncode}; stderr tail:\n{_tail(logdir / 'stderr.log')}")
        shutil.rmtree(logdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        _unavailable(f"playwright is not installed ({e})")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the test item (the page fixture reads it at teardown)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture()
def new_page(browser: Any, app_server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own Streamlit session). When the test
    fails, every page it opened is saved as artifacts/screenshots/<test>-failed-<n>.png and the tail of
    the server's log is printed."""
    for old in SHOTS.glob(f"{shot_name(request.node.name)}*.png"):
        old.unlink()                                           # no stale pictures of an earlier run
    contexts: list[Any] = []

    def make() -> Any:
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(LOAD_TIMEOUT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    call = getattr(request.node, "report_call", None)
    failed = call is not None and call.failed
    for i, ctx in enumerate(contexts):
        for pg in ctx.pages if failed else ():
            try:
                screenshot(pg, f"{request.node.name}-failed-{i}")
            except Exception as e:  # noqa: BLE001 -- a missing picture must not hide the failure
                print(f"no failure screenshot: {e}")
        ctx.close()
    if failed:
        print(f"\nstreamlit log tail:\n{_tail(app_server.stderr, 30)}")


@pytest.fixture()
def page(new_page: Any) -> Any:
    """A fresh page in a fresh context (viewport 1400×1000)."""
    return new_page()


@pytest.fixture()
def shoot(page: Any, request: pytest.FixtureRequest) -> Any:
    """shoot() saves a full-page screenshot of `page` named after the test (suffix optional)."""

    def take(suffix: str = "", target: Any = None) -> Path:
        name = request.node.name + (f"-{suffix}" if suffix else "")
        return screenshot(target or page, name)

    return take
