"""Uploaded files: every rejection has a clear message, good files load."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core.experiments import get_experiment
from rnn_core.userdata import MAX_BYTES, load_series, load_text

NAMES = "\n".join(["Alba", "Bertha", "Carla", "Dora", "Emma", "Frida", "Greta", "Hanna", "Ida", "Jana",
                   "Klara", "Lena"]) + "\n"
PROSE = ("Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in "
         "my purse, and nothing particular to interest me on shore, I thought I would sail about a "
         "little and see the watery part of the world.\n")
SERIES = [0.5 * i for i in range(25)]


# ----------------------------------------------------------------------------- text: good inputs

def test_names_list_loads_lower_case_with_unix_line_ends():
    text = load_text(NAMES.replace("\n", "\r\n").encode("utf-8"), "names.txt")
    assert text.splitlines()[:2] == ["alba", "bertha"] and "\r" not in text


def test_prose_loads_and_trains_a_step():
    text = load_text(PROSE.encode("utf-8"))
    dinos = get_experiment("dinos")
    run = dinos.run_for_data(dinos.preset("default"), text).replace(batch_size=2)
    task = dinos.make_task(run, text)
    assert task.epoch_batches(np.random.default_rng(0), 2)[0].x.shape[2] == task.vocab_size


def test_utf8_with_bom_and_windows_1252_accents():
    assert load_text(b"\xef\xbb\xbf" + NAMES.encode("utf-8")).startswith("alba")
    cp1252 = ("M\u00fcller\n" * 12).encode("cp1252")                     # ü as one byte, not UTF-8
    assert load_text(cp1252).startswith("m\u00fcller")
    assert load_text(NAMES.encode("utf-16")).startswith("alba")          # Notepad's "Unicode"
    assert np.allclose(load_series("\n".join(map(str, SERIES)).encode("utf-16")), SERIES)


# ----------------------------------------------------------------------------- text: rejections

@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"abc\x00def" * 20, "binary"),
    (b"\x81\x8d\x8f" * 30, "could not be read as text"),
    (b"hello \x07 world " * 10, "control characters"),
    (b"too short", "at least 50"),
    (b"x" * (MAX_BYTES + 1), "MB"),
], ids=["empty", "blank", "nul", "undecodable", "control", "short", "large"])
def test_bad_text_is_rejected(raw, message):
    with pytest.raises(ValueError, match=message):
        load_text(raw, "upload.txt")


def test_too_many_distinct_characters():
    many = "".join(chr(0x4E00 + i) for i in range(150)) * 2              # 150 CJK characters
    with pytest.raises(ValueError, match="at most 100"):
        load_text(many.encode("utf-8"))


def test_not_bytes():
    with pytest.raises(ValueError, match="bytes"):
        load_text("a str, not bytes")                                      # type: ignore[arg-type]


# ----------------------------------------------------------------------------- series: good inputs

def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_single_column_without_header():
    y = load_series(_csv([str(v) for v in SERIES]))
    assert y.dtype == np.float64 and y.shape == (25,) and np.allclose(y, SERIES)


def test_header_and_column_by_name_or_index():
    raw = _csv(["date,temp,Rain"] + [f"2024-01-{i + 1:02d},{v},{2 * v}" for i, v in enumerate(SERIES)])
    assert np.allclose(load_series(raw), SERIES)                           # first numeric column
    assert np.allclose(load_series(raw, "rain"), 2 * np.array(SERIES))    # by name, any case
    assert np.allclose(load_series(raw, 2), 2 * np.array(SERIES))         # by 0-based index


def test_quoted_cells_with_commas():
    raw = _csv(['city,temp'] + [f'"Paris, France",{v}' for v in SERIES])
    assert np.allclose(load_series(raw), SERIES)


def test_semicolons_with_decimal_commas():
    raw = _csv(["a;b"] + [f"{i};{str(v).replace('.', ',')}" for i, v in enumerate(SERIES)])
    assert np.allclose(load_series(raw, "b"), SERIES)


# ----------------------------------------------------------------------------- series: rejections

@pytest.mark.parametrize("raw, column, message", [
    (b"", None, "empty"),
    (b"1\x002\x00" * 20, None, "binary"),
    (b"1\n" * (MAX_BYTES // 2 + 1), None, "MB"),
    (_csv(["1", "2", "3"]), None, "only 3 values"),
    (_csv(["name"] + ["abc"] * 25), None, "no column made only of numbers"),
    (_csv(["x,y"] + ["1,a"] * 25), "y", "not a number"),
    (_csv(["x,y"] + ["1,2"] * 25), "z", "no column named 'z'"),
    (_csv(["x,y"] + ["1,2"] * 25), 5, "no column number 5"),
    (_csv(["1,2"] * 25), "y", "no header row"),
    (_csv(["x"] + ["1"] * 10 + ["nan"] + ["1"] * 10), None, "NaN or infinite"),
    (_csv(["x"] + ["1"] * 10 + ["inf"] + ["1"] * 10), None, "NaN or infinite"),
    (_csv(["x,y"] + ["1,2"] * 10 + ["1,"] + ["1,2"] * 10), "y", "empty"),
    (_csv(["x"]), None, "no values"),
], ids=["empty", "nul", "large", "few", "no-numeric", "non-numeric", "unknown-name", "unknown-index",
        "name-without-header", "nan", "inf", "missing", "header-only"])
def test_bad_series_is_rejected(raw, column, message):
    with pytest.raises(ValueError, match=message):
        load_series(raw, column)


def test_csv_with_a_field_too_long_for_the_csv_module_is_a_plain_error():
    raw = ('"' + "1" * 200_000 + '",2\n').encode() + b"3,4\n" * 30
    with pytest.raises(ValueError, match="could not be read as a CSV"):
        load_series(raw)
