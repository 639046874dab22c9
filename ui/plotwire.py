"""What a live chart sends over the websocket: the first time (and after a full page run, and every
KEYFRAME ticks) the whole figure, in between only what changed since the figure the browser holds —
points appended to a curve, columns appended to a heatmap, the traces or the layout that changed.
An append says where it goes (``at``), so a browser that missed an update (Streamlit drops a tick's
unsent messages when the next starts, under load) repeats nothing and loses nothing: it takes what
it can, and a gap waits for the next whole figure.

Numbers travel compactly: float arrays as base64 float32 (plotly.js reads typed arrays; a float64 adds
nothing a chart can show); a heatmap whose colour is what it shows (its trace's ``meta`` is LEVELS_META:
the hidden states, the gradient through time, the next-character probabilities) as one byte a cell, 255
levels between its colour range's ends (what a colour scale shows; such a hover gives two decimals, which
the levels keep to within one in the last, or takes its exact numbers from ``customdata``); any other
(the box's strips, whose hover gives four significant digits) as float32. ``decode`` is
the reader of this format in Python (the tests read the charts with it); ui/liveplot.js is the one in
the browser. Measured by bench/live.py: bytes per update per page.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

KEYFRAME = 20                    # ticks between whole figures, so a browser that lost one catches up
LEVELS = 254                     # such a heatmap's values: 0 … 254 across its colour range (255: none)
LEVELS_META = "levels"           # a heatmap's ``meta`` that lets its z travel as LEVELS levels


def _numeric(v: Any) -> np.ndarray | None:
    """``v`` as a float array when it is a numeric 1-D or 2-D array (a list, a numpy array, or the typed
    array plotly's own to_plotly_json makes of one), else None."""
    if isinstance(v, dict) and "bdata" in v and "dtype" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            a = a.reshape([int(s) for s in str(v["shape"]).split(",")])
        return a.astype(np.float64) if a.ndim in (1, 2) and a.size else None
    if isinstance(v, (str, bytes, dict)) or v is None or np.isscalar(v):
        return None
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a if a.ndim in (1, 2) and a.size else None


def pack(v: Any, key: str = "", trace: dict[str, Any] | None = None) -> Any:
    """One value of a figure, compact: numeric arrays as typed arrays, a big heatmap's z quantised."""
    a = _numeric(v)
    if a is None:
        return v
    if (key == "z" and a.ndim == 2 and trace is not None and trace.get("type") == "heatmap"
            and trace.get("meta") == LEVELS_META):
        lo, hi = _z_range(a, trace)
        q = np.where(np.isfinite(a), np.clip(np.rint((a - lo) / (hi - lo) * LEVELS), 0, LEVELS), LEVELS + 1)
        return {"dtype": "u1", "bdata": _b64(q.astype(np.uint8)), "shape": f"{a.shape[0]}, {a.shape[1]}",
                "q": [lo, hi, LEVELS]}
    out: dict[str, Any] = {"dtype": "f4", "bdata": _b64(a.astype(np.float32))}
    if a.ndim == 2:
        out["shape"] = f"{a.shape[0]}, {a.shape[1]}"
    return out


def _z_range(a: np.ndarray, trace: dict[str, Any]) -> tuple[float, float]:
    """The colour range a heatmap's values are quantised in: its zmin … zmax, else its finite values'."""
    lo, hi = trace.get("zmin"), trace.get("zmax")
    finite = a[np.isfinite(a)]
    lo = float(lo) if lo is not None else float(finite.min()) if finite.size else 0.0
    hi = float(hi) if hi is not None else float(finite.max()) if finite.size else 1.0
    return lo, hi if hi > lo else lo + 1.0


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def pack_figure(spec: dict[str, Any]) -> dict[str, Any]:
    """A whole figure (its dict) with every trace's arrays compact."""
    return {**spec, "data": [{k: pack(v, k, t) for k, v in t.items()} for t in spec.get("data", [])]}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    """What turns figure ``old`` into ``new`` (both dicts), as the ops the browser applies; None when
    only a whole figure will do (traces added, removed or of another type, a colour range moved)."""
    a, b = old.get("data", []), new.get("data", [])
    if len(a) != len(b) or any(x.get("type") != y.get("type") for x, y in zip(a, b, strict=True)):
        return None
    traces: dict[str, Any] = {}
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x.get("type") == "heatmap" and (x.get("zmin"), x.get("zmax")) != (y.get("zmin"), y.get("zmax")):
            return None
        ops = {k: op for k in {*x, *y} if (op := _op(k, x.get(k), y.get(k), y)) is not None}
        if ops:
            traces[str(i)] = ops
    out: dict[str, Any] = {"traces": traces}
    changed = _layout_changes(old.get("layout") or {}, new.get("layout") or {})
    if changed:
        out["relayout"] = changed
    return out


def _layout_changes(old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...] = ()) -> list[Any]:
    """[[path, value], …] that turn layout ``old`` into ``new``: nested dicts are compared key by key,
    anything else (a list, a number, a text) is replaced whole; a removed key is set to null."""
    out: list[Any] = []
    for k in dict.fromkeys([*old, *new]):
        a, b = old.get(k), new.get(k)
        if _same(a, b):
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += _layout_changes(a, b, (*path, k))
        else:
            out.append([[*path, k], b])
    return out


def _op(key: str, was: Any, now: Any, trace: dict[str, Any]) -> dict[str, Any] | None:
    """The op for one attribute: None (unchanged), append, append columns, or set."""
    na, nb = _numeric(was), _numeric(now)
    if na is not None and nb is not None and na.ndim == nb.ndim:
        if na.shape == nb.shape and np.array_equal(na, nb, equal_nan=True):
            return None
        if nb.ndim == 1 and len(nb) > len(na) and np.array_equal(nb[: len(na)], na, equal_nan=True):
            return {"append": pack(nb[len(na):]), "at": len(na)}
        ranged = trace.get("type") != "heatmap" or None not in (trace.get("zmin"), trace.get("zmax"))
        if (ranged and nb.ndim == 2 and nb.shape[0] == na.shape[0] and nb.shape[1] > na.shape[1]
                and np.array_equal(nb[:, : na.shape[1]], na, equal_nan=True)):
            return {"columns": pack(nb[:, na.shape[1]:], key, trace), "at": na.shape[1]}
    elif _same(was, now):
        return None
    return {"set": pack(now, key, trace)}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):                       # arrays of another shape or kind
        return False


def dumps(payload: dict[str, Any]) -> bytes:
    """The payload as strict JSON bytes (numpy values as numbers, a non-finite number as null)."""
    return json.dumps(_plain(payload), separators=(",", ":"), allow_nan=False).encode("utf-8")


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


# ----------------------------------------------------------------------------- reading (tests)

def unpack(v: Any) -> Any:
    """A compact value back as plain lists (a quantised heatmap back to numbers, NaN as None)."""
    if isinstance(v, dict) and "bdata" in v and "dtype" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(np.float64)
        if "shape" in v:
            a = a.reshape([int(s) for s in str(v["shape"]).split(",")])
        if "q" in v:
            lo, hi, levels = v["q"]
            a = np.where(a > levels, np.nan, lo + a / levels * (hi - lo))
        return [[None if np.isnan(c) else c for c in row] for row in a.tolist()] if a.ndim == 2 else [
            None if np.isnan(c) else c for c in a.tolist()]
    if isinstance(v, dict):
        return {k: unpack(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unpack(x) for x in v]
    return v


def decode(raw: bytes | str, held: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figure a browser holds after receiving ``raw`` on top of ``held`` (for the tests)."""
    msg = json.loads(raw)
    if msg["kind"] == "full":
        return unpack(msg["figure"])
    fig = json.loads(json.dumps(held or {"data": [], "layout": {}}))
    if msg["kind"] == "patch":
        for i, ops in msg["traces"].items():
            trace = fig["data"][int(i)]
            for k, op in ops.items():
                if "append" in op:
                    trace[k] = list(trace.get(k) or [])[: op["at"]] + unpack(op["append"])
                elif "columns" in op:
                    cols = unpack(op["columns"])
                    rows = zip(trace.get(k) or [], cols, strict=True)
                    trace[k] = [list(r)[: op["at"]] + c for r, c in rows]
                else:
                    trace[k] = unpack(op["set"])
        for path, value in msg.get("relayout", []):
            node = fig["layout"]
            for k in path[:-1]:
                node = node.setdefault(k, {})
            node[path[-1]] = unpack(value)
    return fig
