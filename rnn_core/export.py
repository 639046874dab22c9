"""Downloads and uploads of a run: the metrics history as CSV, the weights as a pickle-free .npz."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.lib import format as npy

from .decoding import MAX_BYTES, size_limit
from .i18n import N_, _, fixed, integer, ngettext
from .messages import brief, capped_errors, clip
from .snapshot import Record

MAX_NPZ_BYTES = MAX_BYTES            # the app's upload limit (rnn_core.decoding)
CSV_COLUMNS = ("step", "epoch", "train_loss", "val_loss", "grad_norm_before", "grad_norm_after",
               "clip_fraction", "wall_time", "lr", "clip_mode", "clip", "bptt_truncate", "event")
NOT_NPZ = N_("weights file: not a .npz archive, expected the .npz this app downloads")


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


def _open_zip(raw: bytes, expected: dict[str, np.ndarray]) -> zipfile.ZipFile:
    """The archive, once it is known to be a zip that does not unpack far beyond the model's size (a zip
    bomb is refused before anything is unpacked)."""
    limit = 2 * sum(8 * v.size for v in expected.values()) + 64 * 1024   # float64 + headers, with room
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        total = sum(info.file_size for info in z.infolist())
    except Exception:  # noqa: BLE001 -- zipfile raises BadZipFile, OSError, NotImplementedError, … on bad bytes
        raise ValueError(_(NOT_NPZ)) from None
    if total > limit:
        z.close()
        raise ValueError(_("weights file: it unpacks to {mb} MB, far more than the current model's weights; "
                           "expected the .npz this app downloads for this model").format(
            mb=fixed(total / 1e6)))
    return z


def _members(z: zipfile.ZipFile, expected: dict[str, np.ndarray]) -> dict[str, str]:
    """The member holding each array, by array name (as numpy names them: without ".npy")."""
    members = {name.removesuffix(".npy"): name for name in z.namelist()}
    if set(members) != set(expected):
        raise ValueError(ngettext(
            "weights file: got {n} array ({names}), expected {count}: {expected} (was it saved from another "
            "cell or experiment?)",
            "weights file: got {n} arrays ({names}), expected {count}: {expected} (was it saved from another "
            "cell or experiment?)", len(members)).format(
                n=integer(len(members)), names=brief(sorted(members)), count=len(expected),
                expected=", ".join(sorted(expected))))
    return members


def _header(z: zipfile.ZipFile, member: str, k: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the .npy header of a member, read without reading its data."""
    try:
        with z.open(member) as f:
            version = npy.read_magic(f)
            read = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}[version]
            shape, _fortran_order, dtype = read(f)
    except Exception:  # noqa: BLE001 -- zip and .npy readers raise many types; each means "not an array"
        raise ValueError(_("weights file: {name} is not a .npy array, expected the .npz this app "
                           "downloads").format(name=k)) from None
    return shape, dtype


def _check_header(k: str, shape: tuple[int, ...], dtype: np.dtype, ref: np.ndarray) -> None:
    if dtype.hasobject:
        raise ValueError(_("weights file: it contains pickled Python objects, which are never "
                           "loaded; expected plain numeric arrays"))
    if dtype.kind not in "fiu":
        raise ValueError(_("weights file: {name} has dtype {dtype}, expected numbers").format(
            name=k, dtype=clip(str(dtype))))
    if shape != ref.shape:
        raise ValueError(_("weights file: {name} has shape {shape}, expected {expected} for the current "
                           "model (set the same hidden size, cell and data first)").format(
            name=k, shape=clip(str(shape)), expected=ref.shape))


def _read(z: zipfile.ZipFile, member: str, k: str, ref: np.ndarray) -> np.ndarray:
    """The array in ``member``, checked against ``ref`` (the model's own) before its data is read."""
    _check_header(k, *_header(z, member, k), ref)
    try:
        with z.open(member) as f:
            a = npy.read_array(f, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 -- a damaged member: zlib, lzma, CRC, EOF, format errors
        raise ValueError(_("weights file: {name} could not be read ({error}); expected the .npz this app "
                           "downloads").format(name=k, error=clip(str(e), 60))) from None
    return _cast(k, a, ref.dtype)


def _cast(k: str, a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a`` in the model's dtype; ValueError if it has NaN or inf, before or after the cast."""
    if not np.all(np.isfinite(a)):
        raise ValueError(_("weights file: {name} contains NaN or inf, expected finite numbers").format(
            name=k))
    with np.errstate(over="ignore"):
        out = a.astype(dtype)
    if not np.all(np.isfinite(out)):
        peak = float(np.max(np.abs(a.astype(np.float64))))
        raise ValueError(_("weights file: {name} has values up to {peak}, too large for {dtype} (which holds "
                           "at most {most}); expected the weights of a model that trained without "
                           "overflowing").format(name=k, peak=f"{peak:.3g}", dtype=dtype,
                                                 most=f"{float(np.finfo(dtype).max):.3g}"))
    return out


@capped_errors
def load_weights(raw: bytes, expected: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Read .npz bytes and check them against the current model's parameters.

    Returns the arrays in the dtypes of ``expected``. Raises ValueError with a plain message (at most
    ``MAX_MESSAGE`` characters) when the file is not a .npz of plain numeric arrays, when names or shapes
    do not fit the model (e.g. it was saved with another hidden size), or when a value is NaN, inf or
    too large for the model's dtype (1e300 in a float64 file, for a float32 model).
    Members are read one by one after their names, shapes and dtypes are checked: nothing is unpacked
    that the model would not use.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ValueError(f"weights file: got {type(raw).__name__}, expected the file's bytes")
    raw = bytes(raw)
    if not raw:
        raise ValueError(_("weights file: got an empty file, expected a .npz saved by this app"))
    if len(raw) > MAX_NPZ_BYTES:
        raise ValueError(_("weights file: got {n} bytes, expected at most {limit}").format(
            n=integer(len(raw)), limit=size_limit()))
    if not raw.startswith(b"PK"):        # an .npz is a zip archive
        raise ValueError(_(NOT_NPZ))
    with _open_zip(raw, expected) as z:
        members = _members(z, expected)
        return {k: _read(z, members[k], k, ref) for k, ref in expected.items()}


def plain(v: Any) -> Any:
    """``v`` with numpy scalars as Python numbers and NaN / ±inf as None (valid JSON)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
