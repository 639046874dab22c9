"""In front of a class: presenter mode (``?present=1``: larger text, chart fonts and lines, the sidebar
folded away), a page that shows only some knobs (``?show=lr,clip``: the others keep their link's or
the preset's values), and "Share this setup", the link of the knobs in force to copy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from rnn_core.experiments import Experiment
from rnn_core.i18n import _

from . import words
from .state import WIDGETS

SCALE = 1.35                      # chart fonts, lines and markers in presenter mode
PRESENT_CSS = """<style>
html { font-size: 19px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
.st-key-page_header [data-testid="stCaptionContainer"] { margin-top: 0.2rem; }
</style>"""


def presenting() -> bool:
    """``?present=1`` (or true / yes) in the URL."""
    return str(st.query_params.get("present", "")).strip().lower() in ("1", "true", "yes", "on")


def _listed() -> list[str]:
    return [k.strip() for k in str(st.query_params.get("show", "")).split(",") if k.strip()]


def shown(exp: Experiment) -> tuple[str, ...] | None:
    """The knobs ``?show=`` lists that the experiment has (None: every knob)."""
    kept = tuple(k for k in _listed() if k in exp.knobs)
    return kept or None


def unknown_shown(exp: Experiment) -> str | None:
    """A notice for the names in ``?show=`` that are not knobs of this page, None if there are none."""
    odd = [k for k in _listed() if k not in exp.knobs]
    if not odd:
        return None
    names = ", ".join(repr(k[:30]) for k in odd[:5]) + (" …" if len(odd) > 5 else "")
    if shown(exp) is None:
        return _("Ignored show={names} from the link: not a setting of this page; every setting is "
                 "shown.").format(names=names)
    return _("Ignored show={names} from the link: not a setting of this page.").format(names=names)


def style() -> None:
    """Presenter mode's larger text (the charts are scaled by ``scale_figure``)."""
    if presenting():
        st.html(PRESENT_CSS)


def scale_figure(spec: dict[str, Any], factor: float = SCALE) -> dict[str, Any]:
    """A figure's dict with every font size, line width and marker size multiplied by ``factor``
    (margins grow with the fonts), for a projector."""
    def walk(node: Any, parent: str = "") -> Any:
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                grow = (k == "size" and parent in ("font", "tickfont", "textfont", "marker", "title")) or (
                    k == "width" and parent == "line")
                out[k] = v * factor if grow and isinstance(v, (int, float)) else walk(v, k)
            return out
        if isinstance(node, list):
            return [walk(v, parent) for v in node]
        return node
    scaled = walk(spec)
    layout = scaled.get("layout", {})
    if "margin" in layout:
        layout["margin"] = {k: v * factor if k in ("l", "b", "t") else v for k, v in layout["margin"].items()}
    if "height" in layout:
        layout["height"] = layout["height"] * 1.1
    return scaled


def share_link(exp: Experiment) -> str:
    """The link of this page with the settings in force (as the URL carries them) and the presenter
    options chosen in the Share panel; never the student's seat in a class (``ui/classlink.py``)."""
    params = {k: st.query_params.get(k) for k in st.query_params if k not in ("present", "show", "seat")}
    if st.session_state.get(WIDGETS["share_present"]):
        params["present"] = "1"
    picked = st.session_state.get(WIDGETS["share_show"]) or []
    if picked:
        params["show"] = ",".join(picked)
    base = st.context.url or f"/{exp.url_path}"
    return base.split("?")[0] + ("?" + urlencode(params, safe=":,") if params else "")


def share(exp: Experiment) -> None:
    """"Share this setup": the link to copy, with presenter mode and the knobs to show."""
    with st.popover(_("Share"), icon=":material/share:", help=_("The link of this setup, to copy.")):
        st.checkbox(_("Presenter mode"), key=WIDGETS["share_present"], value=presenting(),
                    help=_("Larger text and charts, the sidebar folded away: readable from the back of a "
                           "room."))
        st.multiselect(_("Show only these knobs"), list(exp.knobs), key=WIDGETS["share_show"],
                       default=list(shown(exp) or ()), format_func=words.bound(words.label),
                       help=_("The others keep this setup's values and are not shown."))
        st.code(share_link(exp), language=None, wrap_lines=True)
        st.caption(_("Copy it with the button in the box's corner."))
