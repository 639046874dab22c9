"""The registry of experiments: every module of this package that defines ``EXPERIMENT`` (an
``Experiment``) is one, in the order of ``EXPERIMENT.order``. Adding an experiment is adding its module;
nothing else lists the ids.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from ..config import RunConfig
from .base import PRESETS, Batch, Evaluation, Experiment, Metric, Task, TaskView

__all__ = ["PRESETS", "Batch", "Evaluation", "Experiment", "Metric", "RunConfig", "Task", "TaskView",
           "experiment_ids", "experiments", "get_experiment"]
_NOT_EXPERIMENTS = {"base"}


@functools.cache
def experiments() -> tuple[Experiment, ...]:
    """Every experiment, in navigation order."""
    found = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name in _NOT_EXPERIMENTS or mod.name.startswith("_"):
            continue
        exp = getattr(importlib.import_module(f"{__name__}.{mod.name}"), "EXPERIMENT", None)
        if isinstance(exp, Experiment):
            found.append(exp)
    ids = [e.id for e in found]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"two experiments share an id: {sorted(ids)}")
    return tuple(sorted(found, key=lambda e: (e.order, e.id)))


def experiment_ids() -> list[str]:
    """Ids of the experiments, in navigation order."""
    return [e.id for e in experiments()]


def get_experiment(exp_id: str) -> Experiment:
    """The experiment with this id."""
    for e in experiments():
        if e.id == exp_id:
            return e
    raise ValueError(f"experiment: got {exp_id!r}, expected one of {', '.join(experiment_ids())}")
