"""The sine experiment's page (everything it shows comes from ui.layout and ui/panels/sine.py)."""

from ui.layout import experiment_page

experiment_page("sine")
