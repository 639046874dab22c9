"""Experiment page: sine wave (next value from the 50 before it); accepts a person's own series."""

from ui.layout import experiment_page
from ui.uploads import DataSpec

SERIES = DataSpec("series", ("csv", "txt", "tsv"),
                  "A CSV with a column of at least 20 numbers (the first all-number column is used)")

experiment_page("sine", data=SERIES)
