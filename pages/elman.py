"""The elman experiment's page (everything it shows comes from ui.layout and ui/panels/elman.py)."""

from ui.layout import experiment_page

experiment_page("elman")
