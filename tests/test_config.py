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
    assert config["tasks"]["classification"]["arch"] == "vgg-small"
    assert config["occlusion"]["cloud"]["min_fraction"] == 0.15
    assert config["occlusion"]["maskmix"]["threshold"] == 0.5


def test_a_typo_is_rejected_naming_the_key():
    config = _load("config.yaml")
    config["tasks"]["classification"]["epocs"] = 3
    with pytest.raises(WorkflowError, match="epocs"):
        validate(config, str(SCHEMA))


def test_a_wrong_type_is_rejected_naming_the_key():
    config = copy.deepcopy(_load("config.yaml"))
    config["data"]["image_size"] = "big"
    with pytest.raises(WorkflowError, match="image_size"):
        validate(config, str(SCHEMA))
