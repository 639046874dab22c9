"""The hidden-state trajectory of the probe sequence, drawn in the plane of its two main directions.

``fit(hidden)`` finds the two directions along which the states h_0 … h_{T-1} spread most (principal
components, by numpy's SVD of the centred states), ``project`` puts a path into that plane, and
``align(new, old)`` keeps the picture steady while the weights change: an SVD may return an axis
with either sign, and two axes of nearly equal spread may swap places from one tick to the next, so
the new axes are reordered to match the old ones best and each is flipped to point the old one's way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .i18n import _

AXES = 2


@dataclass(frozen=True)
class Projection:
    """A plane through the hidden states (float64, read-only arrays)."""

    mean: np.ndarray        # (hid,): the centre of the states
    axes: np.ndarray        # (2, hid): orthonormal directions, rows (zero rows where the states have none)
    explained: np.ndarray   # (2,): share of the states' variance along each axis (sum ≤ 1)


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def fit(hidden: np.ndarray) -> Projection:
    """The plane of the two principal directions of ``hidden`` (T, hid). Each axis points where its
    largest component is positive, so the same states always give the same axes; fewer than two
    directions (T = 1, hid = 1, all states equal) leave zero rows with a zero share."""
    h = np.asarray(hidden, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] < 1 or h.shape[1] < 1:
        raise ValueError(_("hidden: got shape {shape}, expected (time, hidden) with both at least 1").format(
            shape=h.shape))
    mean = h.mean(axis=0)                                           # (hid,)
    _u, s, vt = np.linalg.svd(h - mean, full_matrices=False)         # s (r,), vt (r, hid)
    var = s ** 2                                                    # variance along each direction, × T
    total = var.sum()
    axes, explained = np.zeros((AXES, h.shape[1])), np.zeros(AXES)
    keep = min(AXES, int(np.sum(var > total * 1e-24)) if total > 0 else 0)
    for i in range(keep):
        v = vt[i]
        axes[i] = v if v[np.argmax(np.abs(v))] > 0 else -v
        explained[i] = var[i] / total
    return Projection(mean=_frozen(mean), axes=_frozen(axes), explained=_frozen(explained))


def project(proj: Projection, hidden: np.ndarray) -> np.ndarray:
    """The states ``hidden`` (T, hid) as points of the plane, (T, 2)."""
    return (np.asarray(hidden, dtype=np.float64) - proj.mean) @ proj.axes.T


def align(new: Projection, old: Projection) -> Projection:
    """``new`` with its axes in the order that matches ``old``'s best (the larger total |cosine|) and
    each flipped to have a positive dot product with the old axis it matches (a zero row stays). The
    explained shares follow their axes; the mean is the new one."""
    if new.axes.shape != old.axes.shape:
        raise ValueError(_("old: got axes of shape {got}, expected {want} like the new ones").format(
            got=old.axes.shape, want=new.axes.shape))
    cos = new.axes @ old.axes.T                                     # (2, 2): new axis i · old axis j
    order = [0, 1] if abs(cos[0, 0]) + abs(cos[1, 1]) >= abs(cos[0, 1]) + abs(cos[1, 0]) else [1, 0]
    axes, explained = new.axes[order].copy(), new.explained[order].copy()
    for j in range(AXES):
        if axes[j] @ old.axes[j] < 0:
            axes[j] = -axes[j]
    return Projection(mean=new.mean, axes=_frozen(axes), explained=_frozen(explained))
