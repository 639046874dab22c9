"""The registry of experiments: every module of this package that defines ``EXPERIMENT`` (an
``Experiment``) is one, in the order of ``EXPERIMENT.order``. Adding an experiment is adding its module;
nothing else lists the ids.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from .. import schema
from ..config import RunConfig
from ..schema import Knob
from .base import PRESETS, Batch, Evaluation, Experiment, Metric, Task, TaskView

__all__ = ["PRESETS", "Batch", "Evaluation", "Experiment", "Metric", "RunConfig", "Task", "TaskView",
           "experiment_ids", "experiments", "find_knob", "get_experiment"]
_NOT_EXPERIMENTS = {"base", "records"}


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
    names = [e.id for e in found] + [e.url_path for e in found if e.url_path != e.id]
    if len(set(names)) != len(names):           # one name, one experiment: ids and pages never collide
        raise RuntimeError(f"two experiments share an id or a page: {sorted(names)}")
    return tuple(sorted(found, key=lambda e: (e.order, e.id)))


def find_knob(name: str) -> Knob | None:
    """The declaration of a setting by name: the schema's, or an experiment's task setting (memory's
    ``lag``); None for an unknown name."""
    if name in schema.KNOB:
        return schema.KNOB[name]
    return next((k for e in experiments() for k in e.task_knobs if k.name == name), None)


def experiment_ids() -> list[str]:
    """Ids of the experiments, in navigation order."""
    return [e.id for e in experiments()]


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``: its id (``dinos``) or its page (``dinosaur_names``, the app's
    ``url_path``), so a name copied from the browser works wherever an experiment is named (the CLI's
    train, compare and sweep all come here)."""
    for e in experiments():
        if name in (e.id, e.url_path):
            return e
    known = ", ".join(e.id if e.url_path == e.id else f"{e.id} (page {e.url_path})" for e in experiments())
    raise ValueError(f"experiment: got {schema.short(name)}, expected an id or a page: {known}")
