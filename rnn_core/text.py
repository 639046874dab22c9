"""Characters for the text experiments: a vocabulary, one-hot batches, scoring and sampling.

A sequence is stored as the string of characters the model must predict, one per time step:
a name is its letters plus "\\n" (the end-of-name token, as in min-char-rnn and the dinosaur article), a
prose chunk is just its characters. The input at step t is the one-hot of the character at t-1;
the input at step 0 is the zero vector (the "start" token, as in the article: X = [None, ...]).
The end token "\\n" is always vocabulary index 0. Every corpus is lower-cased (as the article does).
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass

import numpy as np

from .contract import Model
from .i18n import _

END = "\n"                      # end-of-name token, vocabulary index 0
MAX_VOCAB = 100                 # distinct characters a corpus may use (keeps a session's model small)
SAMPLE_MAX_LEN = 50             # sampling stops at "\n" or after this many characters (the article's 50)


@dataclass(frozen=True)
class Vocab:
    """Characters of a corpus; index 0 is the end token "\\n"."""

    chars: tuple[str, ...]      # ("\n", "a", "b", ...)

    def __post_init__(self) -> None:
        if not self.chars or self.chars[0] != END or len(set(self.chars)) != len(self.chars):
            raise ValueError("vocab: expected distinct single characters starting with '\\n'")

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        """"\\n" then every other character of ``text`` in sorted order."""
        return cls((END, *sorted(set(text) - {END})))

    @property
    def size(self) -> int:
        return len(self.chars)

    @functools.cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """Code points sorted (V,) and the id of each, for vectorised lookups."""
        cps = np.array([ord(c) for c in self.chars], dtype=np.uint32)
        order = np.argsort(cps)
        return cps[order], order.astype(np.int64)

    def encode(self, s: str) -> np.ndarray:
        """Character ids (len(s),); ValueError naming the characters the vocabulary lacks."""
        cps = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
        table, ids = self._table
        pos = np.searchsorted(table, cps).clip(0, len(table) - 1)
        ok = table[pos] == cps
        if not ok.all():
            bad = sorted({chr(c) for c in cps[~ok]})
            shown = ", ".join(repr(c) for c in bad[:10])
            known = "".join(c for c in self.chars if c != END)
            raise ValueError(_("text: got characters the model does not know ({unknown}); expected only "
                               "{known}").format(unknown=shown, known=repr(known)))
        return ids[pos]

    def decode(self, ids: np.ndarray | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)


DINO_VOCAB = Vocab((END, *string.ascii_lowercase))   # 27: "\n" + a–z, as in the article


def encode_batch(seqs: list[np.ndarray], vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot inputs and target ids for sequences of ids, padded to the longest.

    x (B, T, V) float32: step 0 is the zero "start" vector, step t the one-hot of seq[t-1];
    y (B, T) int64: seq[t], -1 past a sequence's end (padding, ignored by the loss).
    """
    B, T = len(seqs), max(len(s) for s in seqs)
    y = np.full((B, T), -1, dtype=np.int64)
    for b, s in enumerate(seqs):
        y[b, : len(s)] = s
    x = np.zeros((B, T, vocab_size), dtype=np.float32)
    prev = y[:, :-1]                                        # the character before step t = 1..T-1
    bi, ti = np.nonzero(prev >= 0)
    x[bi, ti + 1, prev[bi, ti]] = 1.0
    return x, y


def length_buckets(seqs: list[np.ndarray], size: int, vocab_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sequences sorted by length and cut into encoded batches of ``size`` (little padding)."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    return [encode_batch([seqs[i] for i in order[k:k + size]], vocab_size)
            for k in range(0, len(order), size)]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, stable."""
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cross_entropy_sum(logits: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """Σ -log p(target) over the non-padding positions, and how many there are.

    -log softmax(z)[y] = logsumexp(z) - z[y], computed without the full log-probability matrix.
    """
    mask = y >= 0                                           # (B, T)
    z = logits[mask]                                        # (N, V)
    m = z.max(axis=1)                                       # (N,)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))    # logsumexp, stable
    ce = lse - z[np.arange(len(z)), y[mask]]
    return float(ce.sum(dtype=np.float64)), int(len(z))


def nats_per_char(model: Model, buckets: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Mean cross-entropy per predicted character (the end token included), from a zero state."""
    total, count = 0.0, 0
    for x, y in buckets:
        s, n = cross_entropy_sum(model.forward(x).outputs, y)
        total, count = total + s, count + n
    return total / max(count, 1)


# ----------------------------------------------------------------------------- sampling

def _vocab_for(model: Model, vocab: Vocab | None) -> Vocab:
    v = DINO_VOCAB if vocab is None else vocab
    if model.cfg.input_size != v.size or model.cfg.output_size != v.size:
        raise ValueError(f"vocab: got {v.size} characters for a model of input {model.cfg.input_size} / "
                         f"output {model.cfg.output_size}; pass the task's vocab")
    return v


def next_char_probs(model: Model, prefix: str, vocab: Vocab | None = None) -> np.ndarray:
    """Probabilities (V,) of the character after ``prefix`` (the start of a name, typed by a person).

    The prefix is lower-cased, as every corpus is; a character outside the vocabulary is a ValueError.
    """
    v = _vocab_for(model, vocab)
    if not isinstance(prefix, str):
        raise ValueError(f"prefix: got {type(prefix).__name__}, expected a string")
    ids = v.encode(prefix.lower())
    x = np.zeros((1, len(ids) + 1, v.size), dtype=np.float32)  # zero start vector, then the prefix
    x[0, np.arange(1, len(ids) + 1), ids] = 1.0
    logits = model.forward(x).outputs[0, -1].astype(np.float64)
    return np.exp(log_softmax(logits))


def sample_names(model: Model, rng: np.random.Generator, n: int = 7, temperature: float = 1.0,
                 greedy: bool = False, max_len: int = SAMPLE_MAX_LEN,
                 vocab: Vocab | None = None) -> list[str]:
    """``n`` names drawn one character at a time (all n in one batch) until "\\n" or ``max_len``.

    p(c) ∝ exp(logit_c / temperature); greedy takes the argmax (the same name every time).
    """
    v = _vocab_for(model, vocab)
    if not (temperature > 0):
        raise ValueError(f"temperature: got {temperature!r}, expected a number > 0")
    x = np.zeros((n, 1, v.size), dtype=np.float32)          # zero "start" input
    h, out = None, np.zeros((n, max_len), dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    length = np.full(n, max_len)
    for t in range(max_len):
        f = model.forward(x, h0=h)
        h = f.h_last
        logits = f.outputs[:, 0].astype(np.float64)          # (n, V)
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(logits))):
            length[alive] = t                                # overflowed weights: end the names here
            break
        if greedy:
            ids = logits.argmax(axis=1)
        else:
            p = np.exp(log_softmax(logits / temperature))
            ids = (p.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1).clip(0, v.size - 1)
        out[:, t] = ids
        ended = alive & (ids == 0)
        length[ended] = t
        alive &= ~ended
        if not alive.any():
            break
        x = np.zeros((n, 1, v.size), dtype=np.float32)
        x[np.arange(n), 0, ids] = 1.0
    return [v.decode(out[i, : length[i]]) for i in range(n)]


# ----------------------------------------------------------------------------- corpora

NAME_LINE_MAX = 40              # a corpus whose lines are (90 %) at most this long is a list of names
CHUNK = 48                      # prose is cut into chunks of this many characters


def corpus_sequences(text: str) -> tuple[list[str], str]:
    """The target strings of a corpus and its kind, "names" or "prose".

    names (≥ 10 non-empty lines, 90 % of them ≤ 40 characters): one sequence per line, stripped,
    ending in "\\n" (lines longer than 2·CHUNK are cut into pieces); prose: whitespace runs become one
    space and the text is cut into chunks of CHUNK characters with no end token.
    """
    lines = [ln.strip() for ln in text.split(END)]
    lines = [ln for ln in lines if ln]
    if len(lines) >= 10 and np.percentile([len(ln) for ln in lines], 90) <= NAME_LINE_MAX:
        seqs = []
        for ln in lines:
            pieces = [ln[k:k + 2 * CHUNK] for k in range(0, len(ln), 2 * CHUNK)]
            seqs += pieces[:-1] + [pieces[-1] + END]
        return seqs, "names"
    flat = " ".join(text.split())
    return [flat[k:k + CHUNK] for k in range(0, len(flat), CHUNK) if len(flat[k:k + CHUNK]) > 1], "prose"
