"""Every test builds plotly figures with plotly's property checks on (the live app skips them for
speed: ui/plotstyle.py VALIDATE), so a misspelt property fails here."""

from ui import plotstyle

plotstyle.VALIDATE = True
