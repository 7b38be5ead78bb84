"""Settings: file → FLASKCOM_ env → flags; every bad key or value names the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

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
        assert f"\n{key} = " in text or f"\n# {key} = " in text or f"\n[{key}]\n" in text, key


def test_defaults_and_stack_names(tmp_path):
    s = _load(tmp_path, 'domain = "example.com"\n')
    assert (s.base_stack_name, s.service_stack_name) == ("flaskcom-prod", "flaskcom-prod-www")
    assert s.base_parameters(enable_https=False)["EnableHttps"] == "false"
    assert s.service_parameters("abc1234", creating=True) == {
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
        "AppSettings": "{}",
    }
    # An update leaves the count to autoscaling (service.yaml: empty DesiredCount → AWS::NoValue).
    assert s.service_parameters("abc1234", creating=False)["DesiredCount"] == ""


def test_env_beats_file_and_flags_beat_env(tmp_path):
    env = {"FLASKCOM_ENVIRONMENT": "staging", "FLASKCOM_CPU": "512", "FLASKCOM_MEMORY": "1024"}
    s = _load(
        tmp_path, 'domain = "example.com"\nenvironment = "prod"\n', env, {"environment": "dev", "site": None}
    )
    assert (s.environment, s.cpu, s.memory, s.site) == ("dev", 512, 1024, "www")


def test_all_template_parameters_are_strings(tmp_path):
    s = dataclasses.replace(_load(tmp_path, 'domain = "example.com"\nuse_spot = true\n'))
    for value in [*s.base_parameters().values(), *s.service_parameters("t", creating=True).values()]:
        assert isinstance(value, str)
    assert s.service_parameters("t", creating=True)["UseSpot"] == "true"


def test_arm64_on_spot_is_accepted(tmp_path):
    # FARGATE_SPOT runs ARM64 tasks on platform 1.4.0+ (botocore's ECS model, CapacityProviderStrategyItem);
    # the service runs on LATEST.
    s = _load(tmp_path, 'domain = "example.com"\narchitecture = "ARM64"\nuse_spot = true\n')
    parameters = s.service_parameters("t", creating=True)
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


# --- host names AWS would refuse or serve wrongly ---------------------------------------------------
# The apex cannot hold a CNAME (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-shared.html),
# www.<domain> is the base stack's record, and the *.<domain> certificate covers one level
# (https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html).
@pytest.mark.parametrize(
    ("host_name", "message", "hint"),
    [
        (
            "example.com",
            "setting 'host_name' = 'example.com' is the domain itself, where a site's CNAME record cannot be",
            "remove host_name: the site without one answers on example.com and www.example.com, "
            "or use a name one level below it, like blog.example.com",
        ),
        (
            "www.example.com",
            "setting 'host_name' = 'www.example.com' is the base stack's own record (it serves the site "
            "without a host_name)",
            "remove host_name: the site without one answers on example.com and www.example.com, "
            "or choose another name, like blog.example.com",
        ),
        (
            "api.eu.example.com",
            "setting 'host_name' = 'api.eu.example.com' is 2 levels below example.com; the certificate "
            "(*.example.com) covers one",
            "use one label below the domain, like api-eu.example.com",
        ),
        (
            "blog.example.org",
            "setting 'host_name' = 'blog.example.org' is not inside domain 'example.com'",
            "use a name ending in .example.com, like blog.example.com",
        ),
    ],
)
def test_host_names_aws_would_refuse_are_refused_with_the_fix(tmp_path, host_name, message, hint):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, f'domain = "example.com"\nhost_name = "{host_name}"\n')
    assert (raised.value.message, raised.value.hint) == (message, hint)


def test_a_host_name_one_level_below_the_domain_is_taken(tmp_path):
    assert _load(tmp_path, 'domain = "example.com"\nhost_name = "blog.example.com"\n').host_name == (
        "blog.example.com"
    )


# --- settings AWS would refuse late -----------------------------------------------------------------
def test_an_off_hours_cron_with_both_day_fields_is_refused(tmp_path):
    text = 'domain = "example.com"\noff_hours_scale_down_cron = "0 20 * * MON-FRI *"\n'
    text += 'off_hours_scale_up_cron = "0 7 ? * MON-FRI *"\n'
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert raised.value.message.startswith("setting 'off_hours_scale_down_cron' in ")
    assert "day-of-month (*) or day-of-week (MON-FRI) must be '?'" in raised.value.message


def test_an_off_hours_cron_field_out_of_range_is_refused(tmp_path):
    text = 'domain = "example.com"\noff_hours_scale_down_cron = "0 25 ? * MON-FRI *"\n'
    text += 'off_hours_scale_up_cron = "0 7 ? * MON-FRI *"\n'
    with pytest.raises(ConfigError, match="hours 25 is outside 0-23"):
        _load(tmp_path, text)


CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"


def test_a_certificate_from_another_region_is_refused(tmp_path):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, f'domain = "example.com"\nregion = "us-east-1"\ncertificate_arn = "{CERTIFICATE}"\n')
    assert raised.value.message == (
        "setting 'certificate_arn' is a certificate in eu-west-1, but the stacks are in us-east-1; "
        "a load balancer uses certificates of its own region only"
    )
    assert _load(
        tmp_path, f'domain = "example.com"\nregion = "eu-west-1"\ncertificate_arn = "{CERTIFICATE}"\n'
    )


# --- [sites.<name>] tables ----------------------------------------------------------------------------
SITES_TOML = """domain = "example.com"
cpu = 512
memory = 1024

[sites.blog]
host_name = "blog.example.com"
cpu = 1024
memory = 2048
desired_count = 2

[sites.docs]
host_name = "docs.example.com"
"""


def test_a_site_table_overrides_the_top_level_keys_for_that_site_only(tmp_path):
    www = _load(tmp_path, SITES_TOML)
    assert (www.site, www.host_name, www.cpu, www.memory, www.desired_count) == ("www", "", 512, 1024, 1)
    blog = _load(tmp_path, SITES_TOML, overrides={"site": "blog"})
    assert (blog.site, blog.host_name, blog.cpu, blog.memory, blog.desired_count) == (
        "blog", "blog.example.com", 1024, 2048, 2
    )  # fmt: skip
    assert blog.service_stack_name == "flaskcom-prod-blog"
    docs = _load(tmp_path, SITES_TOML, env={"FLASKCOM_SITE": "docs"})
    assert (docs.host_name, docs.cpu) == ("docs.example.com", 512)
    from_file = _load(tmp_path, 'site = "docs"\n' + SITES_TOML)
    assert from_file.host_name == "docs.example.com"


def test_environment_variables_and_flags_beat_the_site_table(tmp_path):
    blog = _load(tmp_path, SITES_TOML, env={"FLASKCOM_DESIRED_COUNT": "3", "FLASKCOM_MAX_COUNT": "5"},
                 overrides={"site": "blog"})  # fmt: skip
    assert (blog.desired_count, blog.cpu) == (3, 1024)


def test_a_site_without_a_table_takes_the_top_level_keys(tmp_path):
    shop = _load(tmp_path, SITES_TOML, overrides={"site": "shop"})
    assert (shop.host_name, shop.cpu) == ("", 512)


@pytest.mark.parametrize(
    ("table", "message", "hint"),
    [
        (
            '[sites.blog]\nnat_mode = "single"\n',
            "setting 'nat_mode' in [sites.blog] in {file} is environment-wide, not per site",
            "move nat_mode to the top of {file}; a site table takes host_name, cpu, memory",
        ),
        (
            '[sites.blog]\nhost_name = "www.example.com"\n',
            "setting 'host_name' = 'www.example.com' is the base stack's own record",
            "remove host_name",
        ),
        (
            "[sites.blog]\ncpus = 256\n",
            "unknown setting 'cpus' in [sites.blog] in {file}",
            "did you mean 'cpu'?",
        ),
        (
            "[sites.blog]\ncpu = 300\n",
            "setting 'cpu' in [sites.blog] in {file}: 300 is not one of",
            "fix cpu",
        ),
        (
            "[sites.Blog]\ncpu = 256\n",
            "[sites.Blog] in {file}: 'Blog' is not a site name",
            "rename the table",
        ),
        ("sites = 3\n", "{file}: sites is not a setting", "write [sites.blog]"),
        ("[sites]\nblog = 3\n", "{file}: sites.blog is not a table", "write [sites.blog]"),
    ],
)
def test_bad_site_tables_are_refused_even_for_another_site(tmp_path, table, message, hint):
    file = tmp_path / "deploy.toml"
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, 'domain = "example.com"\n' + table)  # the selected site is www
    assert raised.value.message.startswith(message.format(file=file)), raised.value.message
    assert raised.value.hint.startswith(hint.format(file=file)), raised.value.hint


def test_the_example_site_table_works_as_documented(tmp_path):
    example = (__import__("pathlib").Path(__file__).parents[2] / "deploy.toml.example").read_text()
    table = example[example.index("# [sites.blog]") :]
    uncommented = example.replace(table, "\n".join(line[2:] for line in table.splitlines()) + "\n")
    blog = _load(tmp_path, uncommented, overrides={"site": "blog"})
    assert (blog.host_name, blog.cpu, blog.memory) == ("blog.example.com", 512, 1024)


# --- edge (issue 14) ---


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('cdn = true\ncdn_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/'
         '00000000-0000-0000-0000-000000000000"\n', "cdn_certificate_arn"),
        ('cdn_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/'
         '00000000-0000-0000-0000-000000000000"\n', "only used with cdn = true"),
        ('waf_mode = "deny"\n', "is not one of count, block"),
        ("waf_rate_limit = 5\n", "outside 10"),
    ],
)  # fmt: skip
def test_bad_edge_settings_are_refused_with_the_key(tmp_path, text, words):
    with pytest.raises(ConfigError, match=words):
        _load(tmp_path, 'domain = "example.com"\n' + text)


def test_edge_settings_load(tmp_path):
    s = _load(
        tmp_path, 'domain = "example.com"\ncdn = true\nwaf = true\nwaf_mode = "block"\nwaf_rate_limit = 300\n'
    )
    assert (s.cdn, s.waf, s.waf_mode, s.waf_rate_limit) == (True, True, "block", 300)


def test_secret_key_arn_reaches_the_base_stack_and_a_bad_one_is_refused(tmp_path):
    assert _load(tmp_path, 'domain = "example.com"\n').base_parameters()["SecretArn"] == ""
    kept = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:Secret-AbCdEf"
    s = _load(tmp_path, f'domain = "example.com"\nsecret_key_arn = "{kept}"\n')
    assert s.base_parameters()["SecretArn"] == kept
    with pytest.raises(ConfigError, match="setting 'secret_key_arn'"):
        _load(tmp_path, 'domain = "example.com"\nsecret_key_arn = "Secret-AbCdEf"\n')


# --- The app (issue 13): [env], wsgi_app, requirements, release_command ---


def test_env_reaches_the_service_stack_as_one_compact_json_parameter(tmp_path):
    s = _load(tmp_path, 'domain = "example.com"\n[env]\nMAIL_SERVER = "smtp.example.com"\nFEATURE_X = "on"\n')
    assert s.env == {"MAIL_SERVER": "smtp.example.com", "FEATURE_X": "on"}
    assert (
        s.service_parameters("t", creating=True)["AppSettings"]
        == '{"FEATURE_X":"on","MAIL_SERVER":"smtp.example.com"}'
    )


def test_the_example_file_loads_and_its_setting_is_a_plain_string(tmp_path):
    example = Path(__file__).parents[2] / "deploy.toml.example"
    s = load_settings(example, env={})
    assert s.env == {"GREETING": "Hello from deploy.toml."}
    assert (s.wsgi_app, s.requirements, s.release_command) == (
        "flasksite.wsgi:app",
        "flask.com/requirements.txt",
        "",
    )


def test_the_image_build_args_name_the_app_and_its_requirements(tmp_path):
    s = _load(tmp_path, 'domain = "example.com"\nwsgi_app = "shop:create_app()"\n'
              'requirements = "flask.com/shop/requirements.txt"\n')  # fmt: skip
    assert s.image_build_args == {
        "WSGI_APP": "shop:create_app()",
        "APP_REQUIREMENTS": "flask.com/shop/requirements.txt",
    }


def test_a_release_command_is_kept_as_written(tmp_path):
    s = _load(tmp_path, 'domain = "example.com"\nrelease_command = "flask --app shop db upgrade"\n')
    assert s.release_command == "flask --app shop db upgrade"


ENV_HEADER = 'domain = "example.com"\n[env]\n'
IN_ENV = "[env] in {file}: "


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        pytest.param(ENV_HEADER + 'mail_server = "x"\n', IN_ENV + "'mail_server' is not a valid setting name",
                     "rename it, e.g. MAIL_SERVER", id="bad-name"),
        pytest.param(ENV_HEADER + '"9LIVES" = "x"\n', IN_ENV + "'9LIVES' is not a valid setting name",
                     "rename it, e.g. _9LIVES", id="leading-digit"),
        pytest.param(ENV_HEADER + 'APP_ENV = "local"\n', IN_ENV + "APP_ENV belongs to the container",
                     "choose another name", id="reserved-name"),
        pytest.param(ENV_HEADER + 'AWS_REGION = "x"\n', IN_ENV + "AWS_REGION belongs to the container",
                     "choose another name", id="reserved-prefix"),
        pytest.param(ENV_HEADER + 'SECRET_KEY = "dev"\n', IN_ENV + "SECRET_KEY belongs to the container",
                     "choose another name", id="secret-key-is-the-image-s"),
        pytest.param(ENV_HEADER + 'DB_PASSWORD = "hunter2"\n', IN_ENV + "DB_PASSWORD looks like a secret",
                     "python3 deploy.py secret set DB_PASSWORD", id="password"),
        pytest.param(ENV_HEADER + 'GITHUB_TOKEN = "x"\n', IN_ENV + "GITHUB_TOKEN looks like a secret",
                     "python3 deploy.py secret set GITHUB_TOKEN", id="token"),
        pytest.param(ENV_HEADER + 'STRIPE_KEY = "x"\n', IN_ENV + "STRIPE_KEY looks like a secret",
                     "python3 deploy.py secret set STRIPE_KEY", id="key-suffix"),
        pytest.param(ENV_HEADER + 'CLIENT_SECRET_ID = "x"\n', IN_ENV + "CLIENT_SECRET_ID looks like a secret",
                     "python3 deploy.py secret set CLIENT_SECRET_ID", id="secret-inside"),
        pytest.param(ENV_HEADER + "WORKERS = 3\n", IN_ENV + "WORKERS = 3 is not a string",
                     'quote it: WORKERS = "3"', id="not-a-string"),
        pytest.param(ENV_HEADER + 'BIG = "' + "x" * 5000 + '"\n', "[env] is 5010 bytes as JSON",
                     "keep settings short", id="too-big-for-a-parameter"),
        pytest.param('domain = "example.com"\nenv = "GREETING=hi"\n', "[env] must be a table",
                     "write it as a TOML table", id="env-not-a-table"),
        pytest.param('domain = "example.com"\nrelease_command = ["flask", "db", "upgrade"]\n',
                     "setting 'release_command' in", "fix release_command", id="release-command-a-list"),
        pytest.param('domain = "example.com"\nrelease_command = "flask \'db upgrade"\n',
                     "cannot be split into a command", "fix release_command", id="release-command-unquoted"),
        pytest.param('domain = "example.com"\nwsgi_app = "shop"\n', "setting 'wsgi_app'",
                     "fix wsgi_app", id="wsgi-app-without-variable"),
        pytest.param('domain = "example.com"\nrequirements = "requirements.txt"\n',
                     "must be a file inside flask.com/", "fix requirements", id="requirements-outside-app"),
        pytest.param('domain = "example.com"\nrequirements = "flask.com/../secrets.txt"\n',
                     "must be a file inside flask.com/", "fix requirements", id="requirements-escaping"),
    ],
)  # fmt: skip
def test_bad_app_settings_are_one_line_with_the_fix(tmp_path, text, message, hint):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert message.format(file=tmp_path / "deploy.toml") in raised.value.message
    assert "\n" not in raised.value.message
    assert hint in raised.value.hint


def test_a_bad_env_entry_through_the_cli_exits_2_with_one_error_line(tmp_path, capsys, monkeypatch):
    from fargate_deploy.cli import main

    (tmp_path / "deploy.toml").write_text(ENV_HEADER + 'API_TOKEN = "abc"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["plan"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "error: [env] in deploy.toml: API_TOKEN looks like a secret; "
        "settings are stored in plain text in the stack"
    )
    assert (
        err[1] == "hint: remove it from [env] in deploy.toml and run: python3 deploy.py secret set API_TOKEN"
    )
    assert len(err) == 2


def test_a_site_s_env_table_extends_and_overrides_env_for_that_site_only(tmp_path):
    text = (
        'domain = "example.com"\n[env]\nGREETING = "hi"\nFEATURE_X = "off"\n'
        '[sites.blog]\nhost_name = "blog.example.com"\n'
        '[sites.blog.env]\nFEATURE_X = "on"\nBLOG_TITLE = "Notes"\n'
    )
    assert _load(tmp_path, text).env == {"GREETING": "hi", "FEATURE_X": "off"}
    blog = _load(tmp_path, text, overrides={"site": "blog"})
    assert blog.env == {"GREETING": "hi", "FEATURE_X": "on", "BLOG_TITLE": "Notes"}


def test_a_bad_name_in_another_site_s_env_table_is_found_on_every_load(tmp_path):
    text = 'domain = "example.com"\n[sites.blog.env]\nDB_PASSWORD = "x"\n'
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert raised.value.message.startswith(
        f"[sites.blog.env] in {tmp_path / 'deploy.toml'}: DB_PASSWORD looks"
    )
