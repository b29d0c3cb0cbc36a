"""Scenario files: validation errors name the file, the key path and the problem."""

from __future__ import annotations

import pytest

from network import DataError, parse_scenario, read_scenario


def test_minimal_scenario():
    scn = parse_scenario('name = "x"\nyear = 2025\n')
    assert scn.name == "x" and scn.year == 2025
    assert scn.lines.modify == [] and scn.lines.add == []


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ('name = "x"\nyear = "soon"\n', "year", "integer"),
    ('name = "x"\nyear = 2200\n', "year", "less than or equal"),
    ('year = 2025\n', "name", "Field required"),
    ('name = "x"\nyear = 2025\n[[lines.modify]]\nid = "a"\n[[lines.modify]]\nid = "b"\n'
     'open_year = 1800\n', "lines.modify[1].open_year", "greater than or equal"),
    ('name = "x"\nyear = 2025\n[[lines.modify]]\nid = "a"\noperating_speed_kph = -5\n',
     "lines.modify[0].operating_speed_kph", "greater than 0"),
    ('name = "x"\nyear = 2025\n[settings]\ndetour_factor = 0.5\n', "settings.detour_factor",
     "greater than or equal"),
    ('name = "x"\nyear = 2025\nbogus = 1\n', "bogus", "unknown key"),
])
def test_invalid_scenarios_name_the_key(text, key, fragment):
    with pytest.raises(DataError) as err:
        parse_scenario(text, "s.toml")
    msg = str(err.value)
    assert "s.toml" in msg and key in msg and fragment in msg


def test_empty_and_broken_files(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(DataError, match="empty scenario file"):
        read_scenario(empty)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "café"\nyear = 2025\n'.encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_scenario(latin)
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (50 * 1024 * 1024) + b"\n")
    with pytest.raises(DataError, match="at most"):
        read_scenario(big)
    with pytest.raises(DataError, match="not valid TOML"):
        parse_scenario("name = = 1", "bad.toml")
