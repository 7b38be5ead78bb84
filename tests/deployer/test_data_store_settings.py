"""Data stores (issue 16): their settings, the base stack's parameters they become, and the sites'
parameters taken from the base stack's outputs."""

from __future__ import annotations

import pytest

from fargate_deploy import data_stores
from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import load_settings


def load(tmp_path, text: str):
    file = tmp_path / "deploy.toml"
    file.write_text('domain = "example.com"\n' + text)
    return load_settings(file, env={})


def test_everything_is_off_by_default(tmp_path):
    parameters = load(tmp_path, "").base_parameters()
    assert parameters["Database"] == "none"
    assert (parameters["EnableTable"], parameters["EnableUploads"]) == ("false", "false")
    assert parameters["DatabaseMinCapacity"] == "0"
    assert parameters["DatabaseMaxCapacity"] == "2"


def test_settings_become_the_base_stack_parameters(tmp_path):
    s = load(
        tmp_path,
        'database = "postgres"\nmin_acu = 0.5\nmax_acu = 4\nauto_pause_seconds = 900\n'
        'table = true\ntable_partition_key = "id:N"\ntable_sort_key = "at"\n'
        "uploads = true\nuploads_version_days = 14\n",
    )
    parameters = s.base_parameters()
    assert {k: parameters[k] for k in data_stores.base_parameters(s)} == {
        "Database": "postgres",
        "DatabaseMinCapacity": "0.5",
        "DatabaseMaxCapacity": "4",
        "DatabaseSecondsUntilAutoPause": "900",
        "EnableTable": "true",
        "TablePartitionKey": "id",
        "TablePartitionKeyType": "N",
        "TableSortKey": "at",
        "TableSortKeyType": "S",
        "EnableUploads": "true",
        "UploadsNoncurrentVersionDays": "14",
    }


def test_the_environment_sets_them_too(tmp_path):
    file = tmp_path / "deploy.toml"
    file.write_text('domain = "example.com"\n')
    s = load_settings(file, env={"FLASKCOM_DATABASE": "postgres", "FLASKCOM_MIN_ACU": "1.5"})
    assert (s.database, s.min_acu) == ("postgres", 1.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('database = "mysql"', "setting 'database'"),
        ("min_acu = 0.25", "steps of 0.5"),
        ("max_acu = 0", "from 1 to 256"),
        ("min_acu = 300", "from 0 to 256"),
        ('min_acu = "many"', "is not a number of capacity units"),
        ("min_acu = 4\nmax_acu = 2", "'min_acu' = 4 is above 'max_acu' = 2"),
        ("auto_pause_seconds = 60", "outside 300–86400"),
        ('table_partition_key = "pk:X"', "S (string), N (number) or B (binary)"),
        ('table_partition_key = ""', "every DynamoDB table has a partition key"),
        ('table_partition_key = "has space"', "letters, digits"),
        ('table_sort_key = "pk:N"', "name the same attribute"),
        ("uploads_version_days = 0", "outside 1–3650"),
        ('uploads = "maybe"', "is not true or false"),
    ],
)
def test_bad_values_are_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text + "\n")
    assert message in str(error.value)


def test_a_site_gets_the_stores_from_the_base_stacks_outputs():
    outputs = {
        "DatabaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf",
        "DatabaseHost": "app.cluster-1.us-east-1.rds.amazonaws.com",
        "DatabasePort": "5432",
        "DatabaseName": "app",
        "TableName": "flaskcom-prod-AppTable-1",
        "UploadsBucket": "flaskcom-prod-uploadsbucket-1",
        "VpcId": "vpc-1",
    }
    assert data_stores.service_parameters(outputs) == {k: v for k, v in outputs.items() if k != "VpcId"}


def test_without_stores_a_site_gets_the_templates_defaults():
    assert data_stores.service_parameters({"VpcId": "vpc-1"}) == {
        "DatabaseSecretArn": "",
        "DatabaseHost": "",
        "DatabasePort": "5432",
        "DatabaseName": "app",
        "TableName": "",
        "UploadsBucket": "",
    }


def test_the_site_parameters_are_the_service_templates(service_template_parameters):
    defaults = data_stores.service_parameters({})
    for name, value in defaults.items():
        assert str(service_template_parameters[name].get("Default", "")) == value, name


@pytest.fixture
def service_template_parameters():
    from tests.templates.render import SERVICE, load

    return load(SERVICE)["Parameters"]
