"""The app's settings and secrets in a real container: the entrypoint makes one variable per name, the
app reads them through app.config, and a secret's value never reaches a log line."""

from __future__ import annotations

import importlib.util
import json
import secrets
import subprocess

import pytest

from fargate_deploy import app_secrets
from tests.docker_engine import REPO

from .conftest import remove_container, start_container

APPENV = REPO / "container" / "appenv.py"


def load_appenv():
    spec = importlib.util.spec_from_file_location("appenv", APPENV)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bundle(**values: str) -> str:
    return app_secrets.encode(
        {name: app_secrets.Secret(name, value, 1, "2026-12-02T00:00:00Z") for name, value in values.items()}
    )


# --- the expansion, in this process ---


def test_each_setting_and_secret_becomes_one_variable_and_the_json_goes():
    appenv = load_appenv()
    env, settings, secret_names = appenv.expand(
        {
            "PATH": "/usr/bin",
            "APP_SETTINGS_JSON": '{"GREETING":"hi","FEATURE_X":"on"}',
            "APP_SECRETS_JSON": bundle(API_TOKEN="t0ken", DATABASE_URL="postgres://u:p@h/d"),
        }
    )
    assert env == {
        "PATH": "/usr/bin",
        "GREETING": "hi",
        "FEATURE_X": "on",
        "API_TOKEN": "t0ken",
        "DATABASE_URL": "postgres://u:p@h/d",
    }
    assert (settings, secret_names) == (["FEATURE_X", "GREETING"], ["API_TOKEN", "DATABASE_URL"])


def test_nothing_to_expand_is_an_empty_app_environment():
    assert load_appenv().expand({"PATH": "/bin"}) == ({"PATH": "/bin"}, [], [])


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"APP_SETTINGS_JSON": '{"A": "1"', "X": "y"}, "APP_SETTINGS_JSON is not valid JSON"),
        ({"APP_SETTINGS_JSON": '["A"]'}, "APP_SETTINGS_JSON must hold a JSON object"),
        ({"APP_SETTINGS_JSON": '{"lower": "x"}'}, "'lower' is not a valid setting name"),
        ({"APP_SETTINGS_JSON": '{"N": 1}'}, "the setting N is not a string"),
        ({"APP_SETTINGS_JSON": '{"APP_ENV": "local"}', "APP_ENV": "production"},
         "the setting APP_ENV would replace a variable the container already has"),
        ({"APP_SECRETS_JSON": '{"format": 2, "secrets": {}}'}, "not a secrets bundle of format 1"),
        ({"APP_SECRETS_JSON": '{"format": 1, "secrets": {"A": "bare"}}'}, "the entry for 'A' has no value"),
        ({"APP_SETTINGS_JSON": '{"A": "1"}', "APP_SECRETS_JSON": bundle(A="2")},
         "A: both a setting ([env]) and a secret; keep one"),
    ],
)  # fmt: skip
def test_an_environment_that_cannot_be_built_is_refused_by_name(environ, message):
    appenv = load_appenv()
    with pytest.raises(
        appenv.Refused, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        appenv.expand(environ)


def test_a_refusal_never_quotes_a_value():
    appenv = load_appenv()
    canary = "canary-" + secrets.token_hex(8)
    with pytest.raises(appenv.Refused) as refused:
        appenv.expand({"APP_SECRETS_JSON": '{"format": 1, "secrets": {"A": {"value": "' + canary + '"}'})
    assert canary not in str(refused.value)


# --- a real container ---


@pytest.mark.docker
def test_the_app_sees_its_settings_and_secrets_and_no_log_line_holds_a_secret(site_image):
    canary = "canary-" + secrets.token_hex(12)
    container = start_container(
        site_image,
        'APP_SETTINGS_JSON={"GREETING":"Hello from the test."}',
        env_by_name={"APP_SECRETS_JSON": bundle(API_TOKEN=canary)},
    )
    try:
        container.wait_healthy()
        status, _, body = container.request("GET", "/?from=the-test", headers={"User-Agent": "the-test"})
        page = body.decode()
        assert status == 200
        assert '<p class="greeting">Hello from the test.</p>' in page
        assert '<strong id="api-token">set</strong>' in page
        assert canary not in page

        def environ_of(marker: str) -> dict[str, str]:
            """The environment of the oldest process whose command line holds `marker` (the master)."""
            script = (
                "import os, sys\n"
                "me = os.getpid()\n"
                "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != me)\n"
                "for pid in pids:\n"
                "    try:\n"
                "        args = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')\n"
                "        if any(sys.argv[1].encode() in a for a in args[:2]):\n"
                "            sys.stdout.buffer.write(open(f'/proc/{pid}/environ', 'rb').read()); break\n"
                "    except OSError:\n"
                "        pass\n"
            )
            raw = subprocess.run(
                ["docker", "exec", container.name, "python3", "-c", script, marker],
                capture_output=True, check=True,
            ).stdout.decode()  # fmt: skip
            assert raw, f"no process matching {marker!r}"
            return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)

        gunicorn = environ_of("/opt/venv/bin/gunicorn")
        assert (gunicorn["GREETING"], gunicorn["API_TOKEN"]) == ("Hello from the test.", canary)
        assert "APP_SECRETS_JSON" not in gunicorn and "APP_SETTINGS_JSON" not in gunicorn
        # nginx starts with a clean environment: it never holds a secret.
        assert canary not in json.dumps(environ_of("nginx: master"))

        # The access log line for the page is there (so the log was written), and no line holds the value.
        lines = container.log_lines("from=the-test", until=lambda found: len(found) >= 1)
        assert any('"source":"nginx"' in line for line in lines)
        logs = container.logs()
        assert '"message":"app environment: 1 setting (GREETING), 1 secret (API_TOKEN)"' in logs
        assert canary not in logs
    finally:
        remove_container(container)


@pytest.mark.docker
def test_a_one_off_command_gets_the_same_environment_through_the_entrypoint(site_image):
    result = subprocess.run(
        ["docker", "run", "--rm", "--read-only", "--tmpfs", "/tmp",
         "--env", 'APP_SETTINGS_JSON={"GREETING":"one-off"}', site_image,
         "python3", "-c", "import os; print(os.environ['GREETING']); open('/app/site/instance/x', 'w')"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "one-off\n"  # stdout is the command's own; the entrypoint's line is on stderr


@pytest.mark.docker
def test_a_setting_that_would_replace_the_image_s_own_variable_stops_the_container_with_one_line(site_image):
    result = subprocess.run(
        ["docker", "run", "--rm", "--env", 'APP_SETTINGS_JSON={"IMAGE_TAG":"x"}', site_image],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert json.loads(line) == {
        "source": "appenv",
        "level": "error",
        "message": "cannot start: the setting IMAGE_TAG would replace a variable the container already has",
    }
