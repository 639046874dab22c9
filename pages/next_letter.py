"""Experiment page: next letter (a→b→c→d→e→a). Besides the shared plots: pick a letter and see the five
next-letter probabilities, and the hidden state after each letter as a 3-D trajectory."""

import streamlit as st

from ui.layout import chart, experiment_page
from ui.live import RunState
from ui.task_figures import LETTERS, abcde_hidden_figure, abcde_probs_figure, abcde_trajectory_figure


def letter_probs(state: RunState) -> None:
    """The five probabilities after the letter the person picks."""
    letter = st.segmented_control("Input letter", LETTERS, default="a", required=True, key="letter",
                                  bind="query-params", help="The letter the network reads; the bars "
                                  "are its probabilities for the letter that comes next.")
    chart(lambda: abcde_probs_figure(state.snap, letter or "a"), "abcde-probs")


def trajectory(state: RunState) -> None:
    """h after each letter, as a point in 3-D (the first three hidden units)."""
    m = state.run.model
    chart(lambda: abcde_trajectory_figure(state.snap, m.activation if m.cell == "rnn" else "tanh"),
          "abcde-trajectory")


def hidden_per_letter(state: RunState) -> None:
    """Every sequence here is one letter long: show h after each of the five letters."""
    m = state.run.model
    chart(lambda: abcde_hidden_figure(state.snap, m.activation if m.cell == "rnn" else "tanh"),
          "abcde-hidden")


experiment_page("abcde", predictions=letter_probs, extra=trajectory, hidden=hidden_per_letter)
