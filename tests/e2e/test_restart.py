"""A server restart under an open tab: the tab reconnects to a new session, whose run takes its settings
from the tab's link (not the defaults), and the page says why the run is new."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from . import server
from .appdom import button, expect, open_app, slider_value, wait_step

pytestmark = pytest.mark.e2e


def test_after_a_restart_the_link_settings_come_back(browser: Any) -> None:
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="e2e-restart-"))
    proc = server.start(port, logs)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(60_000)
    try:
        assert server.wait_healthy(proc, url) is None
        page = ctx.new_page()
        open_app(page, f"{url}/sine_wave?hidden_size=37&lr=0.01")
        button(page, "step").click()
        wait_step(page, "==", 1)
        server.stop(proc)                                       # the server goes away under the tab ...
        proc = server.start(port, logs)                         # ... and comes back on the same port
        assert server.wait_healthy(proc, url) is None
        button(page, "step").click()                            # the tab's next click meets a new session
        expect(page.get_by_text("The server restarted")).to_be_visible()
        assert slider_value(page, "hidden_size") == "37"        # the link's settings, not the defaults
        assert "hidden_size=37" in page.url
    finally:
        ctx.close()
        server.stop(proc)
        shutil.rmtree(logs, ignore_errors=True)
