"""Experiment page: xsinx (see ui/layout.py for what every experiment page shows)."""

from ui.layout import experiment_page

experiment_page("xsinx")
