"""The Class page's lecturer side and its buttons (ui/board.py draws the page): the links and the QR
code, showing names, closing, exporting and deleting the class; and the one read of a class that every
session of this server process shares for a second (``read``)."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import segno
import streamlit as st

from classroom import Board, ClassError
from rnn_core import schema
from rnn_core.i18n import _

from . import classlink, present
from .classlink import DOWN, KEY, PARAM
from .state import session

SHARED_FOR = 0.9                  # seconds one read of a class serves every session of the process
_reads: dict[tuple[str, str], tuple[float, Board]] = {}
_lock = threading.Lock()
def read(code: str, key: str | None) -> Board:
    """The class's board (every page), as the lecturer (``key``) or as a student sees it; one read serves
    every session of this process for SHARED_FOR seconds."""
    cache_key = (code, key or "")
    now = time.monotonic()
    with _lock:
        hit = _reads.get(cache_key)
        if hit is not None and now - hit[0] < SHARED_FOR:
            return hit[1]
    board = classlink.store().board(code, key=key)
    with _lock:
        if len(_reads) > 256:
            _reads.clear()
        _reads[cache_key] = (now, board)
    return board


def forget(code: str) -> None:
    with _lock:
        for k in [k for k in _reads if k[0] == code]:
            del _reads[k]


def flag(name: str, value: Any = True) -> None:
    session().class_flags[name] = value


def act(key: str | None) -> None:
    """What the page's buttons asked for (their callbacks only set flags)."""
    s = session()
    flags, s.class_flags = s.class_flags, {}
    try:
        _anyone(flags)
        code = str(st.query_params.get(PARAM, ""))
        if key is not None and code:
            _lecturer(flags, code, key)
    except ClassError as e:
        st.error(str(e), icon=":material/block:")
    except DOWN as e:
        st.error(classlink.down_message(e), icon=":material/cloud_off:")


def _anyone(flags: dict[str, Any]) -> None:
    """Start a class, go to a typed code, withdraw one's run."""
    s = session()
    if flags.get("create"):
        code, new_key = classlink.store().create_class()
        s.lecturer[code] = new_key
        st.query_params[PARAM], st.query_params[KEY] = code, new_key
        st.rerun()
    if flags.get("typed"):
        typed = str(st.session_state.get("class_code_typed", ""))
        try:
            code = classlink.store().check(typed)
        except ClassError:
            st.error(_("No class has the code {text}: check it with your lecturer.").format(
                text=schema.short(typed)), icon=":material/error:")
        else:
            st.query_params[PARAM] = code
            s.invited = code
            st.rerun()
    if (rid := flags.get("withdraw")) is not None:
        classlink.withdraw(str(rid))
        st.toast(_("Your run is taken off the board."), icon=":material/remove_circle:")


def _lecturer(flags: dict[str, Any], code: str, key: str) -> None:
    """Show names, close, delete (the lecturer key checked by the store each time)."""
    s = session()
    if "names" in flags:
        classlink.store().show_names(code, key, bool(st.session_state.get("class_names")))
        forget(code)
    if flags.get("close"):
        classlink.store().close(code, key)
        forget(code)
        s.notices.append(_("Class {code} is closed: the board stays, it takes no more runs or "
                           "predictions.").format(code=code))
    if flags.get("delete") and st.session_state.get("class_delete_sure"):
        classlink.store().delete(code, key)
        forget(code)
        s.lecturer.pop(code, None)
        if s.member is not None and s.member.code == code:
            s.member = None
        for k in (PARAM, KEY):
            if k in st.query_params:
                del st.query_params[k]
        s.notices.append(_("Class {code} is deleted, with every run and prediction in it.").format(code=code))
        st.rerun()


# ----------------------------------------------------------------------------- the lecturer


def links(code: str, key: str | None = None) -> str:
    """The class page's link with the code (the students'), or with the key too (the lecturer's)."""
    base = (st.context.url or "/class").split("?")[0]
    extra = {"lang": st.query_params["lang"]} if "lang" in st.query_params else {}
    query = "&".join(f"{k}={v}" for k, v in ({PARAM: code, **extra} | ({KEY: key} if key else {})).items())
    return f"{base}?{query}"


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as PNG bytes (large modules: readable from the back of a room)."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


def lecturer_header(code: str, key: str) -> None:
    join = links(code)
    if present.presenting():
        # one row on a projector (the page's title left out), so the board starts above the fold
        code_col, link_col, qr_col = st.columns([4, 6, 1], vertical_alignment="center")
        code_col.markdown(f'<div class="class-code projected">{code}</div>', unsafe_allow_html=True)
        with link_col:
            st.markdown(_("Students open this link, or any page of the app with the code:"))
            st.code(join, language=None)
        qr_col.image(qr_png(join), width=130)
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    with left:
        st.markdown(_("Students open this link, or any page of the app with the code:"))
        st.markdown(f'<div class="class-code">{code}</div>', unsafe_allow_html=True)
        st.code(join, language=None)
        st.caption(_("This page's link holds your lecturer key: keep it private. On the projector use "
                     "presenter mode (Share on any page, or add present=1)."))
    with right:                               # small enough that the board starts above a projector's fold
        st.image(qr_png(join), caption=_("Scan to join"), width=170)


def _csv(code: str, key: str) -> bytes:
    """The class as CSV, made when the lecturer clicks Export (not at every run of the page)."""
    try:
        return classlink.store().export_csv(code, key).encode("utf-8")
    except (ClassError, *DOWN) as e:
        return f"error: {e}\r\n".encode()


def manage(code: str, key: str) -> None:
    try:
        board = read(code, key)
    except (ClassError, *DOWN):
        return
    with st.expander(_("Manage the class"), icon=":material/settings:"):
        st.markdown(_("Your private link (it opens this board with the names and these controls):"))
        st.code(links(code, key), language=None)
        st.toggle(_("Show nicknames to the students"), value=board.show_names, key="class_names",
                  on_change=flag, args=("names",),
                  help=_("Off: students see each other as numbers on the board."))
        cols = st.columns(3)
        cols[0].button(_("Close the class"), disabled=board.closed, on_click=flag, args=("close",),
                       icon=":material/lock:", key="class_close",
                       help=_("No more runs or predictions; the board and the export stay."))
        cols[1].download_button(_("Export as CSV"), data=lambda: _csv(code, key), mime="text/csv",
                                file_name=f"class-{code}.csv", icon=":material/download:", key="class_export",
                                on_click="ignore")
        with cols[2]:
            st.checkbox(_("Delete everything of this class"), key="class_delete_sure")
            st.button(_("Delete the class"), on_click=flag, args=("delete",), icon=":material/delete:",
                      disabled=not st.session_state.get("class_delete_sure"), key="class_delete")


