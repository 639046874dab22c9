"""The abcde experiment's page (everything it shows comes from ui.layout and ui/panels/abcde.py)."""

from ui.layout import experiment_page

experiment_page("abcde")
