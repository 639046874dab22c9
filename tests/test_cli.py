"""The command line, ``python -m rnn_core``: its outputs, its names for the experiments, and how it
refuses, is interrupted and is cut off (one line on stderr, never a traceback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from rnn_core import cli
from rnn_core.experiments import experiment_ids, get_experiment

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NINES = "9" * 400
SHORT_NINES = "9" * 28 + "… (400 characters)"       # how a message quotes 400 nines
JSON_KEYS = {"experiment", "preset", "steps", "seconds", "config", "metrics", "diverged", "stop_reason"}
TINY_SWEEP = ["--seeds", "0", "--set", "epochs=1", "--set", "hidden_size=4"]


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line a refused command prints on stderr (exit 2, nothing on stdout)."""
    assert cli.main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    return err.splitlines()[0]


@contextmanager
def running(*argv: str, stdout: int = subprocess.DEVNULL,
            deadline: float = 120.0) -> Iterator[subprocess.Popen]:
    """``python -m rnn_core *argv`` in a subprocess, killed after ``deadline`` seconds or on leaving (a
    hanging command fails its test instead of hanging it); its pipes are closed and it is waited for."""
    with subprocess.Popen([sys.executable, "-m", "rnn_core", *argv], cwd=ROOT, env=ENV, stdout=stdout,
                          stderr=subprocess.PIPE, text=True) as proc:
        timer = threading.Timer(deadline, proc.kill)
        timer.start()
        try:
            yield proc
        finally:
            timer.cancel()
            proc.kill()                               # a no-op once it has ended


# ----------------------------------------------------------------------------- outputs

def test_train_json_through_main(capsys):
    assert cli.main(["train", "sine", "--json", "--set", "epochs=2", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert JSON_KEYS <= set(out)
    assert (out["experiment"], out["preset"], out["steps"]) == ("sine", "default", 20)
    assert out["config"]["seed"] == 3 and out["config"]["epochs"] == 2
    assert set(out["metrics"]) == {"val_rmse", "free_rmse", "free_steps"}     # free: Task.free_run
    assert np.isfinite(out["metrics"]["val_rmse"]) and np.isfinite(out["metrics"]["free_rmse"])
    assert out["metrics"]["free_steps"] == 50


def test_train_json_in_a_subprocess():
    cmd = [sys.executable, "-m", "rnn_core", "train", "elman", "--preset", "article", "--set", "epochs=3",
           "--json"]
    proc = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert JSON_KEYS <= set(out) and out["preset"] == "article" and out["steps"] == 60
    assert np.isfinite(out["metrics"]["rmse"])


def test_compare_prints_one_json_object_per_run(capsys):
    assert cli.main(["compare", "sine", "--vary", "bptt_truncate=1,full", "--set", "epochs=3", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [(r["knob"], r["value"], r["steps"]) for r in rows] == [("bptt_truncate", "1", 30),
                                                                    ("bptt_truncate", "full", 30)]
    assert [r["config"]["bptt_truncate"] for r in rows] == [1, None]
    for r in rows:
        assert JSON_KEYS <= set(r)
        assert r["experiment"] == "sine" and np.isfinite(r["metrics"]["val_rmse"])


def test_compare_table_and_bad_spec(capsys):
    assert cli.main(["compare", "elman", "--vary", "hidden_size=2,8", "--set", "epochs=5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["run", "hidden_size", "final", "loss", "rmse", "steps", "seconds", "stopped"]
    assert [line.split()[:2] for line in out[1:]] == [["1", "2"], ["2", "8"]]
    assert refused(capsys, "compare", "elman", "--vary", "hidden_size=8") == (
        "error: --vary: got 1 value of hidden_size, expected 2 or 3")


def test_json_is_strict_when_a_run_diverges(capsys):
    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")

    args = ["train", "sine", "--json", "--set", "lr=1", "--set", "optimizer=sgd", "--set", "clip_mode=off",
            "--set", "activation=relu", "--set", "hidden_size=64"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1], parse_constant=refuse)
    assert out["diverged"] is True and out["stop_reason"].startswith("the ")
    assert out["metrics"]["val_rmse"] is None                        # inf written as null


def test_sweep_json_rows(capsys):
    assert cli.main(["sweep", "memory", "--vary", "lag=2,3", *TINY_SWEEP, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [(r["lag"], r["steps"], [x["seed"] for x in r["runs"]]) for r in rows] == [(2, 8, [0]),
                                                                                      (3, 8, [0])]


# ----------------------------------------------------------------------------- experiment names

def test_list_names_the_id_and_the_page(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines] == experiment_ids()      # list | cut -d' ' -f1
    assert "dinos   (page /dinosaur_names)  Dinosaur names" in lines
    assert "abcde   (page /next_letter)     Next letter" in lines


def test_the_page_name_is_an_alias_of_the_id(capsys):
    assert [get_experiment(e.url_path).id for e in map(get_experiment, experiment_ids())] == experiment_ids()
    assert cli.main(["train", "sine_wave", "--set", "epochs=1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["experiment"] == "sine"
    assert cli.main(["compare", "next_letter", "--vary", "hidden_size=4,8", "--set", "epochs=1",
                     "--json"]) == 0
    assert {json.loads(line)["experiment"] for line in capsys.readouterr().out.splitlines()} == {"abcde"}
    assert cli.main(["sweep", "next_letter", "--vary", "hidden_size=4", *TINY_SWEEP[:4], "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["hidden_size"] == 4
    assert refused(capsys, "train", "dinosaur-names") == (
        "error: experiment: got 'dinosaur-names', expected an id or a page: sine (page sine_wave), elman, "
        "dinos (page dinosaur_names), abcde (page next_letter), xsinx, memory")


# ----------------------------------------------------------------------------- huge whole numbers

@pytest.mark.parametrize("argv, line", [
    (["train", "sine", "--set", f"hidden_size={NINES}"],
     f"error: --set hidden_size: got {SHORT_NINES}, expected an integer >= 1 and <= 4096"),
    (["train", "sine", "--seed", NINES],
     f"error: --seed: got {SHORT_NINES}, expected an integer >= 0 and <= 2147483647"),
    (["compare", "sine", "--vary", f"hidden_size={NINES},8"],
     f"error: --vary hidden_size: got {SHORT_NINES}, expected an integer >= 1 and <= 4096"),
    (["sweep", "memory", "--vary", f"lag={NINES}"],
     f"error: --vary lag: got {SHORT_NINES}, expected an integer >= 1 and <= 200"),
    (["sweep", "memory", "--vary", "lag=5", "--seeds", NINES],
     f"error: --seeds: got {SHORT_NINES}, expected an integer >= 0 and <= 2147483647"),
    (["sweep", "memory", "--vary", "lag=5", "--set", f"hidden_size={NINES}"],
     f"error: --set hidden_size: got {SHORT_NINES}, expected an integer >= 1 and <= 4096"),
])
def test_huge_whole_numbers_are_refused_in_one_line(capsys, argv, line):
    assert refused(capsys, *argv) == line


# ----------------------------------------------------------------------------- what a sweep does

@pytest.mark.parametrize("argv, line", [
    (["--vary", "seed=1,2"],
     "error: --vary seed: got 1,2, expected the seeds as --seeds 1,2 (a sweep trains every combination "
     "once per seed)"),
    (["--vary", "lag=5", "--set", "seed=5"],
     "error: --set seed: got 5, expected the seeds as --seeds 5 (a sweep trains every combination once "
     "per seed)"),
    (["--vary", "lag=5", "--metric", "bogus"],
     "error: --metric: got 'bogus', expected one of the memory experiment's metrics: accuracy, chance, "
     "grad_reach"),
    (["--vary", "lag=5", "--vary", "lag=10"],
     "error: --vary lag: given twice, expected each setting once with all its values, e.g. --vary lag=5,10"),
    (["--vary", "lag=5,5"], "error: --vary lag: the values repeat (5,5), expected different ones"),
    (["--vary", "lag=5,10", "--set", "lag=20"],
     "error: --set lag: got 20, but --vary gives lag; expected each setting either set or varied"),
    (["--vary", "lag=5", "--seeds", "0-99999999"],
     "error: --seeds: got '0-99999999' (100,000,000 seeds), expected at most 100"),
    (["--vary", "lag=5", "--seeds", "-1"],
     "error: --seeds: got '-1', expected seeds like 0-2 or 1,3,7 (integers >= 0 and <= 2147483647)"),
    (["--vary", "lag=5", "--seeds", "3-1"], "error: --seeds: got '3-1', expected a low-high range, e.g. 1-3"),
    (["--vary", "lag=5", "--seeds", "0-2,1"], "error: --seeds: got '0-2,1', expected each seed once"),
    (["--vary", "lag=1,2,3,4,5,6,7,8,9,10,11", "--vary", "hidden_size=1,2,3,4,5,6,7,8,9,10",
      "--seeds", "0-9"],
     "error: sweep: 110 combinations × 10 seeds = 1,100 runs, expected at most 1,000"),
    (["--vary", "lag=5", "--set", "hidden_size"],
     "error: --set: got 'hidden_size', expected key=value, e.g. hidden_size=16"),
])
def test_a_sweep_refuses_what_it_would_not_do(capsys, argv, line):
    assert refused(capsys, "sweep", "memory", *argv) == line


def test_the_seeds_of_a_sweep_are_the_seeds_it_trains(capsys):
    assert cli.main(["sweep", "memory", "--vary", "lag=2", *TINY_SWEEP[2:], "--seeds", "3,5", "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [r["seed"] for r in row["runs"]] == [3, 5]


def test_a_sweep_sets_a_task_knob_and_what_goes_with_a_set_cell(capsys):
    argv = ["sweep", "memory", "--vary", "hidden_size=4", "--set", "lag=3", "--set", "cell=gru",
            "--set", "epochs=1", "--seeds", "0", "--json"]
    assert cli.main(argv) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert row["steps"] == 8 and row["stopped"] == 0


@pytest.mark.parametrize("argv, line", [
    (["compare", "sine", "--vary", "seed=1,2"],
     "error: --vary seed: got 1,2, expected another setting: the runs of a comparison share the seed "
     "(train --seed N runs one seed)"),
    (["compare", "sine", "--vary", "hidden_size=4,8", "--set", "hidden_size=16"],
     "error: --set hidden_size: got 16, but --vary gives hidden_size; expected each setting either set or "
     "varied"),
    (["train", "sine", "--set", "lr=0.1", "--set", "lr=0.2"],
     "error: --set lr: given twice (0.1, 0.2), expected each setting once"),
    (["train", "sine", "--set", "seed=1", "--seed", "2"],
     "error: --seed: got 2, but --set gives seed=1; expected one of them"),
])
def test_a_setting_is_given_once(capsys, argv, line):
    assert refused(capsys, *argv) == line


def test_compare_keeps_a_set_value_over_what_goes_with_the_varied_one(capsys):
    argv = ["compare", "memory", "--vary", "cell=rnn,gru", "--set", "lr=0.1", "--set", "epochs=1",
            "--set", "hidden_size=4", "--json"]
    assert cli.main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["config"]["cell"], r["config"]["backend"], r["config"]["lr"]) for r in rows] == [
        ("rnn", "numpy", 0.1), ("gru", "torch", 0.1)]


def test_an_unexpected_failure_is_one_line(capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom\non two lines")

    monkeypatch.setattr(cli, "train", boom)
    assert cli.main(["train", "sine"]) == 1
    assert capsys.readouterr().err == "error: RuntimeError: boom on two lines\n"


def test_train_refuses_a_setting_of_another_experiment(capsys):
    assert refused(capsys, "train", "sine", "--set", "lag=5").startswith(
        "error: --set: got unknown setting 'lag' for the sine experiment, expected one of hidden_size, ")


# ----------------------------------------------------------------------------- one line for every error

@pytest.mark.parametrize("argv, line", [
    (["train"], "error: the following arguments are required: experiment (see python -m rnn_core train "
                "--help)"),
    (["sweep", "memory"], "error: the following arguments are required: --vary (see python -m rnn_core "
                          "sweep --help)"),
    (["train", "sine", "--colour", "red"], "error: unrecognized arguments: --colour red (see python -m "
                                           "rnn_core --help)"),
    (["fly"], "error: argument command: invalid choice: 'fly' (choose from 'list', 'train', 'sweep', "
              "'compare', 'inspect', 'lessons', 'checkpoint', 'class') (see python -m rnn_core --help)"),
    (["checkpoint"], "error: the following arguments are required: id (see python -m rnn_core checkpoint "
                     "--help)"),
    (["inspect", "sine"], "error: the following arguments are required: --t (see python -m rnn_core "
                          "inspect --help)"),
    (["train", "sine", "--preset", NINES],
     f"error: preset: got '{'9' * 27}… (402 characters), expected one of 'default', 'article'"),
    (["train", "xsinx", "--set", "output_size=1"], "error: --set output_size: fixed by the xsinx task, "
                                                   "cannot be set"),
    (["train", "sine", "--set", "lr=x"], "error: --set lr: got 'x', expected a finite number > 0 and <= 10"),
])
def test_usage_errors_are_one_line(capsys, argv, line):
    assert refused(capsys, *argv) == line


def test_a_number_past_pythons_digit_limit_is_one_short_line_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "rnn_core", "train", "sine", "--seed", "9" * 5000], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (f"error: --seed: got '{'9' * 27}… (5002 characters), expected an integer >= 0 and "
                           "<= 2147483647\n")


# ----------------------------------------------------------------------------- Ctrl-C and a closed pipe

@pytest.mark.parametrize("argv", [
    ["train", "memory", "--set", "epochs=100000"],
    ["compare", "memory", "--vary", "hidden_size=4,8", "--set", "epochs=100000"],
    ["sweep", "memory", "--vary", "epochs=1,100000", "--seeds", "0", "--set", "hidden_size=4"],
], ids=["train", "compare", "sweep"])
def test_ctrl_c_ends_with_one_line_interrupted(argv):
    with running(*argv, deadline=120) as proc:
        first = proc.stderr.readline()                # a progress line (train, compare) or a row (sweep)
        assert first and proc.poll() is None, first
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 130
    assert "Traceback" not in rest and (first + rest).splitlines()[-1] == "interrupted"


@pytest.mark.parametrize("read", [0, 5], ids=["closed at once", "closed after 5 bytes"])
@pytest.mark.parametrize("fmt", [["--json"], []], ids=["json", "table"])
def test_a_closed_pipe_ends_quietly(read, fmt):
    argv = ["compare", "sine", "--vary", "bptt_truncate=1,full", "--set", "epochs=3", *fmt]
    with running(*argv, stdout=subprocess.PIPE, deadline=120) as proc:
        head = proc.stdout.read(read)
        proc.stdout.close()
        err = proc.stderr.read()
        code = proc.wait(timeout=30)
    assert len(head) == read and "Traceback" not in err and "Error" not in err, err
    assert code in (0, 141)
