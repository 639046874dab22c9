"""Charts that update in place: a plotly figure drawn by ``Plotly.react`` in a component without an
iframe (``st.components.v2``), instead of ``st.plotly_chart``.

``st.plotly_chart`` re-creates its plot element whenever the figure changes: while a run trains, every
chart went blank for a moment twice a second. Here the element is created once per key and each new
figure is diffed into it (ui/liveplot.js). plotly.js is the file that the plotly Python package ships,
copied into ``static/`` and served by Streamlit's static file serving (``server.enableStaticServing``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import plotly
import plotly.io as pio
import streamlit as st

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"                       # beside app.py: served at app/static/
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
NAME = "rnn_explorer.liveplot"


def ensure_plotly_js(static: Path = STATIC, source: Path = PLOTLY_JS) -> Path:
    """static/plotly.min.js, copied from the plotly package unless an identical copy is there (an
    atomic rename, so replicas starting together never serve half a file)."""
    target = static / "plotly.min.js"
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return target
    static.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=static, prefix=".plotly-", suffix=".js")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target


_component = st.components.v2.component(NAME, js=(HERE / "liveplot.js").read_text(encoding="utf-8"),
                                        isolate_styles=False)


def plot(fig: Any, key: str, height: int, config: dict[str, Any] | None = None) -> None:
    """Draw ``fig`` (a plotly Figure, or its dict) in the chart keyed ``key``, updating it in place."""
    spec = pio.json.to_json_plotly({**(fig if isinstance(fig, dict) else fig.to_plotly_json()),
                                    "config": config or {}})
    _component(key=key, data=spec.encode("utf-8"), height=height)
