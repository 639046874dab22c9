"""What one update and one evaluation of a run cost, known from the shapes before anything is built.

A live page must never hold its server process for long (docs/architecture.md, "Taking turns"): one
update of the heaviest setup the sliders allow (memory, lag 200, 256 LSTM units, batches of 256,
float64) takes many seconds, during which no other student's page redraws. So before a page builds or
trains runs, it asks ``estimate`` what they would cost and refuses what a live page cannot afford.

The model: an update passes B sequences of T steps forward and backward through a cell with G weight
blocks (RNN 1, GRU 3, LSTM 4): about 6·G·B·T·H·(H + I + O) floating-point operations (2 forward, 4
backward per multiply-add), done at ``FLOPS[dtype]`` per second, plus a fixed overhead per time step
and direction (``STEP[backend]``: the loop over time, small arrays). An evaluation is priced as an
update of ``Task.eval_sequences`` sequences. The constants are set a little on the slow side of this
machine's measurements (one math thread); ``bench/cost.py`` prints the estimate beside the measured
time for a grid of setups, and the page also watches the measured cost of the live run
(``Trainer.step_seconds``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import RunConfig

BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}                 # weight blocks (gates) of a cell
FLOPS = {"float32": 40e9, "float64": 25e9}               # operations per second, one thread
STEP = {"numpy": 20e-6, "torch": 150e-6}                 # seconds per time step (forward + backward)


@dataclass(frozen=True)
class Cost:
    """Seconds of work of one run."""

    update: float                 # one optimizer update (forward and backward over one batch)
    evaluate: float               # one evaluation (a snapshot: validation, metrics, predictions)

    @property
    def unit(self) -> float:
        """The longest piece of work that cannot be split: an update or an evaluation."""
        return max(self.update, self.evaluate)


def batch_seconds(run: RunConfig, sequences: float, steps: int) -> float:
    """Seconds to pass ``sequences`` sequences of ``steps`` steps forward and backward through the
    run's model."""
    m = run.model
    ops = 6.0 * BLOCKS[m.cell] * sequences * steps * m.hidden_size * (
        m.hidden_size + m.input_size + m.output_size)
    return ops / FLOPS[m.dtype] + STEP[m.backend] * steps


def estimate(run: RunConfig, steps: int, eval_sequences: float) -> Cost:
    """One update and one evaluation of ``run`` on a task of ``steps`` time steps per sequence
    (``Task.max_len``) whose evaluation weighs ``eval_sequences`` (``Task.eval_sequences``)."""
    return Cost(update=batch_seconds(run, run.train.batch_size, steps),
                evaluate=batch_seconds(run, eval_sequences, steps))


def jacobian_seconds(run: RunConfig, steps: int) -> float:
    """The step Jacobians of a gated cell along ``steps`` probe steps (one backward pass per state
    unit and step, torch.func); the plain RNN's are a product of known matrices (about H² a step)."""
    m = run.model
    if m.cell == "rnn":
        return steps * m.hidden_size ** 2 / FLOPS[m.dtype]
    state = 2 * m.hidden_size if m.cell == "lstm" else m.hidden_size
    return state * batch_seconds(run, 1, 1) * steps / 3
