"""The app's pages: one row per experiment, shared by the navigation (app.py) and the Home cards."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """One experiment page of the app."""

    exp_id: str          # rnn_core experiment id
    url_path: str        # …/<url_path> in the browser
    file: str            # page script, relative to app.py
    title: str           # navigation and card title
    icon: str            # material icon
    blurb: str           # one line: what you will see


PAGES: tuple[PageInfo, ...] = (
    PageInfo("sine", "sine_wave", "pages/sine_wave.py", "Sine wave", ":material/airwave:",
             "Predict the next value of a sine wave from the 50 before it; watch BPTT truncation "
             "decide what the gradient can reach."),
    PageInfo("elman", "elman", "pages/elman.py", "Elman context network", ":material/replay:",
             "A context network learns a sine wave point by point, carrying its state from one point "
             "to the next."),
    PageInfo("dinos", "dinosaur_names", "pages/dinosaur_names.py", "Dinosaur names", ":material/pets:",
             "A character-level RNN reads dinosaur names and invents new ones as it learns."),
    PageInfo("abcde", "next_letter", "pages/next_letter.py", "Next letter", ":material/abc:",
             "A tiny RNN learns the cycle a→b→c→d→e→a; see the five probabilities and its hidden "
             "state move in 3-D."),
    PageInfo("xsinx", "xsinx", "pages/xsinx.py", "x·sin(x) fit", ":material/show_chart:",
             "Fit y = x·sin(x) on [0, 6], then watch the network guess what comes after x = 6."),
)


def page_info(exp_id: str) -> PageInfo:
    """The page of an experiment id."""
    for p in PAGES:
        if p.exp_id == exp_id:
            return p
    raise ValueError(f"experiment: got {exp_id!r}, expected one of {[p.exp_id for p in PAGES]}")
