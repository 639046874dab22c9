"""Metrics CSV and weights .npz: round trips, and every bad upload rejected with a plain message."""

import csv
import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.lib import format as npy

from rnn_core import ModelConfig, build_model
from rnn_core.export import CSV_COLUMNS, history_csv, load_weights, weights_npz
from rnn_core.messages import MAX_MESSAGE
from rnn_core.snapshot import Change, Record


def _rec(step, changes=(), val=None):
    return Record(step=step, epoch=step / 10, train_loss=0.5 / step, val_loss=val,
                  grad_norm_before=2.0, grad_norm_after=1.0, clip_fraction=0.5,
                  step_grad_norms=np.zeros(3), wall_time=0.1 * step, lr=0.01, clip_mode="norm",
                  clip=1.0, bptt_truncate=None, changes=changes)


def test_history_csv_parses_back():
    tricky = (Change("a", 1, 2), Change("b", "x", 'clip "x", y'))          # a comma and quotes in the cell
    text = history_csv([_rec(1), _rec(2, changes=tricky, val=0.25)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == 2
    assert rows[0]["val_loss"] == "" and rows[0]["bptt_truncate"] == "" and rows[0]["event"] == ""
    assert float(rows[1]["val_loss"]) == 0.25 and float(rows[1]["train_loss"]) == 0.25
    assert rows[1]["event"] == 'a 1 → 2; b x → clip "x", y'


def _params():
    return build_model(ModelConfig(hidden_size=4), seed=0).get_params()


def test_weights_round_trip_exactly():
    p = _params()
    back = load_weights(weights_npz(p), p)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
        assert back[k].dtype == p[k].dtype


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("raw,match", [
    (b"", "empty"),
    (b"\x00\x01binary junk" * 10, "not a .npz"),
    (b"PK\x03\x04" + b"\x00" * 100, "not a .npz|not a valid"),
    (b"x" * (6 * 1024 * 1024), "at most 5 MB"),
])
def test_bad_files_are_rejected(raw, match):
    with pytest.raises(ValueError, match=match):
        load_weights(raw, _params())


def test_pickled_objects_are_never_loaded():
    p = _params()
    evil = dict(p)
    evil["W_hh"] = np.array([{"a": 1}], dtype=object)
    with pytest.raises(ValueError, match="pickled"):
        load_weights(_npz(**evil), p)


def test_wrong_names_and_shapes_are_explained():
    p = _params()
    with pytest.raises(ValueError, match="expected .*W_hh"):
        load_weights(_npz(W=np.zeros(3)), p)
    other = build_model(ModelConfig(hidden_size=5), seed=0).get_params()
    with pytest.raises(ValueError, match=r"shape \(1, 5\), expected \(1, 4\)"):
        load_weights(weights_npz(other), p)
    bad = dict(p)
    bad["b_y"] = np.array([np.nan])
    with pytest.raises(ValueError, match="NaN"):
        load_weights(_npz(**bad), p)


def test_archive_that_unpacks_far_beyond_the_model_is_refused():
    buf = io.BytesIO()
    np.savez_compressed(buf, W_xh=np.zeros(4_000_000))          # 32 MB of zeros, ~30 KB packed
    raw = buf.getvalue()
    assert len(raw) < 1_000_000
    with pytest.raises(ValueError, match="unpacks to"):
        load_weights(raw, _params())


def test_members_that_are_not_npy_arrays_are_refused():
    import zipfile
    p = _params()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k in p:
            z.writestr(k, b"not an array")
    with pytest.raises(ValueError, match="not a .npy array"):
        load_weights(buf.getvalue(), p)


# ----------------------------------------------------------------------------- values the model cannot hold

def test_values_too_large_for_the_models_dtype_are_refused():
    p = _params()                                                   # float32
    big = {k: v.astype(np.float64) for k, v in p.items()}
    big["W_hh"] = np.full((4, 4), 1e300)                            # finite in float64, inf in float32
    with pytest.raises(ValueError) as e:
        load_weights(_npz(**big), p)
    assert str(e.value) == ("weights file: W_hh has values up to 1e+300, too large for float32 (which holds "
                            "at most 3.4e+38); expected the weights of a model that trained without "
                            "overflowing")
    p64 = build_model(ModelConfig(hidden_size=4, dtype="float64"), seed=0).get_params()
    assert load_weights(_npz(**big), p64)["W_hh"][0, 0] == 1e300      # a float64 model holds them
    edge = dict(p)
    edge["W_hh"] = np.full((4, 4), 3e38)                            # just below float32's largest
    assert load_weights(_npz(**edge), p)["W_hh"].dtype == np.float32


# ----------------------------------------------------------------------------- messages stay short

def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_an_archive_of_40000_members_gets_a_short_message():
    raw = _zip({f"m{i}": b"" for i in range(40_000)})
    assert len(raw) < 5_000_000
    with pytest.raises(ValueError) as e:
        load_weights(raw, _params())
    assert str(e.value) == ("weights file: got 40,000 arrays (m0, m1, m10, m100, m1000 and 39,995 more), "
                            "expected 5: W_hh, W_hy, W_xh, b_h, b_y (was it saved from another cell or "
                            "experiment?)")


def test_long_member_names_and_odd_dtypes_are_cut_short():
    p = _params()
    with pytest.raises(ValueError, match="arrays") as e:
        load_weights(_zip({"n" * 60_000: b"", "m" * 60_000: b""}), p)
    assert len(str(e.value)) <= MAX_MESSAGE
    odd = dict(p)
    odd["b_y"] = np.zeros(1, dtype=[("f" * 5000, "f8")])           # a structured dtype with a long name
    with pytest.raises(ValueError, match="b_y has dtype .*expected numbers") as e:
        load_weights(_npz(**odd), p)
    assert len(str(e.value)) <= MAX_MESSAGE


def _member(shape: tuple[int, ...], data: bytes = b"") -> bytes:
    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def test_a_header_announcing_a_huge_array_is_refused_before_reading_it():
    """Its shape is checked before any memory is set aside for it (3.6 TiB here: a MemoryError)."""
    p = _params()
    members = {f"{k}.npy": _member(v.shape, v.tobytes()) for k, v in p.items()}
    members["W_hh.npy"] = _member((10**6, 10**6))
    with pytest.raises(ValueError, match=r"W_hh has shape \(1000000, 1000000\), expected \(4, 4\)"):
        load_weights(_zip(members), p)
    members["W_hh.npy"] = _member((4, 4), b"\x00" * 10)             # 10 of its 64 bytes
    with pytest.raises(ValueError, match="W_hh could not be read"):
        load_weights(_zip(members), p)


def test_not_bytes():
    with pytest.raises(ValueError, match="bytes"):
        load_weights("a str", _params())                             # type: ignore[arg-type]


SHAPES = {"W_xh": (1, 4), "W_hh": (4, 4), "b_h": (4,), "W_hy": (4, 1), "b_y": (1,)}


def _check(raw: bytes) -> None:
    """Either a short ValueError, or weights a model of the expected shapes can take: the five
    parameters of a 4-unit RNN with one input and one output, float32 copies, finite, writable."""
    try:
        got = load_weights(raw, _params())
    except ValueError as e:
        assert 0 < len(str(e)) <= MAX_MESSAGE, str(e)
        return
    assert {k: v.shape for k, v in got.items()} == SHAPES
    assert all(v.dtype == np.float32 and v.flags.writeable and np.all(np.isfinite(v)) for v in got.values())
    build_model(ModelConfig(hidden_size=4), seed=0).set_params(got)         # and a model takes them


def test_an_undamaged_archive_gives_back_exactly_its_weights():
    for raw in (GOOD, GOOD_COMPRESSED.getvalue()):
        got = load_weights(raw, _params())
        for k, v in _params().items():
            np.testing.assert_array_equal(got[k], v)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from([b"", b"PK", b"PK\x03\x04"]))
def test_any_bytes_give_weights_or_a_short_value_error(tail, head):
    _check(head + tail)


GOOD = weights_npz(_params())
GOOD_COMPRESSED = io.BytesIO()
np.savez_compressed(GOOD_COMPRESSED, **_params())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([GOOD, GOOD_COMPRESSED.getvalue()]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_archives_give_weights_or_a_short_value_error(good, flips):
    raw = bytearray(good)
    for at, byte in flips:
        raw[at % len(raw)] = byte
    _check(bytes(raw))
