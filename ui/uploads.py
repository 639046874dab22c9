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

from rnn_core import memory, userdata
from rnn_core.experiments import get_experiment

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
    file_id: str                   # identifies this data (a new file or another column: a new run)
    data: Any                      # what make_task takes: exp.prepare of the series or of the text
    note: str = ""                 # how it was read and is used: the encoding, the column and why
    raw: bytes = b""               # the file (a series: to read another column of it)
    columns: tuple[str, ...] = ()  # a series: every column made only of numbers
    column: str = ""               # a series: the column in use


SIZE = f", up to {userdata.MAX_UPLOAD_MB} MB."      # the app's one upload limit, as every message says it
SPECS = {"series": DataSpec("series", ("csv", "txt", "tsv"),
                            "A CSV with a column of at least 20 numbers (a column named like the values, "
                            "else the last number column, is used; you can choose another)" + SIZE),
         "text": DataSpec("text", ("txt", "csv"),
                          "A .txt with one name per line (or any text: it learns that)" + SIZE)}


def _key(exp_id: str) -> str:
    return f"data:{exp_id}"


def read(exp_id: str, kind: str, raw: bytes, name: str, file_id: str,
         column: str | None = None) -> UserData:
    """The upload validated, read and prepared for the experiment, once (ValueError with a plain
    message if it cannot be learned). The session keeps the prepared data, not the text: a 5 MB text
    is a few MB of ids once prepared, and nothing has to be redone on a rerun."""
    exp = get_experiment(exp_id)
    if kind == "text":
        t = userdata.read_text(raw, name)
        data = exp.prepare(t.text)
        memory.watch(data)                  # its memory goes back soon after the session has gone
        return UserData(name, file_id, data, f"Read as {t.encoding}. {exp.data_note(data)}".strip())
    s = userdata.read_series(raw, column)
    data = exp.prepare(s.values)
    return UserData(name, file_id if column is None else f"{file_id}:{s.column}", data,
                    f"{s.reason} Read as {s.encoding}. {exp.data_note(data)}".strip(), raw, s.columns,
                    s.column)


def data_picker(exp_id: str, kind: str, fresh: bool) -> UserData | None:
    """The sidebar uploader for the experiment's kind of data ("series" | "text"); returns the data in
    force (None = the experiment's own data). A refused file changes nothing: its message stays shown
    and the data in force (and so the run) stay."""
    spec, ss = SPECS[kind], st.session_state
    current: UserData | None = ss.get(_key(exp_id))
    refused: tuple[str, str] | None = ss.get(f"_refused:{exp_id}")
    with st.expander("Your own data", expanded=current is not None or refused is not None,
                     icon=":material/upload_file:"):
        up = st.file_uploader(spec.help, type=list(spec.types), key=UPLOAD_KEY,
                              max_upload_size=userdata.MAX_UPLOAD_MB)
        seen = (current.file_id.split(":")[0] if current else None, refused[0] if refused else None)
        if up is not None and up.file_id not in seen:
            try:
                with st.spinner(f"Reading {up.name} …"):
                    current = read(exp_id, kind, up.getvalue(), up.name, up.file_id)
                ss[_key(exp_id)], refused = current, None
                ss.pop(f"_refused:{exp_id}", None)
            except Exception as e:  # noqa: BLE001 -- a ValueError says why; nothing else may show a traceback
                LOG.info("upload refused: %r", e)
                refused = (up.file_id, str(e) if isinstance(e, ValueError) else
                           f"The file could not be read. {spec.help}")
                ss[f"_refused:{exp_id}"] = refused
        elif up is None and not fresh and current is not None and ss.get("_had_upload") == seen[0]:
            current = None                                   # the person removed the file in force
            del ss[_key(exp_id)]
        ss["_had_upload"] = None if up is None else up.file_id
        if refused is not None and up is not None and up.file_id == refused[0]:
            kept = f"Still training on {current.name}." if current else "Still training on the built-in data."
            st.error(f"{refused[1]} {kept}")
        if current is not None:
            current = _in_force(exp_id, kind, current, up is None)
    return current


def _in_force(exp_id: str, kind: str, current: UserData, gone: bool) -> UserData | None:
    """What the data in force says of itself, its column choice (a series) and a way back."""
    st.caption(f"Training on **{current.name}**. {current.note}".strip())
    if kind == "series" and len(current.columns) > 1:
        if st.session_state.get("series_column") not in current.columns:
            st.session_state["series_column"] = current.column        # another file: its own columns
        col = st.selectbox("Column to learn", current.columns, key="series_column",
                           help="Every column of the file made only of numbers.")
        if col != current.column:
            try:
                current = read(exp_id, kind, current.raw, current.name, current.file_id.split(":")[0], col)
                st.session_state[_key(exp_id)] = current
            except ValueError as e:
                st.error(str(e))
    if gone and st.button("Use the built-in data", key="builtin_data"):
        del st.session_state[_key(exp_id)]
        return None
    return current
