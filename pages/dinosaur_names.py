"""Experiment page: dinosaur names. Besides the shared plots: names sampled live from the model (with
a temperature and a greedy switch) and the next-character probabilities after a prefix you type."""

import numpy as np
import streamlit as st

from rnn_core.text import next_char_probs, sample_names
from ui.layout import chart, experiment_page
from ui.live import RunState
from ui.task_figures import dinos_probe_figure, dinos_probs_figure
from ui.uploads import DataSpec

N_NAMES = 12
TEXT = DataSpec("text", ("txt", "csv"), "A .txt with one name per line (or any text: it learns that)")


def probe(state: RunState) -> None:
    """How the model reads the probe name: P(next character) after each prefix."""
    chart(lambda: dinos_probe_figure(state.snap), "dinos-probe")


def prefix_probs(state: RunState) -> None:
    """Type the start of a name; see what the model thinks comes next."""
    prefix = st.text_input("Start of a name", key="prefix", max_chars=30, bind="query-params",
                           placeholder="e.g. tyranno", help="Letters a–z; empty = the first letter.")
    vocab = state.trainer.task.vocab
    clean = "".join(c for c in prefix.lower() if c in vocab.chars and c != "\n")
    if clean != prefix.lower():
        st.caption(f"Only characters of the training text count: using “{clean}”.")
    probs = next_char_probs(state.trainer.model, clean, vocab)
    chart(lambda: dinos_probs_figure(vocab.chars, probs, clean), "dinos-prefix")


def names(state: RunState) -> None:
    """New names from the model as it is now, one character at a time."""
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    temperature = c1.slider("Temperature", 0.1, 2.0, 1.0, 0.05, key="temperature", bind="query-params",
                            help="Below 1: safer, more typical names. Above 1: wilder ones.")
    greedy = c2.checkbox("Greedy", key="greedy", bind="query-params",
                         help="Always take the most likely next character (the same name every time).")
    again = c3.button("Sample again", key="resample", icon=":material/casino:")
    state.cache["draws"] = state.cache.get("draws", 0) + int(again)
    sig = (state.snap.step, temperature, greedy, state.cache["draws"])
    if state.cache.get("names_sig") != sig:
        rng = np.random.default_rng([state.run.train.seed, state.snap.step, state.cache["draws"]])
        state.cache["names"] = sample_names(state.trainer.model, rng, n=N_NAMES, temperature=temperature,
                                            greedy=greedy, vocab=state.trainer.task.vocab)
        state.cache["names_sig"] = sig
    shown = [n.strip().capitalize() or "∅" for n in state.cache["names"]]
    st.markdown(f"**Sampled at step {state.snap.step:,}:** " + " · ".join(f"*{n}*" for n in shown))


experiment_page("dinos", predictions=probe, extra=prefix_probs, below=[names], data=TEXT)
