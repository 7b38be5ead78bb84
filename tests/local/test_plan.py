"""`deploy.py local` planning: the mode, the exact docker argv, the host nginx.conf."""

from __future__ import annotations

import socket

import pytest

from fargate_deploy import local
from fargate_deploy.cli import main
from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import load_local_settings

SAMPLE = local.LocalApp(
    wsgi_app="flasksite.wsgi:app",
    build_args={"WSGI_APP": "flasksite.wsgi:app", "APP_REQUIREMENTS": "flask.com/requirements.txt"},
    settings_json='{"GREETING":"hi"}',
    secrets_json='{"format":1,"secrets":{}}',
)
BUILD_ARGS = [
    "--build-arg",
    "WSGI_APP=flasksite.wsgi:app",
    "--build-arg",
    "APP_REQUIREMENTS=flask.com/requirements.txt",
]


def test_docker_when_an_engine_is_reachable():
    plan = local.plan_local(8080, engine_reachable=True, nginx_path="/usr/sbin/nginx")
    assert (plan.mode, plan.notices, plan.url) == ("docker", (), "http://127.0.0.1:8080")


def test_host_processes_without_an_engine_and_says_so():
    plan = local.plan_local(9000, engine_reachable=False, nginx_path="/usr/sbin/nginx")
    assert plan.mode == "host"
    assert plan.notices == (
        "No Docker engine reachable: running nginx + gunicorn as host processes instead.",
    )


def test_gunicorn_alone_without_nginx_and_says_so():
    plan = local.plan_local(9000, engine_reachable=False, nginx_path=None)
    assert plan.mode == "gunicorn"
    assert "no nginx installed: running gunicorn alone" in plan.notices[0]


def test_the_container_runs_read_only_non_root_production_with_the_secrets_by_name_only():
    assert local.docker_run_argv(8080, SAMPLE) == [
        "docker", "run", "--name", "flaskcom-local-8080", "--rm", "--read-only",
        "--tmpfs", "/tmp", "--tmpfs", "/dev/shm",
        "--publish", "127.0.0.1:8080:8080",
        "--env", "SECRET_KEY", "--env", "APP_SECRETS_JSON",
        "--env", "APP_ENV=production", "--env", "IMAGE_TAG=local",
        "--env", 'APP_SETTINGS_JSON={"GREETING":"hi"}',
        "flaskcom-local:latest",
    ]  # fmt: skip
    assert set(local.docker_env(SAMPLE)) == {"SECRET_KEY", "APP_SECRETS_JSON"}


def test_the_host_nginx_conf_swaps_image_paths_and_port(tmp_path):
    image_conf = (local.REPO / "nginx.conf").read_text()
    conf = local.host_nginx_conf(image_conf, tmp_path / "site", tmp_path / "run", 9000, tmp_path / "static")
    assert "/app/site/" not in conf and " /tmp/nginx" not in conf and "unix:/tmp/gunicorn" not in conf
    assert f"alias {tmp_path}/static/;" in conf
    assert f"pid {tmp_path}/run/nginx.pid;" in conf
    assert f"server unix:{tmp_path}/run/gunicorn.sock" in conf
    assert "listen 127.0.0.1:9000 default_server;" in conf
    assert "listen 8080" not in conf and "[::]" not in conf


@pytest.mark.parametrize(
    ("machine", "platform"),
    [
        ("x86_64", "linux/amd64"),
        ("AMD64", "linux/amd64"),
        ("aarch64", "linux/arm64"),
        ("arm64", "linux/arm64"),
    ],
)
def test_the_image_is_built_for_this_machine(monkeypatch, machine, platform):
    monkeypatch.setenv("DOCKER_BUILD_NETWORK", "host")
    assert local.docker_build_argv(machine, SAMPLE) == [
        "docker", "build", "--tag", "flaskcom-local:latest", "--platform", platform,
        "--network", "host", *BUILD_ARGS, str(local.REPO),
    ]  # fmt: skip


def test_a_cpu_fargate_does_not_run_leaves_the_platform_to_docker(monkeypatch):
    monkeypatch.delenv("DOCKER_BUILD_NETWORK", raising=False)
    assert local.docker_build_argv("riscv64", SAMPLE) == [
        "docker",
        "build",
        "--tag",
        "flaskcom-local:latest",
        *BUILD_ARGS,
        str(local.REPO),
    ]


def test_a_port_in_use_is_refused_before_anything_is_built(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["local", "--port", str(port)]) == 2
    stderr = capsys.readouterr().err.splitlines()
    assert stderr[0] == f"error: starting the site: port {port} on 127.0.0.1 is already in use"
    assert stderr[1] == f"hint: python3 deploy.py local --port {port + 1}"


# --- The app, as on Fargate (issue 13) ---


def test_the_app_s_static_folder_follows_wsgi_app():
    assert SAMPLE.static_dir == local.SITE / "flasksite" / "static"
    shop = local.LocalApp("shop.web:create_app()", {}, "{}", "")
    assert shop.static_dir == local.SITE / "shop" / "static"


def test_local_gets_env_and_the_local_secrets_file_as_the_task_gets_them(tmp_path):
    (tmp_path / "deploy.toml").write_text('[env]\nGREETING = "hi"\n[sites.blog.env]\nGREETING = "blog"\n')
    (tmp_path / "local.secrets.toml").write_text('API_TOKEN = "t1"\n[sites.blog]\nAPI_TOKEN = "t2"\n')
    www = local.local_app(
        load_local_settings(tmp_path / "deploy.toml", env={}), tmp_path / "local.secrets.toml"
    )
    assert www.settings_json == '{"GREETING":"hi"}'
    assert '"API_TOKEN":{"value":"t1"' in www.secrets_json
    assert "t1" not in repr(www)
    blog_settings = load_local_settings(tmp_path / "deploy.toml", env={}, overrides={"site": "blog"})
    blog = local.local_app(blog_settings, tmp_path / "local.secrets.toml")
    assert blog.settings_json == '{"GREETING":"blog"}' and '"value":"t2"' in blog.secrets_json


def test_without_a_secrets_file_there_are_no_secrets(tmp_path):
    (tmp_path / "deploy.toml").write_text("")
    settings = load_local_settings(tmp_path / "deploy.toml", env={})
    app = local.local_app(settings, tmp_path / "local.secrets.toml")
    assert app.secrets_json == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('api_token = "x"\n', "'api_token' is not a valid secret name"),
        ('SECRET_KEY = "x"\n', "SECRET_KEY belongs to the container"),
        ('API_TOKEN = ""\n', "the value for API_TOKEN is empty"),
        ("API_TOKEN = 3\n", "the value for API_TOKEN is not a string"),
        ('GREETING = "x"\n', "GREETING is also a plain setting in [env]"),
        ('API_TOKEN = "unterminated\n', "not a TOML file"),
    ],
)
def test_a_bad_local_secrets_file_names_the_entry_never_a_value(tmp_path, text, message):
    (tmp_path / "deploy.toml").write_text('[env]\nGREETING = "hi"\n')
    (tmp_path / "local.secrets.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        local.local_app(
            load_local_settings(tmp_path / "deploy.toml", env={}), tmp_path / "local.secrets.toml"
        )
    assert message in raised.value.message and "unterminated" not in raised.value.message


def test_the_host_servers_run_through_the_entrypoint_step_with_the_container_s_config():
    argv = local.host_gunicorn_argv("/usr/bin/python3", "unix:/run/g.sock")
    assert argv == [
        "/usr/bin/python3", str(local.CONTAINER / "appenv.py"), "/usr/bin/python3", "-m", "gunicorn",
        "--config", str(local.CONTAINER / "gunicorn.conf.py"), "--bind", "unix:/run/g.sock",
    ]  # fmt: skip
    env = local.host_env(SAMPLE)
    assert (env["APP_ROOT"], env["WSGI_APP"], env["APP_SETTINGS_JSON"]) == (
        str(local.SITE), "flasksite.wsgi:app", '{"GREETING":"hi"}',
    )  # fmt: skip


def test_a_one_off_command_runs_in_the_image_with_the_secrets_by_name(monkeypatch):
    monkeypatch.setattr(local.secrets, "token_hex", lambda n: "abcd")
    assert local.docker_one_off_argv(SAMPLE, ["flask", "routes"], interactive=False) == [
        "docker", "run", "--name", "flaskcom-local-run-abcd", "--rm", "--read-only",
        "--tmpfs", "/tmp", "--tmpfs", "/dev/shm",
        "--env", "SECRET_KEY", "--env", "APP_SECRETS_JSON",
        "--env", "APP_ENV=production", "--env", "IMAGE_TAG=local",
        "--env", 'APP_SETTINGS_JSON={"GREETING":"hi"}',
        "flaskcom-local:latest", "flask", "routes",
    ]  # fmt: skip
    assert "--tty" in local.docker_one_off_argv(SAMPLE, ["sh"], interactive=True)


def test_local_run_without_a_command_exits_2_and_runs_nothing(capsys):
    assert main(["local", "run"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: local run: no command given; nothing was run",
        "hint: python3 deploy.py local run -- flask --app flasksite routes",
    ]
