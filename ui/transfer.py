"""What a person takes away from a run or brings back to it: the metrics CSV, the weights .npz, and
loading weights saved earlier (pickle-free, checked against the current model by rnn_core.export)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from rnn_core import i18n
from rnn_core.export import history_csv, load_weights, weights_npz
from rnn_core.i18n import _

from .live import TICK_GATE
from .state import WIDGETS, RunState, page_state

LOG = logging.getLogger(__name__)


def downloads(state: RunState, row: Any, extra: Callable[[], None] | None = None) -> None:
    """Into ``row`` (a horizontal container): two download buttons (the files are built only when
    clicked), the weights upload, and ``extra`` (more of the row's controls)."""
    snap, name = state.snap, state.exp_id
    row.download_button(_("Metrics"), lambda: history_csv(snap.history), file_name=f"{name}_metrics.csv",
                        mime="text/csv", icon=":material/download:", key="dl_metrics", on_click="ignore",
                        help=_("The training history as CSV: one row per point of the loss curve."))
    row.download_button(_("Weights"), lambda: weights_npz(snap.params),
                        file_name=f"{name}_weights.npz", mime="application/octet-stream",
                        icon=":material/download:", key="dl_weights", on_click="ignore",
                        help=_("The model's parameters now, as plain numpy arrays in a .npz file."))
    with row.popover(_("Load"), icon=":material/upload:", help=_("Load weights saved from this page.")):
        upload_weights(state)
    if extra is not None:
        with row:
            extra()


def upload_weights(state: RunState) -> None:
    """Put weights saved from this page (same model settings) into the running model. A file is read
    once per page (Reset or a new model does not load it again); a refusal stays shown with it."""
    up = st.file_uploader(_("A .npz downloaded from this page, with the same model settings"), type=["npz"],
                          key=WIDGETS["weights_file"])
    ps = page_state(state.exp_id)
    if up is None:
        return
    if ps.weights_seen is None or ps.weights_seen[0] != up.file_id:
        error = load_into(state, up.getvalue())
        ps.weights_seen = (up.file_id, error)
        if error is None:
            st.success(_("Loaded {file} into the model at step {step}.").format(
                file=up.name, step=i18n.integer(state.snap.step)))
    error = ps.weights_seen[1]
    if error:
        st.error(error)


def load_into(state: RunState, raw: bytes) -> str | None:
    """Load .npz bytes into the run; None on success, else the plain reason (the run is unchanged)."""
    try:
        params = load_weights(raw, dict(state.snap.params))
    except Exception as e:  # noqa: BLE001 -- ValueError is the plain message; anything else: not our .npz
        LOG.info("weights upload refused: %r", e)
        return (str(e) if isinstance(e, ValueError) else
                _("weights file: not a .npz of numeric arrays, expected the .npz this app downloads"))
    with TICK_GATE:                                    # trainer work takes its turn (ui/live.py)
        if not state.trainer.load_params(params):
            return _("weights file: the model cannot run with these weights (its numbers overflow); "
                     "the current weights are kept")
        state.snap = state.trainer.last
    return None
