"""A person's own data for an experiment that accepts it (a series for sine, names or text for dinos):
an uploader in the sidebar, validated by rnn_core.userdata (plain-language ValueError shown as is).

The data in force is kept per page in session state, so a run keeps its data when the person visits
another page and comes back (a file uploader forgets its file on a page switch).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rnn_core import userdata

LOG = logging.getLogger(__name__)
UPLOAD_KEY = "upload"


@dataclass(frozen=True)
class DataSpec:
    """What a page accepts."""

    kind: str                      # "series" (one numeric CSV column) | "text" (names or prose)
    types: tuple[str, ...]         # file extensions
    help: str                      # what the file should hold


@dataclass(frozen=True)
class UserData:
    """A validated upload."""

    name: str                      # file name, shown to the person
    file_id: str                   # identifies this upload (a new file, a new run)
    data: Any                      # np.ndarray (series) or str (text), what make_task takes


def _key(exp_id: str) -> str:
    return f"data:{exp_id}"


def _load(spec: DataSpec, raw: bytes, name: str) -> Any:
    return userdata.load_series(raw) if spec.kind == "series" else userdata.load_text(raw, name)


def data_picker(exp_id: str, spec: DataSpec, fresh: bool) -> UserData | None:
    """The sidebar uploader; returns the data in force (None = the experiment's own data)."""
    current: UserData | None = st.session_state.get(_key(exp_id))
    with st.expander("Your own data", expanded=current is not None, icon=":material/upload_file:"):
        up = st.file_uploader(spec.help, type=list(spec.types), key=UPLOAD_KEY)
        if up is not None and (current is None or current.file_id != up.file_id):
            try:
                current = UserData(up.name, up.file_id, _load(spec, up.getvalue(), up.name))
            except Exception as e:  # noqa: BLE001 -- a ValueError says why; nothing else may show a traceback
                LOG.info("upload refused: %r", e)
                st.error(str(e) if isinstance(e, ValueError) else f"The file could not be read. {spec.help}.")
                return current
            st.session_state[_key(exp_id)] = current
        elif up is None and current is not None and not fresh and st.session_state.get("_had_upload"):
            current = None                                   # the person removed the file
            del st.session_state[_key(exp_id)]
        st.session_state["_had_upload"] = up is not None
        if current is not None:
            st.caption(f"Training on **{current.name}**. Remove the file to go back to the built-in data.")
            if up is None and st.button("Use the built-in data", key="builtin_data"):
                del st.session_state[_key(exp_id)]
                current = None
    return current
