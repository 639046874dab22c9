"""Charts that update in place: a plotly figure drawn by ``Plotly.react`` in a component without an
iframe (``st.components.v2``), instead of ``st.plotly_chart``.

``st.plotly_chart`` re-creates its plot element whenever the figure changes: while a run trains, every
chart went blank for a moment twice a second. Here the element is created once per key and each new
figure is diffed into it (ui/liveplot.js). plotly.js is the file that the plotly Python package ships,
copied into ``static/`` and served by Streamlit's static file serving (``server.enableStaticServing``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import plotly
import streamlit as st

from . import plotwire
from .plotstyle import HEIGHT as CHART_HEIGHT
from .state import Held, session

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"                       # beside app.py: served at app/static/
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
NAME = "rnn_explorer.liveplot"


def _copy(source: Path, target: Path) -> Path:
    """``source`` copied to ``target`` unless an identical copy is there (an atomic rename, so replicas
    starting together never serve half a file)."""
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return target
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=target.suffix)
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target


def ensure_plotly_js(static: Path = STATIC, source: Path = PLOTLY_JS) -> Path:
    """static/plotly.min.js and static/liveplot.js, the charts' code, served by Streamlit's static file
    serving (called at start-up)."""
    _copy(HERE / "liveplot.js", static / "liveplot.js")
    target = static / "plotly.min.js"
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return target
    return _copy(source, target)


# The component's own code is this loader: Streamlit sends a component's inline code with every one of
# its elements, and the charts' code (ui/liveplot.js, 5 kB) seven times a tick was most of the bytes of
# an update (bench/live.py). The browser fetches liveplot.js once (versioned by its content) and caches it.
VERSION = hashlib.sha1((HERE / "liveplot.js").read_bytes()).hexdigest()[:12]
LOADER = (                                            # (two lines: Streamlit takes one line for a path)
    "let m;\nexport default c=>m?m.default(c):import(new URL('app/static/liveplot.js?v=" + VERSION
    + "',document.baseURI).href).then(x=>(m=x).default(c))"
)
_component = st.components.v2.component(NAME, js=LOADER, isolate_styles=False)


def plot(fig: Any, key: str, height: int, config: dict[str, Any] | None = None) -> None:
    """Draw ``fig`` (a plotly Figure, or its dict) in the chart keyed ``key``, updating it in place: the
    whole figure after a full page run and every KEYFRAME ticks, else only what changed since the figure
    this session's browser holds (ui/plotwire.py)."""
    spec = {**(fig if isinstance(fig, dict) else fig.to_plotly_json()), "config": config or {}}
    _component(key=key, data=payload(key, spec), height=height)


def keep(key: str, height: int | None) -> bool:
    """Tell chart ``key`` that nothing changed, without building its figure: possible when its browser
    holds a figure of this page run (False: the caller must draw it). ``height``: the chart's, None for
    the height of the figure it holds (presenter mode scales it)."""
    s = session()
    held = s.charts.get(key)
    if held is None or held.page_run != s.page_run or held.since >= plotwire.KEYFRAME:
        return False
    s.charts[key] = Held(held.version + 1, held.spec, held.page_run, held.since + 1, held.full)
    height = height or int(held.spec.get("layout", {}).get("height") or CHART_HEIGHT)
    _component(key=key, data=plotwire.dumps({"kind": "same", "full": held.full, "v": held.version + 1}),
               height=height)
    return True


def payload(key: str, spec: dict[str, Any]) -> bytes:
    """The bytes to send for chart ``key`` now, and the record of what the browser will hold."""
    s = session()
    held = s.charts.get(key)
    ops = None
    if held is not None and held.page_run == s.page_run and held.since < plotwire.KEYFRAME:
        ops = plotwire.diff(held.spec, spec)
    version = 1 if held is None else held.version + 1
    if ops is None:
        s.charts[key] = Held(version, spec, s.page_run, 0, version)
        return plotwire.dumps({"kind": "full", "v": version, "figure": plotwire.pack_figure(spec)})
    s.charts[key] = Held(version, spec, s.page_run, held.since + 1, held.full)
    if not ops["traces"] and "relayout" not in ops:
        return plotwire.dumps({"kind": "same", "full": held.full, "v": version})
    return plotwire.dumps({"kind": "patch", "full": held.full, "v": version, **ops})
