"""``python -m rnn_core inspect``: train a run a few updates, then show one step of its probe sequence
forward and backward (rnn_core/stepview.py), as the app's "Inside one step" panel does.

The probe is the task's ``probe_x`` with its targets ``probe_y``; the truncation is the run's
``bptt_truncate`` and the loss terms are the task's (``targets``). ``--t`` counts from 0; -1 is the
last step (-T … -1 count from the end). The JSON object holds ``experiment``, ``preset``, ``step``
(updates made), ``diverged``, ``t``, ``T``, ``cell``, ``activation``, ``bptt_truncate``, ``window``,
``terms``, the step's vectors (``x_t``, ``h_prev``, ``xW``, ``hW``, ``b_h``, ``a``, ``h``, ``y_hat``,
``probs``, ``dL_dh``, ``from_output``, ``from_next``, ``to_prev``, ``dL_da``), ``loss`` and
``grad_norm``; the plain RNN adds its weights ``W_xh`` and ``W_hh``, the LSTM and the GRU their
``gates`` instead (and the LSTM ``cell_grads``). Non-finite numbers are written as null.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import schema
from .config import RunConfig
from .experiments import get_experiment
from .export import plain
from .i18n import _, ngettext
from .stepview import step_terms
from .trainer import Trainer

MAX_STEPS = 10_000_000           # updates `--steps` may ask for


def parse_int(text: str, arg: str, lo: int, hi: int) -> int:
    """An integer typed on the command line, in [lo, hi], or a refusal naming ``arg``."""
    number = re.fullmatch(r"\s*(-?\d{1,12})\s*", text)
    if number is None or not lo <= int(number[1]) <= hi:
        raise ValueError(_("{arg}: got {value}, expected an integer from {lo} to {hi}").format(
            arg=arg, value=number[1] if number else schema.short(text), lo=lo, hi=hi))
    return int(number[1])


def parse_step(text: str, T: int) -> int:
    """``--t``: a step of a probe of T steps, 0 … T-1 or -T … -1 counted from the end."""
    number = re.fullmatch(r"\s*(-?\d{1,12})\s*", text)
    if number is None or not -T <= int(number[1]) < T:
        raise ValueError(_("--t: got {value}, expected a step of the probe sequence from 0 to {last} "
                           "(or -1 for the last)").format(
            value=number[1] if number else schema.short(text), last=T - 1))
    return int(number[1]) % T


def inspect(exp_id: str, run: RunConfig, steps: str, t: str, preset: str = "default") -> dict[str, Any]:
    """The JSON object of ``inspect`` (see the module docstring); ``steps`` and ``t`` as typed."""
    exp = get_experiment(exp_id)
    n = parse_int(steps, "--steps", 0, MAX_STEPS)
    task = exp.make_task(run)
    T = int(task.probe_x.shape[1])
    step = parse_step(t, T)
    trainer = Trainer(task, run)
    if n:
        trainer.run(steps=n)
    st = step_terms(trainer.model, task.probe_x, task.probe_y, step, run.train.bptt_truncate, task.targets)
    out = {"experiment": exp.id, "preset": preset, "step": trainer.step, "diverged": trainer.stop is not None,
           **{k: v for k, v in st.as_dict().items() if v != {}}}       # no empty gates, cell_grads
    if st.cell == "rnn":
        params = trainer.model.get_params()
        out |= {"W_xh": params["W_xh"].astype(np.float64).tolist(),
                "W_hh": params["W_hh"].astype(np.float64).tolist()}
    return plain(out)


def text(r: dict[str, Any]) -> str:
    """The object of ``inspect`` as lines a person reads (vectors rounded to 4 significant digits)."""
    head = ngettext("{experiment} ({preset}) after {n} update: step {t} of {T}, {cell}, truncation {k}",
                    "{experiment} ({preset}) after {n} updates: step {t} of {T}, {cell}, truncation {k}",
                    r["step"]).format(experiment=r["experiment"], preset=r["preset"], n=r["step"], t=r["t"],
                                      T=r["T"], cell=r["cell"],
                                      k=schema.format_value("bptt_truncate", r["bptt_truncate"]))
    lines = [head]
    for name in ("x_t", "h_prev", "a", "h", "y_hat", "probs", "dL_dh", "from_output", "from_next", "to_prev"):
        if r.get(name) is not None:
            lines.append(f"  {name}: {_numbers(r[name])}")
    for name, v in {**r.get("gates", {}), **r.get("cell_grads", {})}.items():
        lines.append(f"  {name}: {_numbers(v)}")
    lines.append(f"  ‖dL_dh‖: {_numbers([r['grad_norm']])[1:-1]}")
    return "\n".join(lines)


def _numbers(v: list[float | None]) -> str:
    return "[" + ", ".join("–" if x is None else f"{x:.4g}" for x in v) + "]"
