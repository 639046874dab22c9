"""Dinosaur names (the dinosaur article): a character-level RNN that reads names and invents new ones.

Each name is a sequence: the input at step 0 is the zero vector (the "start" token, the article's
X = [None, ...]), at step t the one-hot of letter t-1; the target at step t is letter t and, after
the last letter, "\\n" (end of name). Vocabulary: "\\n" + a–z = 27 (index 0 is "\\n").
10 % of the names are held out for validation, by a split fixed by the data (not by the run seed),
so metrics compare across seeds.

With batch_size 1 the hidden state carries over from one name to the next, as the article's loop
does (``optimize(X, Y, a_prev)`` returns the last state and feeds it to the next name); with larger
batches every name starts from h = 0, as sampling does.

A user corpus (``make_task(run, data=text)``) builds its own vocabulary (see ``rnn_core.text``):
the ModelConfig's input/output size must match it, which ``fit_run(run, data)`` arranges.

Metrics: train_nats_per_char, val_nats_per_char (mean cross-entropy per predicted character, the
final "\\n" included, from a zero state), samples (7 sampled names). ``evaluate`` runs after every
tick of the app, so it scores fixed subsets of at most EVAL_CHARS characters (every k-th sequence):
for the dinosaurs every validation name and every 5th training name. ``evaluate_full`` scores all.
Predictions: {"samples": list[str], "vocab": list[str] (index → character),
"probe_text": str (the probe name), "probe_probs": (T, V) probability of each next character along
the probe name, row t after reading its first t characters}.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from .. import memory
from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..text import (
    DINO_VOCAB,
    END,
    MAX_VOCAB,
    Vocab,
    corpus_sequences,
    encode_batch,
    length_buckets,
    log_softmax,
    nats_per_char,
    sample_names,
)
from .base import Batch, Evaluation, Experiment, Metric, Task

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "dinos.txt"
SPLIT_SEED = 2024               # fixes the train / validation split, whatever the run seed
VAL_FRACTION = 0.1
MAX_SEQUENCES = 100_000         # a user text's sequences kept (evenly spread): bounds memory and time
MAX_EPOCH = 20_000              # sequences in one epoch of a big corpus (a fresh random subset each epoch)
EVAL_CHARS = 4_000              # characters scored per set at each evaluation (dinos: all val, 1/5 of train)
ONEHOT_BUDGET = 4_000_000       # one-hot inputs per epoch (16 MB float32); beyond, an epoch is a subset
EVAL_BATCH = 128                # sequences per forward pass when scoring
N_SAMPLES = 7
PROBE_NAME = "tyrannosaurus"


@functools.lru_cache(maxsize=1)
def dino_text() -> str:
    """The shipped list of dinosaur genus names, one per line."""
    return DATA_PATH.read_text(encoding="utf-8")


Corpus = tuple[Vocab, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]
_last_user: tuple[str, Corpus, int] | None = None   # the latest user corpus: (digest, corpus, sequences)


def _corpus(text: str | None) -> Corpus:
    """Vocabulary and the fixed train / validation split (as id arrays) of a corpus (None = dinosaurs).
    The dinosaurs are kept for the process; of user texts only the latest one (by digest), so that
    the memory of uploads goes when their sessions do."""
    global _last_user
    if text is None:
        return _dino_corpus()
    if not isinstance(text, str):
        raise ValueError(f"data: got {type(text).__name__}, expected the text of a corpus (str)")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    hit = _last_user
    if hit is None or hit[0] != digest:
        hit = _last_user = (digest, *_user_corpus(text))
        memory.release()                                # what reading a big text freed goes back
    return hit[1]


def _user_corpus(text: str) -> tuple[Corpus, int]:
    """The corpus of a user text and how many sequences the whole text makes."""
    thin = _thinned(text.lower())
    seqs, _ = corpus_sequences(thin)
    total = len(seqs) if len(thin) == len(text) else text.strip(END).count(END) + 1   # lines
    if len(seqs) > MAX_SEQUENCES:                      # evenly spread: the whole text is represented
        seqs = [seqs[i] for i in np.linspace(0, len(seqs) - 1, MAX_SEQUENCES).round().astype(int)]
    return _split(seqs, Vocab.from_text("".join(seqs))), total


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


def sequences_in(text: str) -> tuple[int, int]:
    """(sequences kept, sequences in the text) of a user text."""
    _, train, val = _corpus(text)
    kept = len(train) + len(val)
    return kept, _last_user[2] if _last_user is not None else kept


@functools.lru_cache(maxsize=1)
def _dino_corpus() -> Corpus:
    names = sorted({ln.strip().lower() for ln in dino_text().splitlines() if ln.strip()})
    return _split([n + END for n in names], DINO_VOCAB)


def _split(seqs: list[str], vocab: Vocab) -> Corpus:
    """The sequences as id arrays, cut into the fixed train / validation split."""
    if vocab.size > MAX_VOCAB:
        raise ValueError(f"data: the text uses {vocab.size} different characters, expected at most "
                         f"{MAX_VOCAB}")
    if len(seqs) < 2:
        raise ValueError(f"data: got {len(seqs)} sequence(s), expected at least 2 names or a longer text")
    ids = vocab.encode("".join(seqs))                                # every character at once
    ids.setflags(write=False)
    cuts = np.cumsum([len(s) for s in seqs])[:-1]
    all_ids = np.split(ids, cuts)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(seqs))
    n_val = max(1, int(round(VAL_FRACTION * len(seqs))))
    val = tuple(all_ids[i] for i in sorted(order[:n_val]))
    train = tuple(all_ids[i] for i in sorted(order[n_val:]))
    return vocab, train, val


class CharTask(Task):
    """Next-character prediction over a list of sequences (names with "\\n", or prose chunks)."""

    targets = "all"

    def __init__(self, vocab: Vocab, train: tuple[np.ndarray, ...], val: tuple[np.ndarray, ...],
                 carry: bool) -> None:
        self.vocab = vocab
        self.vocab_size = vocab.size
        self.carry_state = carry
        self.train_ids, self.val_ids = train, val
        self._train_eval = length_buckets(_fixed_subset(train, EVAL_CHARS), EVAL_BATCH, vocab.size)
        self._val_eval = length_buckets(_fixed_subset(val, EVAL_CHARS), EVAL_BATCH, vocab.size)
        probe = vocab.encode(PROBE_NAME + END) if set(PROBE_NAME) <= set(vocab.chars) else val[0]
        self.probe_text = vocab.decode(probe).rstrip(END)
        self._probe_x, self._probe_y = encode_batch([probe], vocab.size)            # (1, T, V), (1, T)
        self._max_len = max(len(s) for s in train)
        # sequences per epoch: a big corpus trains on a fresh random subset each epoch (bounded memory)
        self.epoch_size = min(len(train), MAX_EPOCH,
                              max(64, ONEHOT_BUDGET // (self._max_len * vocab.size)))

    def count_batches(self, batch_size: int) -> int:
        return -(-self.epoch_size // batch_size)                   # without building a single batch

    @property
    def eval_sequences(self) -> float:
        """Two scored subsets of EVAL_CHARS characters, the samples and the probe (forward)."""
        return (2 * EVAL_CHARS / 3 + N_SAMPLES * 50) / self._max_len

    @property
    def probe_x(self) -> np.ndarray:
        return self._probe_x

    @property
    def probe_y(self) -> np.ndarray:
        return self._probe_y                                       # (1, T): each next character's id

    @property
    def max_len(self) -> int:
        return self._max_len

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        order = rng.permutation(len(self.train_ids))[: self.epoch_size]
        reset = not (self.carry_state and batch_size == 1)       # a live change to batches stops carrying
        return [Batch(*encode_batch([self.train_ids[i] for i in order[k:k + batch_size]], self.vocab_size),
                      reset=reset)
                for k in range(0, len(order), batch_size)]

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """Cheap enough for every tick: scores fixed subsets of at most EVAL_CHARS characters."""
        return self._evaluation(model, rng, self._train_eval, self._val_eval)

    def evaluate_full(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """As ``evaluate``, scoring every training and validation sequence (for final numbers)."""
        full = functools.partial(length_buckets, size=EVAL_BATCH, vocab_size=self.vocab_size)
        return self._evaluation(model, rng, full(list(self.train_ids)), full(list(self.val_ids)))

    def _evaluation(self, model: Model, rng: np.random.Generator, train_buckets: list,
                    val_buckets: list) -> Evaluation:
        val = nats_per_char(model, val_buckets)
        train = nats_per_char(model, train_buckets)
        samples = sample_names(model, rng, n=N_SAMPLES, vocab=self.vocab)
        probs = np.exp(log_softmax(model.forward(self._probe_x).outputs[0].astype(np.float64)))  # (T, V)
        return Evaluation(
            val_loss=val,
            metrics={"train_nats_per_char": train, "val_nats_per_char": val, "samples": samples},
            predictions={"samples": samples, "vocab": list(self.vocab.chars),
                         "probe_text": self.probe_text, "probe_probs": probs})


def _fixed_subset(seqs: tuple[np.ndarray, ...], max_chars: int) -> list[np.ndarray]:
    """Every sequence if they hold at most ``max_chars`` characters, else every k-th (always the same)."""
    step = max(1, -(-sum(len(s) for s in seqs) // max_chars))
    return list(seqs[::step])


class Dinos(Experiment):
    """Character-level RNN on dinosaur names (or a user's corpus); see the module docstring."""

    id = "dinos"
    order = 2
    title = "Dinosaur names"
    icon = ":material/pets:"
    url_path = "dinosaur_names"
    blurb = "A character-level RNN reads dinosaur names and invents new ones as it learns."
    article = "理解RNN_恐龙岛 (after https://blog.csdn.net/u013733326/article/details/80890454)"
    metrics = (Metric("train_nats_per_char", "training loss, nats per character"),
               Metric("val_nats_per_char", "validation loss, nats per character"),
               Metric("samples", "sampled names", better=""))
    upload = "text"

    def preset(self, name: str = "default") -> RunConfig:
        self.check_preset(name)
        v = DINO_VOCAB.size
        if name == "article":
            # hidden 50, tanh, N(0, 0.01) weights, plain SGD on one name at a time (state carried),
            # np.clip(g, -5, 5), 3,500 steps ≈ 3 epochs of our 90 % training names. The article's loss is
            # the SUM over a name's characters, ours the mean: its lr 0.01 and clip 5 on the sum are
            # lr 0.13 and clip 0.4 on the mean for a name of 12.8 characters (the average, "\n"
            # included): the same update.
            return RunConfig(
                ModelConfig(input_size=v, hidden_size=50, output_size=v, activation="tanh",
                            head="classification", dtype="float64", init="normal", init_std=0.01),
                TrainConfig(lr=0.13, optimizer="sgd", clip_mode="value", clip=0.4, bptt_truncate=None,
                            batch_size=1, epochs=3))
        # The article's model and init (hidden 50, tanh, N(0, 0.01)); Adam on batches of 32 names.
        # The small init matters: it generalises better than Xavier / orthogonal on 1.3k names.
        return RunConfig(
            ModelConfig(input_size=v, hidden_size=50, output_size=v, activation="tanh",
                        head="classification", init="normal", init_std=0.01),
            TrainConfig(lr=0.005, optimizer="adam", clip_mode="norm", clip=5.0, batch_size=32, epochs=35))

    def build_task(self, run: RunConfig, data: Any = None) -> CharTask:
        vocab, train, val = _corpus(data)
        m = run.model
        if m.input_size != vocab.size or m.output_size != vocab.size or m.head != "classification":
            raise ValueError(f"model: got input_size={m.input_size}, output_size={m.output_size}, "
                             f"head={m.head!r}; expected {vocab.size}, {vocab.size}, 'classification' for "
                             "this text (use fit_run(run, data))")
        return CharTask(vocab, train, val, carry=run.train.batch_size == 1)

    def vocab_for(self, data: Any = None) -> Vocab:
        """The vocabulary a corpus gives (None = the dinosaur list)."""
        return _corpus(data)[0]

    def data_note(self, data: Any) -> str:
        kept, total = sequences_in(data)
        if kept == total:
            return ""
        return f"The text makes {total:,} sequences; {kept:,} of them, spread evenly, are learned."

    def fit_run(self, run: RunConfig, data: Any = None) -> RunConfig:
        """``run`` with input/output size set to the vocabulary of ``data`` (and the classification head)."""
        v = self.vocab_for(data).size
        return run.replace(input_size=v, output_size=v, head="classification")


EXPERIMENT = Dinos()
