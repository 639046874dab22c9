"""Dinosaur names (the dinosaur article): a character-level RNN that reads names and invents new ones.

Each name is a sequence: the input at step 0 is the zero vector (the "start" token, the article's
X = [None, ...]), at step t the one-hot of letter t-1; the target at step t is letter t and, after
the last letter, "\\n" (end of name). Vocabulary: "\\n" + a–z = 27 (index 0 is "\\n").
10 % of the names are held out for validation, by a split fixed by the data (not by the run seed),
so metrics compare across seeds.

With batch_size 1 the hidden state carries over from one name to the next, as the article's loop
does (``optimize(X, Y, a_prev)`` returns the last state and feeds it to the next name); with larger
batches every name starts from h = 0, as sampling does.

A user corpus builds its own vocabulary (see ``rnn_core.text``): the ModelConfig's input/output size
must match it, which ``fit_run(run, data)`` arranges. ``data`` is the text's ``Corpus``, made once by
``prepare(text)`` when the person uploads it and kept by their session (``rnn_core.corpus``), or the text
itself (the CLI, tests), prepared on the fly; no user text is cached across sessions.

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
from pathlib import Path
from typing import Any

import numpy as np

from .. import corpus
from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..corpus import Corpus, Ragged
from ..i18n import N_, _, integer
from ..text import (
    DINO_VOCAB,
    END,
    Vocab,
    encode_batch,
    length_buckets,
    log_softmax,
    nats_per_char,
    sample_names,
)
from .base import Batch, Evaluation, Experiment, LazyBatch, Metric, Task

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "dinos.txt"
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


@functools.lru_cache(maxsize=1)
def _dino_corpus() -> Corpus:
    """The shipped names (static data, the same for every session: cached for the process)."""
    names = sorted({ln.strip().lower() for ln in dino_text().splitlines() if ln.strip()})
    return corpus.split([n + END for n in names], DINO_VOCAB)


def as_corpus(data: Any) -> Corpus:
    """The corpus of ``data``: None = the dinosaurs; a Corpus (prepared at upload and kept by the
    person's session) as it is; a str (the CLI, tests) prepared now and kept by no one."""
    if data is None:
        return _dino_corpus()
    if isinstance(data, Corpus):
        return data
    if isinstance(data, str):
        return corpus.from_text(data)
    raise ValueError(f"data: got {type(data).__name__}, expected the text of a corpus (str) or a Corpus")


class CharTask(Task):
    """Next-character prediction over a list of sequences (names with "\\n", or prose chunks)."""

    targets = "all"

    def __init__(self, vocab: Vocab, train: Ragged, val: Ragged, carry: bool) -> None:
        self.vocab = vocab
        self.vocab_size = vocab.size
        self.carry_state = carry
        self.train_ids, self.val_ids = train, val
        self._train_eval = length_buckets(_fixed_subset(train, EVAL_CHARS), EVAL_BATCH, vocab.size)
        self._val_eval = length_buckets(_fixed_subset(val, EVAL_CHARS), EVAL_BATCH, vocab.size)
        probe = vocab.encode(PROBE_NAME + END) if set(PROBE_NAME) <= set(vocab.chars) else val[0]
        self.probe_text = vocab.decode(probe).rstrip(END)
        self._probe_x, self._probe_y = encode_batch([probe], vocab.size)            # (1, T, V), (1, T)
        self._max_len = int(train.lengths().max())
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
        return [LazyBatch(functools.partial(self._encode, order[k:k + batch_size]), reset=reset)
                for k in range(0, len(order), batch_size)]

    def _encode(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return encode_batch([self.train_ids[i] for i in index], self.vocab_size)

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


def _fixed_subset(seqs: Ragged, max_chars: int) -> list[np.ndarray]:
    """Every sequence if they hold at most ``max_chars`` characters, else every k-th (always the same)."""
    step = max(1, -(-int(seqs.lengths().sum()) // max_chars))
    return list(seqs[::step])


class Dinos(Experiment):
    """Character-level RNN on dinosaur names (or a user's corpus); see the module docstring."""

    id = "dinos"
    order = 2
    title = N_("Dinosaur names")
    icon = ":material/pets:"
    url_path = "dinosaur_names"
    blurb = N_("A character-level RNN reads dinosaur names and invents new ones as it learns.")
    article = "理解RNN_恐龙岛 (after https://blog.csdn.net/u013733326/article/details/80890454)"
    metrics = (Metric("train_nats_per_char", N_("training loss, nats per character")),
               Metric("val_nats_per_char", N_("validation loss, nats per character")),
               Metric("samples", N_("sampled names"), better=""))
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

    def prepare(self, data: Any) -> Corpus | None:
        """A person's text (str) as the Corpus that the session keeps (None: the dinosaurs)."""
        return None if data is None else as_corpus(data)

    def build_task(self, run: RunConfig, data: Any = None) -> CharTask:
        """``data``: None (the dinosaurs), a prepared Corpus, or a text (prepared now)."""
        c = as_corpus(data)
        vocab, m = c.vocab, run.model
        if m.input_size != vocab.size or m.output_size != vocab.size or m.head != "classification":
            raise ValueError(f"model: got input_size={m.input_size}, output_size={m.output_size}, "
                             f"head={m.head!r}; expected {vocab.size}, {vocab.size}, 'classification' for "
                             "this text (use fit_run(run, data))")
        return CharTask(vocab, c.train, c.val, carry=run.train.batch_size == 1)

    def vocab_for(self, data: Any = None) -> Vocab:
        """The vocabulary a corpus gives (None = the dinosaur list)."""
        return as_corpus(data).vocab

    def data_note(self, data: Any) -> str:
        c = as_corpus(data)
        if c.kept == c.total:
            return ""
        return _("The text makes {total} sequences; {kept} of them, spread evenly, are learned.").format(
            total=integer(c.total), kept=integer(c.kept))

    def fit_run(self, run: RunConfig, data: Any = None) -> RunConfig:
        """``run`` with input/output size set to the vocabulary of ``data`` (and the classification head)."""
        v = self.vocab_for(data).size
        return run.replace(input_size=v, output_size=v, head="classification")


EXPERIMENT = Dinos()
