"""Metrics CSV and weights .npz: round trips, and every bad upload rejected with a plain message."""

import csv
import io

import numpy as np
import pytest

from rnn_core import ModelConfig, build_model
from rnn_core.export import CSV_COLUMNS, history_csv, load_weights, weights_npz
from rnn_core.trainer import Record


def _rec(step, event=None, val=None):
    return Record(step=step, epoch=step / 10, train_loss=0.5 / step, val_loss=val,
                  grad_norm_before=2.0, grad_norm_after=1.0, clip_fraction=0.5,
                  step_grad_norms=np.zeros(3), wall_time=0.1 * step, lr=0.01, clip_mode="norm",
                  clip=1.0, bptt_truncate=None, event=event)


def test_history_csv_parses_back():
    text = history_csv([_rec(1), _rec(2, event='lr 0.01 → 0.1; clip "x", y', val=0.25)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == 2
    assert rows[0]["val_loss"] == "" and rows[0]["bptt_truncate"] == ""
    assert float(rows[1]["val_loss"]) == 0.25 and float(rows[1]["train_loss"]) == 0.25
    assert rows[1]["event"] == 'lr 0.01 → 0.1; clip "x", y'


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
