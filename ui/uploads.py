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
from rnn_core.i18n import N_, _

from .state import WIDGETS, page_state, session

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataSpec:
    """What a page accepts."""

    kind: str                      # "series" (one numeric CSV column) | "text" (names or prose)
    types: tuple[str, ...]         # file extensions
    help: str                      # what the file should hold (marked; translated where shown)


@dataclass(frozen=True)
class UserData:
    """A validated upload."""

    name: str                      # file name, shown to the person
    file_id: str                   # identifies this data (a new file or another column: a new run)
    data: Any                      # what make_task takes: exp.prepare of the series or of the text
    encoding: str = ""             # how the file was read
    reason: str = ""               # a series: which column and why
    raw: bytes = b""               # the file (a series: to read another column of it)
    columns: tuple[str, ...] = ()  # a series: every column made only of numbers
    column: str = ""               # a series: the column in use


SPECS = {"series": DataSpec("series", ("csv", "txt", "tsv"),
                            N_("A CSV with a column of at least 20 numbers (a column named like the values, "
                               "else the last number column, is used; you can choose another), up to "
                               "{mb} MB.")),
         "text": DataSpec("text", ("txt", "csv"),
                          N_("A .txt with one name per line (or any text: it learns that), up to {mb} MB."))}


def _help(spec: DataSpec) -> str:
    return _(spec.help).format(mb=userdata.MAX_UPLOAD_MB)     # the app's one upload limit, as messages say it


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
        return UserData(name, file_id, data, t.encoding)
    s = userdata.read_series(raw, column)
    return UserData(name, file_id if column is None else f"{file_id}:{s.column}", exp.prepare(s.values),
                    s.encoding, s.reason, raw, s.columns, s.column)


def data_picker(exp_id: str, kind: str, fresh: bool) -> UserData | None:
    """The sidebar uploader for the experiment's kind of data ("series" | "text"); returns the data in
    force (None = the experiment's own data; ``PageState.data``). A refused file changes nothing: its
    message stays shown and the data in force (and so the run) stay."""
    spec, ps, s = SPECS[kind], page_state(exp_id), session()
    with st.expander(_("Your own data"), expanded=ps.data is not None or ps.refused is not None,
                     icon=":material/upload_file:"):
        up = st.file_uploader(_help(spec), type=list(spec.types), key=WIDGETS["upload"],
                              max_upload_size=userdata.MAX_UPLOAD_MB)
        seen = (ps.data.file_id.split(":")[0] if ps.data else None, ps.refused[0] if ps.refused else None)
        if up is not None and up.file_id not in seen:
            _take(exp_id, kind, up, spec)
        elif up is None and not fresh and ps.data is not None and s.had_upload == seen[0]:
            ps.data = None                                   # the person removed the file in force
        s.had_upload = None if up is None else up.file_id
        if ps.refused is not None and up is not None and up.file_id == ps.refused[0]:
            kept = (_("Still training on {file}.").format(file=ps.data.name) if ps.data
                    else _("Still training on the built-in data."))
            st.error(f"{ps.refused[1]} {kept}")
        if ps.data is not None:
            ps.data = _in_force(exp_id, kind, ps.data, up is None)
    return ps.data


def _take(exp_id: str, kind: str, up: Any, spec: DataSpec) -> None:
    """Read a new upload into the page's data in force, or keep why it was refused."""
    ps = page_state(exp_id)
    try:
        with st.spinner(_("Reading {file} …").format(file=up.name)):
            ps.data, ps.refused = read(exp_id, kind, up.getvalue(), up.name, up.file_id), None
    except Exception as e:  # noqa: BLE001 -- a ValueError says why; nothing else may show a traceback
        LOG.info("upload refused: %r", e)
        ps.refused = (up.file_id, str(e) if isinstance(e, ValueError) else
                      _("The file could not be read. {what}").format(what=_help(spec)))


def _in_force(exp_id: str, kind: str, current: UserData, gone: bool) -> UserData | None:
    """What the data in force says of itself, its column choice (a series) and a way back."""
    note = " ".join(p for p in (current.reason, _("Read as {encoding}.").format(encoding=current.encoding),
                                get_experiment(exp_id).data_note(current.data)) if p)
    st.caption(_("Training on **{file}**.").format(file=current.name) + " " + note)
    key = WIDGETS["series_column"]
    if kind == "series" and len(current.columns) > 1:
        if st.session_state.get(key) not in current.columns:
            st.session_state[key] = current.column                      # another file: its own columns
        col = st.selectbox(_("Column to learn"), current.columns, key=key,
                           help=_("Every column of the file made only of numbers."))
        if col != current.column:
            try:
                current = read(exp_id, kind, current.raw, current.name, current.file_id.split(":")[0], col)
            except ValueError as e:
                st.error(str(e))
    if gone and st.button(_("Use the built-in data"), key="builtin_data"):
        return None
    return current
