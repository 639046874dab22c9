"""The dinos experiment's page (everything it shows comes from ui.layout and ui/panels/dinos.py)."""

from ui.layout import experiment_page

experiment_page("dinos")
