"""A checkpoint's setup: the settings it opens a page with, written as the page's URL query
(``preset=article&lr=0.01&compare=activation:sigmoid,tanh``), and the runs the page trains from it.

``runs`` builds them as the app does (ui/urls.py, ui/layout.py): the preset, the link's knob values and
what goes with them (``Experiment.implied``, never over a value the link sets), then one run per
compared value (``compare.runs_of``, never over what the link set). A seed given here overrides the
setup's, as a person changing the Seed knob would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..compare import Spec, parse_spec, runs_of
from ..config import RunConfig
from ..experiments import Experiment

EXTRA_KEYS = ("preset", "compare")      # the query's keys that are not knobs


@dataclass(frozen=True)
class Setup:
    """A setup's parts: the preset, the knob values the link sets (in the link's order), the comparison."""

    preset: str
    values: tuple[tuple[str, Any], ...]
    spec: Spec | None

    @property
    def chosen(self) -> dict[str, Any]:
        return dict(self.values)


def parse_setup(exp: Experiment, text: str) -> Setup:
    """The parts of a setup query, each checked by the experiment (its presets, its knobs' ``parse``,
    ``compare.parse_spec``); a ValueError naming the part otherwise. A key given twice is refused."""
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"setup: got {text!r}, expected each key once")
    found = dict(pairs)
    preset = found.pop("preset", exp.presets[0])
    exp.check_preset(preset)
    spec = parse_spec(found.pop("compare"), exp) if "compare" in found else None
    unknown = [k for k in found if k not in exp.knobs]
    if unknown:
        raise ValueError(f"setup: got unknown key {unknown[0]!r} for the {exp.id} page, expected "
                         f"{', '.join((*EXTRA_KEYS, *exp.knobs))}")
    values = tuple((k, exp.knob(k).parse(v)) for k, v in found.items())
    if spec is not None and spec.knob in found:
        raise ValueError(f"setup: {spec.knob} is both set and compared, expected one of them")
    return Setup(preset, values, spec)


def runs(exp: Experiment, text: str, seed: int | None = None, epochs: int | None = None) -> list[RunConfig]:
    """The runs the page trains from the setup ``text`` (one, or one per compared value); ``seed`` in
    place of the setup's, ``epochs`` in place of the page's run length (a headless check)."""
    setup = parse_setup(exp, text)
    chosen = setup.chosen
    if seed is not None:
        chosen["seed"] = seed
    if epochs is not None:
        chosen["epochs"] = epochs
    extra = {k: v for k, v in exp.implied(chosen, pinned=chosen).items() if k in exp.knobs}
    preset = exp.fit_run(exp.preset(setup.preset))
    base = exp.fit_run(preset.replace(**chosen, **extra))
    if setup.spec is None:
        return [base]
    return runs_of(base, setup.spec, exp, None, pinned=base.diff(preset))
