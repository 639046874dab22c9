"""The Class page: start a class, join one, and its board (everything it shows comes from ui/board.py)."""

from ui.board import class_page

class_page()
