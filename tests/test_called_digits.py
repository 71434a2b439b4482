"""The digits called out in the room, as every shell (console, browser, ribbon) reads them."""
import pytest

from bianban_xl.onsite.state import parse_called_digits


@pytest.mark.parametrize("typed, seed", [
    ("3721", 3721), ("3 7 2 1", 3721), ("３７２１", 3721), ("37,21", 3721), ("37-21", 3721),
    ("  0042 ", 42), ("999999999999999999", 999999999999999999),
])
def test_digits_read_as_the_room_called_them(typed, seed):
    assert parse_called_digits(typed) == seed


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_blank_means_no_seed(typed):
    assert parse_called_digits(typed) is None


@pytest.mark.parametrize("typed", ["37a1", "3.5", "一二三", "1000000000000000000", "٣٧"])
def test_anything_else_is_refused(typed):
    with pytest.raises(ValueError):
        parse_called_digits(typed)
