"""The experiments of the app, one module each, looked up by id."""

from __future__ import annotations

import importlib
import importlib.util

from .base import PRESETS, Batch, Evaluation, Experiment, RunConfig, Task

ORDER = ("sine", "elman", "dinos", "abcde", "xsinx")   # the articles' order

__all__ = ["PRESETS", "Batch", "Evaluation", "Experiment", "RunConfig", "Task", "experiment_ids",
           "get_experiment"]


def experiment_ids() -> list[str]:
    """Ids of the experiments that exist, in the articles' order."""
    return [e for e in ORDER if importlib.util.find_spec(f"{__name__}.{e}") is not None]


def get_experiment(exp_id: str) -> Experiment:
    """The experiment with this id (its module defines ``EXPERIMENT``)."""
    ids = experiment_ids()
    if exp_id not in ids:
        raise ValueError(f"experiment: got {exp_id!r}, expected one of {', '.join(ids)}")
    return importlib.import_module(f"{__name__}.{exp_id}").EXPERIMENT
