"""A text prepared for a character-level model: its vocabulary, its fixed train / validation split as
character ids, and how many sequences the whole text makes (the dinos experiment's data).

Why a prepared object: turning a 5 MB upload into sequences takes about a second and hundreds of MB
of short-lived strings. It is done once, when the file is uploaded (``Experiment.prepare``), and the
person's session keeps the result instead of the text; reruns, the knob ranges, the note about the
data and every new run reuse it. Nothing about one person's text is kept anywhere else: there is no
process-wide cache that two sessions could evict from each other or read each other's data through.
A ``Corpus`` is immutable, so threads may share one.

The ids are stored flat (``Ragged``: one uint8 array of characters and the start and end of each
sequence), not as 100,000 small arrays: a corpus is a few numpy buffers whose memory goes back to the
system when the session ends, where a crowd of small objects would leave the heap fragmented.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from . import memory
from .i18n import _, ngettext
from .text import END, MAX_VOCAB, Vocab, corpus_sequences

SPLIT_SEED = 2024               # fixes the train / validation split, whatever the run seed
VAL_FRACTION = 0.1
MAX_SEQUENCES = 100_000         # a text's sequences kept (evenly spread): bounds memory and time
RELEASE_CHARS = 1_000_000       # after preparing a text this long, give the freed heap back (memory.release)


class Ragged(Sequence[np.ndarray]):
    """Sequences of character ids stored flat. Item i is a read-only view of ``ids``; a slice or
    ``take`` is another Ragged on the same ids (no copy)."""

    __slots__ = ("_ends", "_ids", "_starts")

    def __init__(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self._ids, self._starts, self._ends = ids, starts, ends

    @classmethod
    def from_lengths(cls, ids: np.ndarray, lengths: Sequence[int]) -> Ragged:
        ends = np.cumsum(lengths, dtype=np.int64)
        starts = ends - np.asarray(lengths, dtype=np.int64)
        if len(ids) < 2**31:                                          # half the memory
            starts, ends = starts.astype(np.int32), ends.astype(np.int32)
        return cls(ids, starts, ends)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, i: slice) -> Ragged: ...

    def __getitem__(self, i: int | slice) -> np.ndarray | Ragged:
        if isinstance(i, slice):
            return Ragged(self._ids, self._starts[i], self._ends[i])
        return self._ids[self._starts[i]:self._ends[i]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self._ids[a:b] for a, b in zip(self._starts.tolist(), self._ends.tolist(), strict=True))

    def take(self, index: np.ndarray) -> Ragged:
        return Ragged(self._ids, self._starts[index], self._ends[index])

    def lengths(self) -> np.ndarray:
        """(n,) characters of each sequence."""
        return self._ends - self._starts


@dataclass(frozen=True, eq=False)
class Corpus:
    """A text ready to train on; see the module docstring."""

    vocab: Vocab
    train: Ragged               # 90 % of the kept sequences
    val: Ragged                 # 10 %, chosen by SPLIT_SEED (the same for every run of the text)
    total: int                  # sequences the whole text makes (more than kept if it was thinned)

    @property
    def kept(self) -> int:
        return len(self.train) + len(self.val)


def split(seqs: list[str], vocab: Vocab, total: int | None = None) -> Corpus:
    """The sequences as ids in ``vocab``, cut into the fixed train / validation split."""
    if vocab.size > MAX_VOCAB:
        raise ValueError(_("data: the text uses {size} different characters, expected at most {most}").format(
            size=vocab.size, most=MAX_VOCAB))
    if len(seqs) < 2:
        raise ValueError(ngettext("data: got {n} sequence, expected at least 2 names or a longer text",
                                  "data: got {n} sequences, expected at least 2 names or a longer text",
                                  len(seqs)).format(
            n=len(seqs)))
    ids = vocab.encode("".join(seqs)).astype(np.uint8)            # every character at once; V ≤ 100
    ids.setflags(write=False)
    every = Ragged.from_lengths(ids, [len(s) for s in seqs])
    order = np.random.default_rng(SPLIT_SEED).permutation(len(seqs))
    n_val = max(1, int(round(VAL_FRACTION * len(seqs))))
    return Corpus(vocab, every.take(np.sort(order[n_val:])), every.take(np.sort(order[:n_val])),
                  len(seqs) if total is None else total)


def from_text(text: str) -> Corpus:
    """The corpus of a person's text (names, one per line, or prose; see ``text.corpus_sequences``).
    A text of more than MAX_SEQUENCES sequences keeps that many, spread evenly over it."""
    if not isinstance(text, str):
        raise ValueError(f"data: got {type(text).__name__}, expected the text of a corpus (str)")
    thin = _thinned(text.lower())
    seqs, _rest = corpus_sequences(thin)
    total = len(seqs) if len(thin) == len(text) else text.strip(END).count(END) + 1   # lines
    if len(seqs) > MAX_SEQUENCES:                      # evenly spread: the whole text is represented
        seqs = [seqs[i] for i in np.linspace(0, len(seqs) - 1, MAX_SEQUENCES).round().astype(int)]
    corpus = split(seqs, Vocab.from_text("".join(seqs)), total)
    del seqs, thin
    if len(text) > RELEASE_CHARS:
        memory.release()                               # the strings of a big text go back to the system
    return corpus


def _thinned(text: str) -> str:
    """A text of very many lines cut down to about 2·MAX_SEQUENCES of them, evenly spread, found with
    numpy rather than by splitting: millions of tiny strings would fragment the process's memory."""
    if text.count(END) <= 2 * MAX_SEQUENCES:
        return text
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ends = np.flatnonzero(codes == ord(END))                         # (lines,) position of each "\n"
    starts = np.concatenate([[0], ends + 1])
    keep = np.linspace(0, len(ends) - 1, 2 * MAX_SEQUENCES).round().astype(int)
    return END.join(text[starts[i]:ends[i]] for i in keep)
