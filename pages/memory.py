"""The memory experiment's page (everything it shows comes from ui.layout and ui/panels/memory.py)."""

from ui.layout import experiment_page

experiment_page("memory")
