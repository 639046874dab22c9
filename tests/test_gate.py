"""Sharing one process among sessions: ticks take turns in arrival order and the training budget shrinks
with the number of sessions ticking (ui/gate.py); one math thread, set safely while torch is still
being imported by another session (rnn_core/threads.py)."""

from __future__ import annotations

import sys
import threading
import time

from ui.gate import FairGate, Load

WAIT = 5.0                     # s: a generous bound for a thread to reach a state


def _until(cond, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def test_turns_are_granted_in_arrival_order_and_a_newcomer_waits_its_turn() -> None:
    gate, order, release = FairGate(), [], threading.Event()

    def holder() -> None:
        with gate:
            order.append("A")
            release.wait(WAIT)
        with gate:                                 # straight back in: must not jump the queue
            order.append("A again")

    def waiter(name: str) -> None:
        with gate:
            order.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    _until(lambda: order == ["A"], "A to hold the gate")
    for i, name in enumerate(("B", "C", "D"), start=1):
        threads.append(threading.Thread(target=waiter, args=(name,)))
        threads[-1].start()
        _until(lambda i=i: gate.waiting == i, f"{name} to queue")
    release.set()
    for t in threads:
        t.join(WAIT)
    assert order == ["A", "B", "C", "D", "A again"]
    assert gate.waiting == 0


def test_the_gate_is_released_when_a_tick_raises() -> None:
    gate = FairGate()
    try:
        with gate:
            raise RuntimeError("a tick failed")
    except RuntimeError:
        pass
    done = threading.Event()
    t = threading.Thread(target=lambda: (gate.__enter__(), done.set(), gate.__exit__(None, None, None)))
    t.start()
    assert done.wait(WAIT), "the gate stayed shut after an exception"
    t.join(WAIT)


def test_the_training_budget_shrinks_with_the_sessions_ticking() -> None:
    load = Load(share=0.3, rate=2.0, window=2.0)
    pages = [object() for _ in range(15)]
    assert load.budget(pages[0], cap=0.15, now=100.0) == 0.15       # alone: the full budget
    for p in pages[1:]:
        load.budget(p, cap=0.15, now=100.5)
    assert abs(load.budget(pages[0], cap=0.15, now=101.0) - 0.01) < 1e-12   # 0.3 / (2 × 15)
    assert load.ticking(now=101.0) == 15
    # 2.5 s later only pages[0] has ticked since: the others no longer count
    assert load.budget(pages[0], cap=0.15, now=103.0) == 0.15
    assert load.ticking(now=103.0) == 1


def test_a_session_alone_trains_as_long_as_its_tick_allows() -> None:
    load = Load(share=0.3, rate=2.0, window=2.0, solo=0.9)
    a, b = object(), object()
    assert load.budget(a, cap=0.8, now=100.0) == 0.8                 # alone: the whole tick
    load.budget(b, cap=0.8, now=100.2)
    assert abs(load.budget(a, cap=0.8, now=100.5) - 0.1125) < 1e-12  # two: 0.9 / 2 each, at 2 ticks a second


def test_one_math_thread_is_set_only_on_a_torch_that_finished_importing(monkeypatch) -> None:
    """Seen in the classroom benchmark: the first two torch sessions of a replica imported torch at
    once, and the app asked the half-imported module for set_num_threads (AttributeError, a crashed
    page). A module still being imported is left alone; the next run sets the thread."""
    import importlib.machinery
    import types

    from rnn_core import threads

    half = types.ModuleType("torch")
    half.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    half.__spec__._initializing = True
    monkeypatch.setitem(sys.modules, "torch", half)
    assert threads.loaded_torch() is None
    threads.pin_single_thread()                           # no AttributeError
    with threads.single_thread():
        pass

    calls = []
    done = types.ModuleType("torch")
    done.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    done.get_num_threads = lambda: 2
    done.set_num_threads = calls.append
    monkeypatch.setitem(sys.modules, "torch", done)
    threads.pin_single_thread()
    with threads.single_thread():
        pass
    assert calls == [1, 1, 2]                             # pinned; 1 in the block, then restored


def test_a_crowded_process_asks_for_ticks_less_often_without_flapping_at_the_edge() -> None:
    load = Load(0.3, 2.0)
    pages = [object() for _ in range(30)]
    seen = []
    for k, n in enumerate((23, 24, 21, 20, 23, 24)):
        now = 100.0 + 10 * k                              # the others ticked 10 s ago: out of the window
        for p in pages[:n]:
            load.budget(p, 0.45, now=now)
        seen.append(load.interval(0.5, 0.9, 24, now=now))
    assert seen == [0.5, 0.9, 0.9, 0.5, 0.5, 0.9]
