"""A guard for the pages/ folder: Streamlit 1.67 still runs ``pages/<name>.py`` on its own, the old
multipage way (no app.py: no wide layout, a navigation listing the raw files), for a session whose
first URL is that page while no session of this server process has called ``st.navigation`` yet,
e.g. a shared link opened right after the server started. Every page calls ``through_app()`` first:
in that case it switches the process to ``st.navigation`` mode and reruns, so app.py builds the
navigation and the same page (and URL query) is served properly."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Rerun through app.py if this page was started as an old-style pages/ script."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
