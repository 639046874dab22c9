"""Uploaded files: every rejection has a clear message, good files load."""

from __future__ import annotations

import gc
import sys
import threading
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_core.experiments import get_experiment
from rnn_core.messages import MAX_MESSAGE
from rnn_core.userdata import (
    MAX_BYTES,
    ColumnInfo,
    load_series,
    load_text,
    read_series,
    read_text,
    series_columns,
)

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
    run = dinos.fit_run(dinos.preset("default"), text).replace(batch_size=2)
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


# ----------------------------------------------------------------------------- one size limit

def test_one_upload_limit_in_one_wording_everywhere():
    """5 MB as the browser counts it: Streamlit's uploader refuses a file over 5,000,000 bytes ("File
    must be 5.0MB or smaller", server.maxUploadSize = 5), so the app's own check stops at the same
    byte and says "5 MB" too (it accepted up to 5 MiB and said "up to 5 MB"). The fuzzing report's
    5,033,177-byte text, refused by the uploader, is refused by the app in the same words."""
    import tomllib
    from pathlib import Path

    from rnn_core.export import load_weights
    from ui.uploads import SPECS, _help

    exact = b"ab\n" * 1_666_666 + b"ab"
    assert len(exact) == 5_000_000
    assert load_text(exact, "names.txt").startswith("ab\nab\n")
    for size in (5_000_001, 5_033_177):
        with pytest.raises(ValueError) as e:
            load_text(exact + b"b" * (size - 5_000_000), "names.txt")
        assert str(e.value) == (f"The file 'names.txt' is {size:,} bytes; files up to 5 MB (5,000,000 bytes) "
                                "are accepted. Please upload a smaller part of it.")
    with pytest.raises(ValueError, match=r"^The file is 5,000,001 bytes; files up to 5 MB \(5,000,000"):
        load_series(b"1\n" * 2_500_000 + b"1")
    weights = r"weights file: got 5,000,001 bytes, expected at most 5 MB \(5,000,000 bytes\)"
    with pytest.raises(ValueError, match=weights):
        load_weights(b"PK" + b"x" * 4_999_999, {})
    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 5                      # the uploader's 5 MB
    assert all(_help(spec).endswith(", up to 5 MB.") for spec in SPECS.values())


# ----------------------------------------------------------------------------- a session's text is its own

A_TEXT = "\n".join(["ab", "ba", "aab", "bba", "abab"] * 4) + "\n"             # 20 names of a and b
B_TEXT = "\n".join(["xyz", "zyx", "xy", "zz", "yxz", "xx"] * 5) + "\n"        # 30 names of x, y and z


def test_two_sessions_used_in_turn_each_train_on_their_own_prepared_text():
    dinos = get_experiment("dinos")
    a, b = dinos.prepare(A_TEXT), dinos.prepare(B_TEXT)                 # what each session keeps
    for _ in range(3):                                                 # reruns of one, then the other
        for data, chars, n in ((a, ("\n", "a", "b"), 20), (b, ("\n", "x", "y", "z"), 30)):
            run = dinos.fit_run(dinos.preset(), data)
            task = dinos.make_task(run, data)
            assert run.model.input_size == len(chars) and task.vocab.chars == chars
            assert len(task.train_ids) + len(task.val_ids) == n
            assert dinos.data_note(data) == ""                         # every name is learned
            assert dinos.vocab_for(data).chars == chars


def test_nothing_of_a_persons_text_stays_in_the_process_once_its_task_is_dropped():
    """The CLI's way (a str, prepared on the fly) keeps no copy anywhere: no cache of user data that
    another session could evict or read."""
    dinos = get_experiment("dinos")
    task = dinos.make_task(dinos.fit_run(dinos.preset(), A_TEXT), A_TEXT)
    vocab = weakref.ref(task.vocab)
    del task
    gc.collect()
    assert vocab() is None
    prepared = dinos.prepare(B_TEXT)                                    # a session's: gone with it
    dinos.make_task(dinos.fit_run(dinos.preset(), prepared), prepared)
    kept = weakref.ref(prepared)
    del prepared
    gc.collect()
    assert kept() is None


def test_eight_threads_each_see_their_own_text():
    """Eight sessions at once, each building tasks and the note from its own text (a str, as the CLI
    passes it): text k has the letters "a" and chr(98 + k) and 10 + k names."""
    dinos = get_experiment("dinos")
    texts = ["\n".join(chr(98 + k) * (1 + i % 3) + "a" for i in range(10 + k)) for k in range(8)]
    seen: dict[int, set] = {k: set() for k in range(8)}

    def session(k: int) -> None:
        for _ in range(15):
            run = dinos.fit_run(dinos.preset(), texts[k])
            task = dinos.make_task(run, texts[k])
            kept = len(task.train_ids) + len(task.val_ids)
            seen[k].add((task.vocab.chars, kept, dinos.data_note(texts[k])))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)                                        # threads switch as often as can be
    try:
        threads = [threading.Thread(target=session, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert seen == {k: {(("\n", "a", chr(98 + k)), 10 + k, "")} for k in range(8)}


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
    (b"1\x002\x00\x00\x00" * 20, None, "binary"),            # NUL characters, read as UTF-8 or UTF-16
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


def test_whitespace_that_is_not_ascii_is_empty():
    with pytest.raises(ValueError, match="empty"):
        load_series(b"\xa0 \xa0\n \xa0" * 7)               # no-break spaces (Windows-1252): was an IndexError
    with pytest.raises(ValueError, match="empty"):
        load_text(" \n".encode("utf-16"))


# ----------------------------------------------------------------------------- encodings

def test_windows_1252_starting_with_ff_fe_is_not_read_as_utf16():
    raw = b"\xff\xfe" + PROSE.encode("cp1252")[:-1]                      # "ÿþ", not a byte-order mark
    assert len(raw) % 2 == 0                                             # decodes as UTF-16 too (CJK)
    got = read_text(raw, "moby.txt")
    assert got.encoding == "windows-1252"
    assert got.text.startswith("\u00ff\u00fecall me ishmael. some years ago")


def test_utf16_without_byte_order_mark_is_read():
    le = read_text(("hello\n" + NAMES).encode("utf-16-le"))
    assert le.encoding == "utf-16-le" and le.text.startswith("hello\nalba\nbertha")
    be = read_text(("hello\n" + NAMES).encode("utf-16-be"))
    assert be.encoding == "utf-16-be" and be.text.startswith("hello\nalba\nbertha")
    series = read_series("\n".join(map(str, SERIES)).encode("utf-16-le"))
    assert series.encoding == "utf-16-le" and series.values[:3].tolist() == [0.0, 0.5, 1.0]


def test_the_encoding_used_is_named():
    assert read_text(NAMES.encode("utf-8")).encoding == "utf-8"
    assert read_text(b"\xef\xbb\xbf" + NAMES.encode("utf-8")).encoding == "utf-8"
    assert read_text(NAMES.encode("utf-16")).encoding == "utf-16"          # with a byte-order mark
    cp1252 = read_text(("M\u00fcller\n" * 12).encode("cp1252"))
    assert cp1252.encoding == "windows-1252" and cp1252.text.startswith("m\u00fcller\n")
    assert read_series("\n".join(map(str, SERIES)).encode("utf-8")).encoding == "utf-8"


def test_tables_of_numbers_that_charset_normalizer_finds_messy_are_still_read():
    """Its mess measure is tuned for prose: columns of numbers in UTF-16 without a byte-order mark, or in
    Windows-1252 with a euro sign on every line, are read by a second, relaxed pass."""
    rows = "\n".join(f"{i};{i},5 \u20ac" for i in range(25))
    euro = ("Temp\u00e9rature (\u00b0C);b\n" + rows).encode("cp1252")
    s = read_series(euro, 0)
    assert s.encoding == "windows-1252" and s.column == "Temp\u00e9rature (\u00b0C)" and s.values[2] == 2.0
    for encoding in ("utf-16-le", "utf-16-be"):
        s = read_series(("date,level\n" + "\n".join(f"2024-01-{i + 1:02d},{i}.25" for i in range(25)))
                        .encode(encoding))
        assert s.encoding == encoding and s.column == "level" and s.values[:2].tolist() == [0.25, 1.25]


def test_nul_pairs_that_are_utf16_text_are_read_as_text():
    """b"1\\x002\\x00" is "12" in UTF-16 LE (it was refused as binary before UTF-16 without a byte-order
    mark was read): twenty of them are one number, 1.2e39, refused as too large."""
    with pytest.raises(ValueError, match="row 1 has 1212121212121212121…, too large"):
        load_series(b"1\x002\x00" * 20)


def test_text_in_another_code_page_is_refused_not_misread():
    cyrillic = ("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440, \u043a\u0430\u043a "
                "\u0434\u0435\u043b\u0430?\n" * 5).encode("cp1251")            # "Привет мир, как дела?"
    with pytest.raises(ValueError, match="could not be read as text .* save it as UTF-8"):
        load_text(cyrillic)


def test_gb18030_is_read_as_gb18030_not_as_windows_1252():
    """The fuzzing report: "tyrannosaurus rex 🦖" and more names saved as GB18030 trained on mojibake
    ("•0ú4"), read as Windows-1252. GB18030's four-byte form (a byte from 0x81, a digit, a byte from
    0x81, a digit) exists in no other encoding."""
    text = "tyrannosaurus rex 🦖\nvelociraptor\nstegosaurus\ntriceratops\nbrachiosaurus\n"
    got = read_text(text.encode("gb18030"), "dinos.txt")
    assert got.encoding == "gb18030"
    assert got.text == "tyrannosaurus rex 🦖\nvelociraptor\nstegosaurus\ntriceratops\nbrachiosaurus\n"


def test_chinese_names_in_gbk_are_read_as_gb18030():
    names = "霸王龙\n迅猛龙\n剑龙\n三角龙\n腕龙\n" * 6
    got = read_text(names.encode("gbk"), "names.txt")                  # Windows' "ANSI" in simplified Chinese
    assert got.encoding == "gb18030" and got.text.startswith("霸王龙\n迅猛龙\n剑龙\n三角龙\n腕龙\n霸王龙\n")


@pytest.mark.parametrize("first, encoding", [
    ("tyrannosaurus 暴龙", "gb18030"), ("공룡 티라노", "euc_kr"), ("恐竜 ティラノ", "shift_jis"),
    ("恐龍 暴龍", "big5")], ids=["gbk-few", "euc-kr", "shift-jis", "big5"])
def test_a_few_east_asian_characters_in_another_encoding_are_refused_not_garbled(first, encoding):
    """A few two-byte characters among ASCII names read as GB18030, EUC-KR, Big5 or EUC-JP alike (and
    as Windows-1252 mojibake): which one cannot be known, so the file is refused with a way out."""
    raw = f"{first}\nvelociraptor\nstegosaurus\ntriceratops\nbrachiosaurus\n".encode(encoding)
    with pytest.raises(ValueError, match="Please save it as UTF-8"):
        read_text(raw, "names.txt")


# ----------------------------------------------------------------------------- series: range

def test_values_too_large_for_the_model_are_refused():
    with pytest.raises(ValueError) as e:
        load_series(_csv(["x"] + ["1e308", "-1e308"] * 15))
    assert str(e.value) == ("Column 'x', row 2 has 1e308, too large: the model computes with values "
                            "between -1e+30 and 1e+30. Please divide the column by a power of ten.")
    with pytest.raises(ValueError, match="row 12 has -2e31, too large"):
        load_series(_csv(["x"] + ["1"] * 10 + ["-2e31"] + ["1"] * 10))
    edge = load_series(_csv(["1e30", "-1e30"] * 10))                   # the largest accepted
    assert edge[0] == 1e30 and edge[1] == -1e30


# ----------------------------------------------------------------------------- series: which column

def _table(header: str, rows: int = 30) -> bytes:
    return _csv([header] + [f"{i % 12 + 1},{20 + i}" for i in range(rows)])


def test_month_temperature_trains_on_temperature_and_says_why():
    s = read_series(_table("month,temperature"))
    assert s.column == "temperature" and s.index == 1 and s.columns == ("month", "temperature")
    assert s.values[:3].tolist() == [20.0, 21.0, 22.0]
    assert s.reason == ("Training on column 'temperature': its name says it holds the values "
                        "(also made only of numbers: column 'month').")


def test_a_column_named_like_a_value_wins_wherever_it_is():
    s = read_series(_csv(["Temperature (\u00b0C),month"] + [f"{20 + i},{i % 12 + 1}" for i in range(30)]))
    assert s.column == "Temperature (\u00b0C)" and s.values[0] == 20.0
    stock = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    stock += [f"2024-01-{i % 28 + 1:02d},{i},{i + 2},{i - 1},{i + 0.5},{i + 0.4},{1000 + i}"
              for i in range(30)]
    assert read_series(_csv(stock)).column == "Close"                    # the exact word before "Adj Close"


def test_otherwise_the_last_column_of_numbers():
    s = read_series(_table("month,rain"))
    assert s.column == "rain" and s.values[0] == 20.0
    assert s.reason == ("Training on column 'rain', the last column made only of numbers "
                        "(also made only of numbers: column 'month').")
    plain = read_series(_csv([f"{i},{10 * i}" for i in range(25)]))       # no header row
    assert plain.column == "column 1" and plain.values[2] == 20.0
    assert plain.reason == ("Training on column 1, the last column made only of numbers "
                            "(also made only of numbers: column 0).")


def test_the_only_column_and_a_chosen_column_are_said_too():
    assert read_series(_csv(["level"] + [str(v) for v in SERIES])).reason == (
        "Training on column 'level', the only column made only of numbers.")
    chosen = read_series(_table("month,temperature"), "MONTH")
    assert chosen.column == "month" and chosen.values[:2].tolist() == [1.0, 2.0]
    assert chosen.reason == "Training on column 'month', as chosen."
    assert read_series(_table("month,temperature"), 0).column == "month"
    array = load_series(_table("month,temperature"))                     # the old call: the array
    assert isinstance(array, np.ndarray) and array[0] == 20.0


def test_series_columns_lists_every_column_with_its_count_of_numbers():
    raw = _csv(["date,temp,Rain"] + [f"2024-01-{i + 1:02d},{v},{'' if i == 3 else 2 * v}"
                                     for i, v in enumerate(SERIES)])
    assert series_columns(raw) == [ColumnInfo(0, "date", 0, 25), ColumnInfo(1, "temp", 25, 25),
                                   ColumnInfo(2, "Rain", 24, 25)]
    assert [c.numeric for c in series_columns(raw)] == [False, True, False]
    assert read_series(raw).columns == ("temp",)
    assert series_columns(_csv(["1,2"] * 25))[1] == ColumnInfo(1, "column 1", 25, 25)


# ----------------------------------------------------------------------------- messages stay short

def test_messages_about_many_or_long_names_are_capped():
    header = ",".join(f"c{j}" for j in range(40_000))
    wide = _csv([header] + [",".join(["1"] * 40_000)] * 25)
    with pytest.raises(ValueError) as e:
        load_series(wide, "nope")
    assert str(e.value) == ("There is no column named 'nope'. The columns are: c0, c1, c2, c3, c4 and "
                            "39,995 more.")
    with pytest.raises(ValueError) as e:
        load_series(wide, "x" * 10_000)
    assert len(str(e.value)) <= MAX_MESSAGE and "xxxx…'" in str(e.value)
    with pytest.raises(ValueError) as e:
        load_text(b"short", "n" * 10_000 + ".txt")
    assert len(str(e.value)) <= MAX_MESSAGE and str(e.value).startswith("The file 'nnnn")
    long_header = _csv(["v" * 5000] + ["1"] * 10 + ["1e" + "9" * 5000] + ["1"] * 10)
    with pytest.raises(ValueError, match="NaN or infinite") as e:
        load_series(long_header)
    assert len(str(e.value)) <= MAX_MESSAGE


def _check_message(call, *args) -> None:
    try:
        call(*args)
    except ValueError as e:
        assert 0 < len(str(e)) <= MAX_MESSAGE, str(e)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_give_data_or_a_short_value_error(raw):
    for call in (load_text, load_series, series_columns):
        _check_message(call, raw)


CSVISH = st.text(alphabet="0123456789.,;\t\n -+eEinfaINFxyz\u00e9\u00a0\ufeff\u2028\"", max_size=400)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CSVISH, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]),
       st.one_of(st.none(), st.integers(-2, 5), st.sampled_from(["x", "value", ""])))
def test_any_csv_like_text_gives_a_series_or_a_short_value_error(text, encoding, column):
    raw = text.encode(encoding, errors="ignore")
    _check_message(load_series, raw, column)
    _check_message(read_text, raw, "f.txt")
