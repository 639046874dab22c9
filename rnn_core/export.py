"""Downloads and uploads of a run: the metrics history as CSV, the weights as a pickle-free .npz."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable

import numpy as np

from .trainer import Record

MAX_NPZ_BYTES = 5 * 1024 * 1024      # the app's upload limit
CSV_COLUMNS = ("step", "epoch", "train_loss", "val_loss", "grad_norm_before", "grad_norm_after",
               "clip_fraction", "wall_time", "lr", "clip_mode", "clip", "bptt_truncate", "event")


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    text = str(v)
    if any(c in text for c in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def history_csv(history: Iterable[Record]) -> str:
    """One row per record of the training history, with a header; empty cells for missing values."""
    rows = [",".join(CSV_COLUMNS)]
    rows += [",".join(_cell(getattr(r, c)) for c in CSV_COLUMNS) for r in history]
    return "\n".join(rows) + "\n"


def weights_npz(params: dict[str, np.ndarray]) -> bytes:
    """The parameters as .npz bytes (plain arrays only: loadable with allow_pickle=False)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in params.items()})
    return buf.getvalue()


def _check_unpacked_size(raw: bytes, expected: dict[str, np.ndarray]) -> None:
    """Refuse an archive that would unpack far beyond the model's size (a zip bomb) before reading it."""
    limit = 2 * sum(8 * v.size for v in expected.values()) + 64 * 1024   # float64 + headers, with room
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            total = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValueError("weights file: not a .npz archive, expected the .npz this app downloads") from None
    if total > limit:
        raise ValueError(f"weights file: it unpacks to {total / 1e6:.1f} MB, far more than the current "
                         "model's weights; expected the .npz this app downloads for this model")


def load_weights(raw: bytes, expected: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Read .npz bytes and check them against the current model's parameters.

    Raises ValueError with a plain message when the file is not a .npz of plain numeric arrays
    or when names or shapes do not fit the model (e.g. it was saved with another hidden size).
    """
    if not raw:
        raise ValueError("weights file: got an empty file, expected a .npz saved by this app")
    if len(raw) > MAX_NPZ_BYTES:
        raise ValueError(f"weights file: got {len(raw) / 1e6:.1f} MB, expected at most 5 MB")
    if not raw.startswith(b"PK"):        # an .npz is a zip archive
        raise ValueError("weights file: not a .npz archive, expected the .npz this app downloads")
    _check_unpacked_size(raw, expected)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ValueError("weights file: it contains pickled Python objects, which are never "
                             "loaded; expected plain numeric arrays") from None
        raise ValueError(f"weights file: not a valid .npz ({e})") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError):
        raise ValueError("weights file: not a .npz archive, expected the .npz this app downloads") from None
    if set(arrays) != set(expected):
        raise ValueError(f"weights file: got arrays {sorted(arrays)}, expected {sorted(expected)} "
                         "(was it saved from another cell or experiment?)")
    for k, ref in expected.items():
        a = arrays[k]
        if not isinstance(a, np.ndarray):
            raise ValueError(f"weights file: {k} is not a .npy array, expected the .npz this app downloads")
        if a.dtype.kind not in "fiu":
            raise ValueError(f"weights file: {k} has dtype {a.dtype}, expected numbers")
        if a.shape != ref.shape:
            raise ValueError(f"weights file: {k} has shape {a.shape}, expected {ref.shape} for the "
                             "current model (set the same hidden size, cell and data first)")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"weights file: {k} contains NaN or inf, expected finite numbers")
    return {k: arrays[k].astype(expected[k].dtype) for k in expected}
