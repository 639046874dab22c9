"""The lessons: content/<language>/<id>.md (English where a language has none yet), shown folded in one
line at the top of a page: markdown, and display equations by ``st.latex``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rnn_core import i18n
from rnn_core.experiments import Experiment
from rnn_core.i18n import _

from . import checkpoints

CONTENT = Path(__file__).resolve().parents[1] / "content"


def lesson_path(name: str, language: str) -> Path:
    """content/<language>/<name>.md, or the English one where that language has none."""
    path = CONTENT / language / f"{name}.md"
    return path if path.is_file() else CONTENT / i18n.DEFAULT / f"{name}.md"


@st.cache_data(show_spinner=False)
def lesson_blocks(exp_id: str, language: str = i18n.DEFAULT) -> list[tuple[str, str]]:
    """content/<language>/<exp_id>.md cut into ("md", text) and ("latex", equation) blocks; a line that
    is only ``$$`` opens or closes an equation."""
    path = lesson_path(exp_id, language)
    if not path.is_file():
        return []
    blocks: list[tuple[str, str]] = []
    kind, lines = "md", []
    for line in path.read_text(encoding="utf-8").splitlines() + ["$$"]:
        if line.strip() != "$$":
            lines.append("##" + line if kind == "md" and line.startswith("## ") else line)  # h4 in a panel
            continue
        text = "\n".join(lines).strip()
        if text:
            blocks.append((kind, text))
        kind, lines = ("latex" if kind == "md" else "md"), []
    return blocks


def lesson(exp: Experiment) -> None:
    """The experiment's lesson (content/<id>.md) in one folded line: markdown, equations by st.latex."""
    blocks = lesson_blocks(exp.id, i18n.current())
    if blocks:
        with st.expander(_("Lesson: checkpoints, the equations, the article"),
                         expanded=False,
                         icon=":material/school:"):
            if exp.article:
                st.caption(_("After the article “{title}”.").format(title=exp.article))
            checkpoints.page_list(exp)
            for kind, text in blocks:
                if kind == "latex":
                    st.latex(text)
                else:
                    st.markdown(text)
