"""The language of a session: ``?lang=en|zh|ru`` in the URL (so a shared link, Share and presenter
mode keep it), else the one chosen in the sidebar, else the browser's preferred language
(``st.context.locale``), else English. A selector at the top of the sidebar shows each language in
its own script.

The selector is not bound to the URL by Streamlit: a bound selectbox writes its displayed label into
the URL, and the link must carry the code ("zh"), not "简体中文". So the URL's ``lang`` is kept here.
Every page run (and every tick, ui/live.py) sets the language of its thread (rnn_core.i18n), so
everything drawn in that run, the core's messages included, is in it.
"""

from __future__ import annotations

import streamlit as st

from rnn_core import i18n
from rnn_core.i18n import LANGUAGES, _

from .state import WIDGETS, session

PARAM = "lang"


def _from_url() -> str | None:
    code = str(st.query_params.get(PARAM, "")).strip().lower()
    return code if code in LANGUAGES else None


def current() -> str:
    """The session's language now (and set it for this thread)."""
    s = session()
    url = _from_url()
    if url is not None:
        s.lang = url
    elif s.lang is None:
        s.lang = i18n.choose(getattr(st.context, "locale", None))
    i18n.set_language(s.lang)
    return s.lang


def _picked() -> None:
    """Callback of the selector: the chosen language, kept in the session and the URL."""
    code = st.session_state[WIDGETS["lang"]]
    session().lang = code
    if code == i18n.DEFAULT and PARAM in st.query_params:
        del st.query_params[PARAM]
    elif code != i18n.DEFAULT:
        st.query_params[PARAM] = code


def selector() -> None:
    """The language selector (top of the sidebar); a ``lang`` the URL has but cannot be used is dropped."""
    code = current()
    raw = st.query_params.get(PARAM)
    if raw is not None and _from_url() is None:
        del st.query_params[PARAM]
        session().notices.append(_("Ignored lang={text} from the link: expected en, zh or ru.")
                                 .format(text=repr(str(raw)[:20])))
    st.session_state[WIDGETS["lang"]] = code
    st.selectbox(_("Language"), list(LANGUAGES), key=WIDGETS["lang"], format_func=LANGUAGES.get,
                 on_change=_picked, label_visibility="collapsed")
