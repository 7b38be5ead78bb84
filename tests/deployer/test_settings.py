"""Settings: file → FLASKCOM_ env → flags; every bad key or value names the key."""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import KEYS, PARSERS, Settings, load_settings


def _load(tmp_path, text: str, env=None, overrides=None) -> Settings:
    file = tmp_path / "deploy.toml"
    file.write_text(text)
    return load_settings(file, env=env or {}, overrides=overrides)


def test_every_field_has_a_parser_and_is_documented_in_the_example():
    assert set(PARSERS) == set(KEYS)
    example = Settings.__module__ and __import__("pathlib").Path(__file__).parents[2] / "deploy.toml.example"
    text = example.read_text()
    for key in KEYS:
        assert f"\n{key} = " in text or f"\n# {key} = " in text, key


def test_defaults_and_stack_names(tmp_path):
    s = _load(tmp_path, 'domain = "example.com"\n')
    assert (s.base_stack_name, s.service_stack_name) == ("flaskcom-prod", "flaskcom-prod-www")
    assert s.base_parameters(enable_https=False)["EnableHttps"] == "false"
    assert s.service_parameters("abc1234") == {
        "BaseStackName": "flaskcom-prod",
        "ImageTag": "abc1234",
        "HostName": "",
        "Cpu": "256",
        "Memory": "512",
        "Architecture": "X86_64",
        "UseSpot": "false",
        "DesiredCount": "1",
        "MinCount": "1",
        "MaxCount": "4",
        "TargetCpuPercent": "60",
        "TargetRequestsPerTask": "1000",
        "EnableExec": "false",
        "AlarmEmail": "",
        "OffHoursScaleDownCron": "",
        "OffHoursScaleUpCron": "",
    }


def test_env_beats_file_and_flags_beat_env(tmp_path):
    env = {"FLASKCOM_ENVIRONMENT": "staging", "FLASKCOM_CPU": "512", "FLASKCOM_MEMORY": "1024"}
    s = _load(
        tmp_path, 'domain = "example.com"\nenvironment = "prod"\n', env, {"environment": "dev", "site": None}
    )
    assert (s.environment, s.cpu, s.memory, s.site) == ("dev", 512, 1024, "www")


def test_all_template_parameters_are_strings(tmp_path):
    s = dataclasses.replace(_load(tmp_path, 'domain = "example.com"\nuse_spot = true\n'))
    for value in [*s.base_parameters().values(), *s.service_parameters("t").values()]:
        assert isinstance(value, str)
    assert s.service_parameters("t")["UseSpot"] == "true"


def test_arm64_on_spot_is_accepted(tmp_path):
    # FARGATE_SPOT runs ARM64 tasks on platform 1.4.0+ (botocore's ECS model, CapacityProviderStrategyItem);
    # the service runs on LATEST.
    s = _load(tmp_path, 'domain = "example.com"\narchitecture = "ARM64"\nuse_spot = true\n')
    parameters = s.service_parameters("t")
    assert (parameters["Architecture"], parameters["UseSpot"]) == ("ARM64", "true")


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('domain = "example.com"\ncpus = 256\n', {}, "unknown setting 'cpus'"),
        ('domain = "example.com"\n', {"FLASKCOM_NAT": "single"}, "unknown setting 'nat'"),
        ('domain = "Example..com"\n', {}, "setting 'domain'"),
        ("", {}, "setting 'domain' is missing"),
        ('domain = "example.com"\ncpu = 300\n', {}, "setting 'cpu'"),
        ('domain = "example.com"\ncpu = 256\nmemory = 4096\n', {}, "Fargate does not offer this pair"),
        ('domain = "example.com"\narchitecture = "arm"\n', {}, "setting 'architecture'"),
        ('domain = "example.com"\nnat_mode = "two"\n', {}, "setting 'nat_mode'"),
        ('domain = "example.com"\nuse_spot = "maybe"\n', {}, "setting 'use_spot'"),
        ('domain = "example.com"\ndesired_count = 5\n', {}, "'desired_count' = 5 is outside"),
        ('domain = "example.com"\nmin_count = 3\nmax_count = 2\ndesired_count = 2\n', {}, "'min_count'"),
        ('domain = "example.com"\nlog_retention_days = 10\n', {}, "setting 'log_retention_days'"),
        ('domain = "example.com"\nhost_name = "www.other.org"\n', {}, "not inside domain"),
        ('domain = "example.com"\noff_hours_scale_down_cron = "0 20 * * ? *"\n', {}, "go together"),
        ('domain = "example.com"\nhosted_zone_id = "123"\n', {}, "setting 'hosted_zone_id'"),
        ('domain = "example.com"\noff_hours_scale_up_cron = "cron(0 7 * * ? *)"\n', {}, "_up_cron"),
        ('domain = "example.com"\nalarm_email = "nobody"\n', {}, "setting 'alarm_email'"),
        ('domain = "example.com"\n[extra]\nx = 1\n', {}, "tables are not used"),
        ('domain = "example.com\n', {}, "reading"),
        ('domain = "example.com"\n', {"FLASKCOM_CPU": "lots"}, "environment variable FLASKCOM_CPU"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _load(tmp_path, text, env)


def test_bad_flag_names_the_option(tmp_path):
    with pytest.raises(ConfigError, match="option --environment"):
        _load(tmp_path, 'domain = "example.com"\n', overrides={"environment": "Prod!"})


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_unknown_key_suggests_the_closest(tmp_path):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, 'domain = "example.com"\nmemmory = 512\n')
    assert raised.value.hint == "did you mean 'memory'?"
