"""Rules checked against the store: missing datastreams, units, loops, bad config; and
``cityops rules load`` with errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cityops.cli import app as cli
from cityops.errors import InvalidInput
from cityops.store.base import Store

from .support import add_rule, make_datastream, river_rule


def test_missing_datastream_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInput, match=r"rule 'flood': inputs.level: Datastream 999 does not"):
        add_rule(store, **river_rule(999))


def test_incompatible_unit_is_refused_naming_rule_and_datastream(store: Store) -> None:
    ds = make_datastream(store, unit="Cel")
    with pytest.raises(InvalidInput) as err:
        add_rule(store, **river_rule(ds))
    assert err.value.field == "inputs.level"
    assert f"rule 'flood': inputs.level: Datastream {ds} is in 'Cel'" in err.value.message


def test_convertible_unit_is_accepted(store: Store) -> None:
    ds = make_datastream(store, unit="cm")
    assert add_rule(store, **river_rule(ds)) > 0


def test_bad_config_names_the_field(store: Store) -> None:
    ds = make_datastream(store)
    with pytest.raises(InvalidInput) as err:
        add_rule(store, **river_rule(ds, levels={}))
    assert err.value.field == "levels" and "at least one level" in err.value.message
    with pytest.raises(InvalidInput, match="window must be a positive"):
        add_rule(
            store, name="rain", type="rainfall", inputs={"rain": ds}, window=0, levels={"heavy": 50}
        )


def test_output_that_feeds_back_is_refused(store: Store) -> None:
    t = make_datastream(store, unit="Cel", name="t")
    h = make_datastream(store, unit="%", name="h")
    with pytest.raises(InvalidInput, match="a loop"):
        add_rule(
            store,
            name="heat",
            type="heat_index",
            unit="Cel",
            output=t,
            inputs={"temperature": t, "humidity": h},
        )


def test_rules_load_names_the_line(store: Store, tmp_path: Path) -> None:
    ds = make_datastream(store)
    f = tmp_path / "rules.toml"
    f.write_text(f"""# rules
[[rule]]
name = "ok"
type = "river_level"
inputs = {{ level = {ds} }}
levels = {{ warning = 11.0, danger = 12.0 }}

[[rule]]
name = "wrong-unit"
type = "river_level"
unit = "Cel"
inputs = {{ level = {ds} }}
levels = {{ danger = 12.0 }}
""")
    result = CliRunner().invoke(
        cli, ["rules", "load", str(f), "-d", store.url], standalone_mode=False
    )
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.message.startswith("line 8: rule 'wrong-unit': inputs.level")
    f.write_text(f.read_text().replace('unit = "Cel"\n', ""))
    result = CliRunner().invoke(cli, ["rules", "load", str(f), "-d", store.url])
    assert result.exit_code == 0, result.output
    assert "created: ok" in result.output and "created: wrong-unit" in result.output
