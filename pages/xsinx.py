"""The xsinx experiment's page (everything it shows comes from ui.layout and ui/panels/xsinx.py)."""

from ui.layout import experiment_page

experiment_page("xsinx")
