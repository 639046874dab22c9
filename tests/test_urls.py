"""Any URL value, for any knob, on any page: no traceback, and every knob inside its widget's range
(property-based: numbers, inf, nan, huge, negative, empty, unicode, long strings, repeated keys)."""

from __future__ import annotations

import math

from apptest import knob_value, open_page, run_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_core import schema
from rnn_core.experiments import experiment_ids, get_experiment
from ui import knobs

ODD = st.sampled_from(["inf", "-inf", "nan", "1e309", "-1", "0", "", " ", "1e-400", "9" * 40, "0x10",
                       "full", "none", "True", "½", "١٢", "🦖", "a" * 5000, "3.5", "1,2", "%00"])
VALUE = st.one_of(ODD, st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                  st.text(max_size=30))
KNOBS = sorted({k for e in experiment_ids() for k in get_experiment(e).knobs} | {"preset", "compare"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exp_id=st.sampled_from(experiment_ids()),
       query=st.dictionaries(st.sampled_from(KNOBS), st.lists(VALUE, min_size=1, max_size=2), max_size=4))
def test_any_url_values_leave_every_knob_in_range(exp_id, query):
    at = open_page(exp_id, **query)                          # a list: the key repeated
    assert not at.exception, [e.value for e in at.exception]
    exp = get_experiment(exp_id)
    lim = knobs.limits(exp_id)
    run = run_of(at, exp_id).run.as_dict()
    for name in exp.knobs:
        schema.check(name, run[name])                       # the run holds a valid setting
        shown = knob_value(at, name)
        if schema.KNOB[name].kind != "choice" and name != "bptt_truncate":
            top = lim.hi(name)
            assert math.isfinite(float(shown)) and (top is None or float(shown) <= top), (name, shown)
