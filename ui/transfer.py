"""What a person takes away from a run or brings back to it: the metrics CSV, the weights .npz, and
loading weights saved earlier (pickle-free, checked against the current model by rnn_core.export)."""

from __future__ import annotations

import streamlit as st

from rnn_core.export import history_csv, load_weights, weights_npz

from .live import RunState


def downloads(state: RunState) -> None:
    """Two download buttons; the files are built only when clicked."""
    t, name = state.trainer, state.exp_id
    row = st.container(horizontal=True, horizontal_alignment="right")
    row.download_button("Metrics CSV", lambda: history_csv(t.history), file_name=f"{name}_metrics.csv",
                        mime="text/csv", icon=":material/download:", key="dl_metrics", on_click="ignore",
                        help="The training history: one row per point of the loss curve.")
    row.download_button("Weights .npz", lambda: weights_npz(t.model.get_params()),
                        file_name=f"{name}_weights.npz", mime="application/octet-stream",
                        icon=":material/download:", key="dl_weights", on_click="ignore",
                        help="The model's parameters now, as plain numpy arrays.")
    with row.popover("Load weights", icon=":material/upload:"):
        upload_weights(state)


def upload_weights(state: RunState) -> None:
    """Put weights saved from this page (same model settings) into the running model."""
    up = st.file_uploader("A .npz downloaded from this page, with the same model settings", type=["npz"],
                          key="weights_file")
    if up is None or state.cache.get("weights_file") == up.file_id:
        return
    state.cache["weights_file"] = up.file_id
    try:
        params = load_weights(up.getvalue(), state.trainer.model.get_params())
    except ValueError as e:
        st.error(str(e))
        return
    with state.lock:
        state.trainer.model.set_params(params)
        state.trainer.last = None                # evaluate the loaded weights, not the cached snapshot
        state.snap = state.trainer.snapshot()
    st.success(f"Loaded {up.name} into the model at step {state.snap.step:,}.")
