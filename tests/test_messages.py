"""Messages about a person's file stay a few lines long, whatever the file holds."""

import pytest

from rnn_core.messages import MAX_MESSAGE, brief, capped, capped_errors, clip


def test_clip_keeps_short_text_and_cuts_long_text():
    assert clip("temperature") == "temperature"
    assert clip("x" * 40) == "x" * 40
    assert clip("x" * 41) == "x" * 39 + "…"
    assert clip("abcdef", 4) == "abc…"
    with pytest.raises(ValueError, match="width: got 0, expected at least 1"):
        clip("abc", 0)


def test_brief_names_a_few_and_counts_the_rest():
    assert brief([]) == ""
    assert brief(["a"]) == "a"
    assert brief(["a", "b"]) == "a and b"
    assert brief(["a", "b", "c"]) == "a, b and c"
    assert brief([f"m{i}" for i in range(40_000)]) == "m0, m1, m2, m3, m4 and 39,995 more"
    assert brief(["month", "day"], show=repr) == "'month' and 'day'"
    assert brief(["n" * 100, "b"], most=1, width=5) == "nnnn… and 1 more"
    with pytest.raises(ValueError, match="most: got 0, expected at least 1"):
        brief(["a"], most=0)


def test_capped_is_a_hard_limit():
    assert MAX_MESSAGE == 300
    assert capped("short") == "short"
    assert capped("y" * 1000) == "y" * 299 + "…"


def test_capped_errors_cuts_value_errors_and_lets_the_rest_through():
    @capped_errors
    def fail(message: str, kind: type[Exception] = ValueError) -> None:
        raise kind(message)

    with pytest.raises(ValueError) as e:
        fail("z" * 100_000)
    assert str(e.value) == "z" * 299 + "…"
    with pytest.raises(ValueError, match="^short$"):
        fail("short")
    with pytest.raises(KeyError):
        fail("not a ValueError", KeyError)
    assert capped_errors(lambda x: x + 1)(1) == 2
