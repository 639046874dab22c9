"""What an experiment is: a task (data, batches, evaluation) plus presets of settings, and what the app
and the CLI need to show it (title, blurb, metrics and their labels, accepted uploads, lesson).

The trainer knows nothing of any experiment; it asks a ``Task`` for one epoch of ``Batch``es and for
an ``Evaluation`` of the model, and an ``Experiment`` builds that task from a ``RunConfig``. Each
experiment module defines ``EXPERIMENT``; ``rnn_core.experiments`` finds them (the registry).
How to add an experiment or a knob: docs/architecture.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from .. import schema
from ..config import ModelConfig, RunConfig, TaskConfig
from ..contract import Model
from ..i18n import N_
from ..text import Vocab
from .records import (
    MAX_FREE_STEPS,
    Batch,
    Evaluation,
    FreeRun,
    LazyBatch,
    Metric,
    TaskView,
    free_result,
    free_steps,
    rmse,
)

__all__ = ["MAX_FREE_STEPS", "Batch", "Evaluation", "Experiment", "FreeRun", "LazyBatch", "Metric", "Task",
           "TaskView", "check_io", "free_result", "free_steps", "implied_by", "rmse"]

# the settings a person changes on every page (an experiment adds its task's own: ``task_knobs``)
COMMON_KNOBS = tuple(k.name for k in schema.KNOBS if k.section)
PRESETS = ("default", "article")
# settings that go with a value, on every page: LSTM and GRU exist only in torch, numpy has only the RNN
IMPLIES: dict[tuple[str, Any], dict[str, Any]] = {
    ("cell", "lstm"): {"backend": "torch"}, ("cell", "gru"): {"backend": "torch"},
    ("backend", "numpy"): {"cell": "rnn"}}


class Task(ABC):
    """A dataset and how to train and judge a model on it."""

    targets: str = "last"         # "last" (many-to-one) | "all" (many-to-many)
    carry_state: bool = False     # batches may continue the previous batch's hidden state
    vocab: Vocab | None = None    # characters, for text tasks

    @property
    @abstractmethod
    def probe_x(self) -> np.ndarray:
        """A fixed (1, time, input) sequence whose hidden states the app draws."""

    @property
    def probe_y(self) -> np.ndarray | None:
        """The targets of ``probe_x``, shaped as the model contract asks for the task's ``targets``
        ((1, output) or (1,) for "last", (1, time, output) or (1, time) for "all"); None where the task
        has none (every experiment states them)."""
        return None

    def free_run(self, model: Model, n: int | None = None) -> FreeRun | None:
        """An optional capability of the series tasks: ``FreeRun`` over n steps (the task's default
        where None) after its known window; None where the task has no such run (the default)."""
        return None

    @property
    def max_len(self) -> int:
        """Longest sequence a batch can have (width of the gradient heatmap)."""
        return int(self.probe_x.shape[1])

    @property
    def eval_sequences(self) -> float:
        """The work of one ``evaluate``, as the number of full-length sequences an update of the same
        cost would pass forward and backward (forward only counts a third; rnn_core/cost.py)."""
        return 1.0

    @abstractmethod
    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        """The batches of one pass over the training data, in the order to train on them."""

    def count_batches(self, batch_size: int) -> int:
        """How many batches an epoch has (tasks whose batches are costly to build count without them)."""
        return len(self.epoch_batches(np.random.default_rng(0), batch_size))

    @abstractmethod
    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """Validation loss, metrics and predictions (rng only for sampling); cheap, runs every tick."""

    def evaluate_full(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """The honest final evaluation (all data); tasks that subsample in ``evaluate`` override it."""
        return self.evaluate(model, rng)

    def view(self) -> TaskView:
        runs_free = type(self).free_run is not Task.free_run
        return TaskView(targets=self.targets, max_len=self.max_len, carry_state=self.carry_state,
                        vocab=self.vocab, probe_x=self.probe_x, probe_y=self.probe_y,
                        free_run=self.free_run if runs_free else None)


class Experiment(ABC):
    """One of the app's experiments: a plug-in that the registry finds by its module's ``EXPERIMENT``."""

    id: str = ""                  # e.g. "sine": CLI name, lesson content/<id>.md, UI panels ui/panels/<id>.py
    order: int = 99               # position in the navigation and in `list`
    title: str = ""               # e.g. "Sine wave"
    icon: str = ":material/science:"   # material icon of the page
    blurb: str = ""               # one line: what you will see
    url_path: str = ""            # …/<url_path> in the browser
    article: str = ""             # the source article's title (and web address, where it gives one)
    presets: tuple[str, ...] = PRESETS
    preset_help: str = N_("default: tuned to learn fast. article: the article's own settings.")
    metrics: tuple[Metric, ...] = ()
    val_label: str = N_("validation")  # what the task's val_loss measures, as the loss chart names it
    upload: str | None = None     # the person's own data the page accepts: "series" | "text" | None
    chance: float | None = None   # the score of guessing (classification tasks where it is one number)
    common_knobs: tuple[str, ...] = COMMON_KNOBS   # the schema's settings a person may change here
    task_knobs: tuple[schema.Knob, ...] = ()       # the task's own settings (memory: lag), group "task"
    implies: dict[tuple[str, Any], dict[str, Any]] = IMPLIES   # settings that go with a value

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    @property
    def score(self) -> Metric:
        """The metric that says how well a run did (the first with a direction): what a sweep sums up."""
        return next(m for m in self.metrics if m.better)

    @property
    def knobs(self) -> tuple[str, ...]:
        """Every setting a person may change on this page (the rest come from the preset)."""
        return (*self.common_knobs, *(k.name for k in self.task_knobs))

    def knob(self, name: str) -> schema.Knob:
        """The declaration of a setting of this experiment: the schema's, or one of its task's (a
        ValueError naming the experiment's settings otherwise)."""
        for k in self.task_knobs:
            if k.name == name:
                return k
        if name in schema.KNOB:
            return schema.KNOB[name]
        raise ValueError(f"setting: got unknown name {name[:40]!r}, expected one of "
                         f"{', '.join(self.knobs)}")

    def implied(self, chosen: Mapping[str, Any], pinned: Collection[str] = ()) -> dict[str, Any]:
        """The settings that go with the ``chosen`` values here (``implied_by`` with ``implies``)."""
        return implied_by(self.implies, chosen, pinned)

    def settle(self, run: RunConfig, chosen: Mapping[str, Any],
               pinned: Collection[str] = ()) -> tuple[RunConfig, dict[str, Any]]:
        """``run`` with the chosen values and what goes with them; also the implied settings that
        changed the run (for a notice)."""
        extra = self.implied(chosen, pinned)
        new = run.replace(**extra, **chosen)
        return new, {k: v for k, v in extra.items() if run.as_dict().get(k) != v}

    def task_config(self, **values: Any) -> TaskConfig:
        """The task settings of a preset, in the order of ``task_knobs``, checked."""
        cfg = TaskConfig(tuple((k.name, values[k.name]) for k in self.task_knobs if k.name in values))
        self.check_task(cfg)
        return cfg

    def check_task(self, task: TaskConfig) -> None:
        """Refuse task settings this experiment does not declare, or values out of their range."""
        declared = tuple(k.name for k in self.task_knobs)
        if set(task.names) != set(declared):
            raise ValueError(f"task settings: got {list(task.names)}, expected {list(declared)} "
                             f"for the {self.id} task")
        for name, value in task.items:
            self.knob(name).check(value)

    @abstractmethod
    def preset(self, name: str = "default") -> RunConfig:
        """The settings of a preset (``presets`` lists them)."""

    def prepare(self, data: Any) -> Any:
        """A person's data (an upload, already checked by ``rnn_core.userdata``) in the form this
        experiment trains on, made once: the session keeps the result and passes it to ``make_task``,
        ``fit_run`` and ``data_note`` on every rerun, so nothing costly is redone and no cache shared by
        sessions is needed. Those methods accept the raw data too (the CLI, tests). Default: as it is."""
        return data

    def make_task(self, run: RunConfig, data: Any = None) -> Task:
        """The task for these settings (checked against ``task_knobs``); ``data`` is the person's own
        data where the page accepts it (raw, or as ``prepare`` made it)."""
        self.check_task(run.task)
        return self.build_task(run, data)

    @abstractmethod
    def build_task(self, run: RunConfig, data: Any = None) -> Task:
        """The experiment's task for checked settings (``make_task`` is what callers use)."""

    def fit_run(self, run: RunConfig, data: Any = None) -> RunConfig:
        """``run`` with the sizes the data decides (e.g. a text's vocabulary); most tasks change nothing."""
        return run

    def data_note(self, data: Any) -> str:
        """What a person should know about how their data is used ("" when nothing)."""
        return ""

    def check_preset(self, name: str) -> None:
        if name not in self.presets:
            raise ValueError(f"preset: got {schema.short(name)}, expected one of "
                             f"{', '.join(map(repr, self.presets))}")


def implied_by(implies: Mapping[tuple[str, Any], Mapping[str, Any]], chosen: Mapping[str, Any],
               pinned: Collection[str] = ()) -> dict[str, Any]:
    """The settings that go with the ``chosen`` values (a table like ``Experiment.implies``), except
    those ``pinned`` (set by the person in the same change or the link) and the chosen ones themselves;
    where two chosen values imply the same setting, the later one wins. The one rule of implications:
    the sidebar, the URL, the CLI's --set, compare and sweep all go through it."""
    out: dict[str, Any] = {}
    for name, value in chosen.items():
        for k, v in implies.get((name, value), {}).items():
            if k not in chosen and k not in pinned:
                out[k] = v
    return out


def check_io(exp_id: str, model: ModelConfig, n_in: int, n_out: int, head: str = "regression") -> None:
    """The task decides input_size, output_size and head: refuse a run that disagrees."""
    want = {"input_size": n_in, "output_size": n_out, "head": head}
    for k, v in want.items():
        if getattr(model, k) != v:
            raise ValueError(f"{k}: got {getattr(model, k)!r}, expected {v!r} for the {exp_id} task")
