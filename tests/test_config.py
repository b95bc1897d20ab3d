"""The config schema: every key described with a default; typos and wrong types rejected."""

import copy

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from conftest import REPO

SCHEMA = REPO / "config" / "schema.yaml"


def _load(name):
    return yaml.safe_load((REPO / "config" / name).read_text())


def _walk(schema, path="config"):
    for key, sub in schema.get("properties", {}).items():
        yield f"{path}.{key}", sub
        yield from _walk(sub, f"{path}.{key}")


def test_every_schema_key_has_a_description_and_a_default():
    schema = yaml.safe_load(SCHEMA.read_text())
    for path, sub in _walk(schema):
        assert sub.get("description"), f"{path} has no description"
        assert "default" in sub, f"{path} has no default"


@pytest.mark.parametrize("name", ["config.yaml", "smoke.yaml"])
def test_shipped_configs_validate(name):
    validate(_load(name), str(SCHEMA))


def test_defaults_are_filled_in():
    config = {"run_name": "x"}
    validate(config, str(SCHEMA))
    assert config["seeds"] == [0] and config["experiments"] == {}
    assert config["augmentation"]["maskmix"]["threshold"] == 0.5
    assert config["augmentation"]["augmix"]["severity"] == 3


def test_a_typo_is_rejected_naming_the_key():
    config = _load("config.yaml")
    config["tasks"]["classification"]["epocs"] = 3
    with pytest.raises(WorkflowError, match="epocs"):
        validate(config, str(SCHEMA))


def test_a_wrong_type_is_rejected_naming_the_key():
    config = copy.deepcopy(_load("config.yaml"))
    config["datasets"]["rsscn7"]["size"] = "big"
    with pytest.raises(WorkflowError, match="size"):
        validate(config, str(SCHEMA))


def _checked(**changes):
    from geoinpaint.config import check_config

    config = copy.deepcopy(_load("config.yaml"))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    validate(config, str(SCHEMA))
    check_config(config)


def test_cross_field_checks_name_the_key_before_any_job():
    from geoinpaint.config import check_config  # noqa: F401

    with pytest.raises(ValueError, match=r"methods\.prposed.*proposed"):
        _checked(methods__prposed={"epochs": 1})
    with pytest.raises(ValueError, match=r"tasks\.classification\.arch.*vgg16"):
        _checked(tasks__classification__arch="vgg17")
    with pytest.raises(ValueError, match=r"datasets\.rsscn7\.root"):
        _checked(datasets__rsscn7={"source": "rsscn7", "root": "/no/such/folder"})
    with pytest.raises(ValueError, match="min_fraction 0.5 is above max_fraction 0.2"):
        _checked(masks__cloud={"kind": "cloud", "min_fraction": 0.5, "max_fraction": 0.2})
    with pytest.raises(ValueError, match="cannot import 'no_such_plugin'"):
        _checked(plugins=["no_such_plugin"])


def test_shipped_configs_pass_the_cross_field_checks():
    from geoinpaint.config import check_config

    for name in ("config.yaml", "smoke.yaml"):
        config = _load(name)
        validate(config, str(SCHEMA))
        check_config(config)
