"""Checkpoints of the next-letter page: the optimizer, one hidden unit, a truncation with nothing to
cut, and how sure a right answer is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import N_
from .base import Band, Checkpoint, Choice, Measured, Run
from .measure import loss_gap, metric, prediction

PAGE = "abcde"
EXACT = 1e-9                    # two loss curves this close are one


def _p_b_after_a(runs: Sequence[Run], i: int) -> float:
    """The probability run ``i`` gives "b" after "a" (the bars shown for the input letter "a")."""
    return float(prediction(runs, i, "probs")[0, 1])


def _optimizer(runs: Sequence[Run]) -> Measured:
    return {"sgd_accuracy": metric(runs, 0, "accuracy"), "adam_accuracy": metric(runs, 1, "accuracy"),
            "sgd_p": _p_b_after_a(runs, 0), "adam_p": _p_b_after_a(runs, 1)}


def _which_all_right(m: Mapping[str, float]) -> str:
    sgd, adam = m["sgd_accuracy"] == 1.0, m["adam_accuracy"] == 1.0
    return {(False, True): "a", (True, False): "b", (True, True): "c"}.get((sgd, adam), "d")


OPTIMIZER = Checkpoint(
    id="abcde-optimizer", page=PAGE, title=N_("SGD or Adam?"),
    setup="preset=article&compare=optimizer:sgd,adam",
    question=N_("Plain SGD against Adam, both at learning rate 0.01 for 100 epochs: which one gets all "
                "five next letters right?"),
    choices=(Choice("a", N_("Adam only")), Choice("b", N_("SGD only")), Choice("c", N_("both")),
             Choice("d", N_("neither"))),
    measure=_optimizer, decide=_which_all_right, expected="a",
    because=N_("Adam's accuracy is {adam_accuracy}, SGD's {sgd_accuracy} (chance is 0.2). After “a”, "
               "SGD still gives “b” only {sgd_p} of the probability, Adam {adam_p}. Plain SGD moves each "
               "weight by 0.01 × its gradient, small where the gradient is small; Adam divides each "
               "weight's step by the size of its recent gradients, so its steps stay near 0.01."),
    otherwise=N_("This run came out otherwise: {answer}. Adam's accuracy is {adam_accuracy}, SGD's "
                 "{sgd_accuracy}; after “a” they give “b” {adam_p} and {sgd_p} of the probability."))


def _one_unit(runs: Sequence[Run]) -> Measured:
    return {"one_right": 5 * metric(runs, 0, "accuracy"), "three_right": 5 * metric(runs, 1, "accuracy")}


def _how_many(m: Mapping[str, float]) -> str:
    right = round(m["one_right"])
    return "a" if right == 5 else "b" if right >= 2 else "c"


ONE_UNIT = Checkpoint(
    id="abcde-one-unit", page=PAGE, title=N_("One hidden unit"),
    setup="preset=article&compare=hidden_size:1,3",
    question=N_("One hidden unit against the article's three: after 100 epochs, how many of the five "
                "letters does the one-unit network get right?"),
    choices=(Choice("a", N_("all five")), Choice("b", N_("two to four")), Choice("c", N_("one or none"))),
    measure=_one_unit, decide=_how_many, expected="b",
    because=N_("One unit gets {one_right} of the 5 right, three units {three_right}. With one unit the "
               "hidden state after each letter is a single number (one row in the hidden-state chart): "
               "the five letters lie on a line, and the softmax can give each letter only one stretch of "
               "it."),
    otherwise=N_("This run came out otherwise: one unit gets {one_right} of the 5 right ({answer}), three "
                 "units {three_right}."))


def _truncate(runs: Sequence[Run]) -> Measured:
    return {"gap": loss_gap(runs, 0, 1), "truncated_loss": float(runs[0].snap.train_loss),
            "full_loss": float(runs[1].snap.train_loss)}


def _same_or_which(m: Mapping[str, float]) -> str:
    if m["gap"] <= EXACT:
        return "a"
    return "b" if m["truncated_loss"] > m["full_loss"] else "c"


TRUNCATE = Checkpoint(
    id="abcde-truncate", page=PAGE, title=N_("Truncated to one step"),
    setup="preset=article&compare=bptt_truncate:1,full",
    question=N_("Truncate BPTT to one step, against full BPTT: how does the loss curve change?"),
    choices=(Choice("a", N_("not at all: the two curves are one")),
             Choice("b", N_("the truncated run learns more slowly")),
             Choice("c", N_("the truncated run learns faster"))),
    measure=_truncate, decide=_same_or_which, expected="a",
    because=N_("The two losses never differ (the largest gap is {gap}; both end at {full_loss}). Every "
               "sample here is a sequence of one step: there is no earlier step for the gradient to "
               "reach, so truncation has nothing to cut. The gradient heatmap has a single row."),
    otherwise=N_("This run came out otherwise: {answer}. The losses differ by up to {gap}; truncated "
                 "ends at {truncated_loss}, full at {full_loss}."))


def _certainty(runs: Sequence[Run]) -> Measured:
    return {"p": _p_b_after_a(runs, 0), "accuracy": metric(runs, 0, "accuracy"),
            "loss": float(runs[0].snap.train_loss)}


CERTAINTY = Checkpoint(
    id="abcde-certainty", page=PAGE, title=N_("How sure is it?"),
    setup="preset=article",
    question=N_("The article's network (three units, Adam at 0.01, 100 epochs) gets every letter right. "
                "How much of the probability does it give “b” after “a”?"),
    guess_range=(0.0, 1.0, 0.05), guess_unit=N_("of the probability"),
    bands=(Band(0.0, 0.5, N_("less than half")), Band(0.5, 0.9, N_("most of it, far from sure")),
           Band(0.9, 1.0, N_("nearly all of it"))),
    measure=_certainty, decide=lambda m: m["p"], expected=0.7,
    because=N_("It gives “b” {p} of the probability after “a” (accuracy {accuracy}): the right letter "
               "wins, without certainty. After 100 steps the loss is {loss} and still falling: the "
               "probabilities are still on their way up."),
    otherwise=N_("This run came out otherwise: after “a” it gives “b” {p} of the probability ({answer}); "
                 "accuracy {accuracy}, loss {loss}."))

CHECKPOINTS = (OPTIMIZER, ONE_UNIT, TRUNCATE, CERTAINTY)
