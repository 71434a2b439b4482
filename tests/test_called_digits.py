"""The digits called out in the room, as every shell (console, browser, ribbon) reads them."""
import pickle

import pytest

from bianban_xl.model.called_digits import parse_called_digits, recorded_seed, same_digits


@pytest.mark.parametrize("typed, seed", [
    ("3721", 3721), ("3 7 2 1", 3721), ("３７２１", 3721), ("37,21", 3721), ("37-21", 3721),
    ("  0042 ", 42), ("999999999999999999", 999999999999999999), ("9223372036854775807", 2 ** 63 - 1),
])
def test_digits_read_as_the_room_called_them(typed, seed):
    assert parse_called_digits(typed) == seed


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_blank_means_no_seed(typed):
    assert parse_called_digits(typed) is None


@pytest.mark.parametrize("typed", ["37a1", "3.5", "一二三", "9223372036854775808", "10000000000000000000", "٣٧"])
def test_anything_else_is_refused(typed):
    with pytest.raises(ValueError):
        parse_called_digits(typed)


@pytest.mark.parametrize("typed", ["3 721", "３７２１", "3,721"])
def test_the_command_line_reads_the_seed_as_the_prompt_does(typed, tmp_path, capsys):
    """--seed "3 721" was 'not an integer' while the prompt, the browser and the seed table took it."""
    from bianban_xl.cli.main import main
    from conftest import write_book

    src = write_book(tmp_path / "in.xlsx")
    assert main(["assign", str(src), "-o", str(tmp_path / "out.xlsx"), "--seed", typed]) == 0
    assert "随机种子 3721（命令行指定）" in capsys.readouterr().out


def test_the_digits_as_called_are_kept_beside_the_number():
    for typed in ("0012", "００１２", "00 12"):
        seed = parse_called_digits(typed)
        assert seed == 12 and hash(seed) == hash(12) and str(seed) == "0012" and f"{seed}" == "0012"
        assert f"{seed:d}" == "12" and "%d" % seed == "12"
    assert str(parse_called_digits("12")) == "12" and str(parse_called_digits("0")) == "0"
    assert str(pickle.loads(pickle.dumps(parse_called_digits("007")))) == "007"      # batch workers
    assert str(recorded_seed("0012")) == "0012" and recorded_seed("12") == 12 and recorded_seed(" 0012 ") == 12
    assert not same_digits(parse_called_digits("0012"), parse_called_digits("12"))
    assert same_digits(parse_called_digits("00 12"), parse_called_digits("００１２"))
