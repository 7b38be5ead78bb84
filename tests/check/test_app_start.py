"""`check` starts the app for real (gunicorn with the container's config, the entrypoint step and app
loader, production settings) and asks its health check path once: a broken app fails `check`, with
one line naming it, instead of the deploy."""

from __future__ import annotations

import pytest

from fargate_deploy import cli
from fargate_deploy.errors import ExitCode

from .conftest import edit

INIT = "flask.com/flasksite/__init__.py"
FACTORY = "    app = Flask(__name__)\n"
VIEWS = "flask.com/flasksite/views.py"


def findings(capsys) -> list[str]:
    out = capsys.readouterr().out
    return [line for line in out.splitlines() if line.startswith(("flask.com", "container", "deploy.toml"))]


def test_the_sample_starts_and_answers_its_health_check(project, capsys):
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
    assert "the app started and answered its health check through gunicorn" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("file", "old", "new", "finding"),
    [
        pytest.param(INIT, "import logging\n", "import logging\nimport not_in_the_requirements\n",
                     "flask.com: the app flasksite.wsgi:app does not start: appwsgi: cannot start "
                     "flasksite.wsgi:app: ModuleNotFoundError: No module named 'not_in_the_requirements'",
                     id="missing-module"),
        pytest.param(INIT, FACTORY, FACTORY + "    raise RuntimeError('boom')\n",
                     "RuntimeError: boom", id="factory-raises"),
        pytest.param(VIEWS, 'return jsonify(status="ok", image_tag=current_app.config["IMAGE_TAG"])',
                     "return 1 / 0",
                     "flask.com: the app flasksite.wsgi:app started, but GET /health answered 500, not 200",
                     id="health-fails"),
    ],
)  # fmt: skip
def test_a_broken_app_fails_check_with_one_line_naming_it(project, capsys, file, old, new, finding):
    edit(project / file, old, new)
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    lines = findings(capsys)
    assert len(lines) == 1, lines
    assert finding in lines[0]


def test_the_app_is_the_one_deploy_toml_names(project, capsys):
    (project / "flask.com" / "tiny.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    (project / "deploy.toml").write_text('domain = "example.com"\nwsgi_app = "tiny:app"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
    (project / "deploy.toml").write_text('domain = "example.com"\nwsgi_app = "tiny:nothing"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    assert "AppImportError: Failed to find attribute 'nothing' in 'tiny'." in findings(capsys)[0]


def test_the_app_gets_its_settings_and_local_secrets_as_in_the_task(project, capsys):
    # An app that refuses to start without its configuration: check passes it [env] and the local secrets.
    needs = "    assert os.environ['GREETING'] == 'hi' and os.environ['API_TOKEN'] == 't'\n"
    edit(project / INIT, FACTORY, FACTORY + needs)
    (project / "deploy.toml").write_text('domain = "example.com"\n[env]\nGREETING = "hi"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    assert "KeyError: 'API_TOKEN'" in findings(capsys)[0]
    (project / "local.secrets.toml").write_text('API_TOKEN = "t"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
