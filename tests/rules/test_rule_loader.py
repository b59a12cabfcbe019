import pytest

from cityops.errors import InvalidInput
from cityops.rules import load_rules_toml

GOOD = """\
# rules for Champasak
[[rule]]
name = "pakse-flood"
type = "river_level"
subject = "Pakse"
inputs = { level = "ds-013901" }
levels = { warning = 11.0, danger = 12.0 }
hysteresis = 0.1

[[rule]]
name = "pakse-rain"
type = "rainfall"
enabled = false
preset = "tmd_24h"

  [rule.inputs]
  rain = 42
"""


def test_loads_rules_with_lines_and_subjects():
    specs = load_rules_toml(GOOD)
    assert [(s.name, s.type, s.line, s.enabled) for s in specs] == [
        ("pakse-flood", "river_level", 2, True),
        ("pakse-rain", "rainfall", 10, False),
    ]
    assert specs[0].subject == "Pakse" and specs[1].subject == "42"
    assert specs[0].rule.config.hysteresis == 0.1
    assert load_rules_toml("") == []


def _error(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        load_rules_toml(text)
    return err.value


def test_error_names_the_line_of_the_offending_rule():
    bad = (
        GOOD
        + '''
[[rule]]
name = "documented"
type = "rainfall"
preset = "tmd_24h"
inputs = { rain = "r" }
description = """
[[rule]]  <- inside a string, not a header
"""

[[rule]]
name = "bad-heat"
type = "heat_index"
inputs = { temperature = "t" }
'''
    )
    specs_before = load_rules_toml(GOOD)
    assert len(specs_before) == 2
    err = _error(bad)
    lines = bad.splitlines()
    expected = len(lines) - lines[::-1].index("[[rule]]")  # the last header, 1-based
    assert expected == 28
    assert err.message.startswith(f"line {expected}:"), err.message
    assert "bad-heat" in err.message and "humidity" in err.message
    assert err.field == "inputs"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[rule]]\nname = "a"\ntype = "nope"\n', 1, "unknown rule type"),
        ('\n\n[[rule]]\ntype = "rainfall"\n', 3, "name"),
        (
            (
                '[[rule]]\nname="a"\ntype="rainfall"\npreset="tmd_24h"\ninputs={rain="r"}\n'
                '[[ rule ]]  # again\nname="a"\ntype="rainfall"\npreset="tmd_24h"\n'
                'inputs={rain="r"}\n'
            ),
            6,
            "duplicate",
        ),
        ('[[rule]]\nname="a"\ntype="rainfall"\npreset="monsoon"\ninputs={rain="r"}\n', 1, "preset"),
    ],
)
def test_errors_with_lines(text, line, words):
    err = _error(text)
    assert err.message.startswith(f"line {line}:") and words in err.message


def test_syntax_and_shape_errors():
    assert "invalid TOML" in _error("[[rule]\n").message
    assert _error("[rules]\nx = 1\n").field == "rules"
    assert "array of tables" in _error('[rule]\nname = "a"\n').message
