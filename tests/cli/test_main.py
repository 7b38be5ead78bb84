"""main() turns outcomes into named exit codes and one-line errors."""

import click

from fargate_deploy import cli as cli_module
from fargate_deploy.errors import ConfigError, DeploymentFailed, ExitCode


def _register(name, raising):
    @cli_module.cli.command(name=name, hidden=True)
    def command():
        raise raising

    return command


def test_help_exits_zero(capsys):
    assert cli_module.main(["--help"]) == ExitCode.DONE
    assert "Usage: python3 deploy.py" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert cli_module.main(["no-such-command"]) == ExitCode.REFUSED
    assert "No such command" in capsys.readouterr().err


def test_expected_error_prints_error_and_hint_without_traceback(capsys):
    _register("raise-config", ConfigError("reading deploy.toml: unknown key 'cpus'", hint="use 'cpu'"))
    assert cli_module.main(["raise-config"]) == ExitCode.REFUSED
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: reading deploy.toml: unknown key 'cpus'", "hint: use 'cpu'"]


def test_deployment_failure_exits_one_and_debug_shows_the_traceback(capsys):
    _register("raise-failed", DeploymentFailed("deploying web: circuit breaker rolled back"))
    assert cli_module.main(["--debug", "raise-failed"]) == ExitCode.DEPLOYMENT_FAILED
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.rstrip().endswith("error: deploying web: circuit breaker rolled back")


def test_ctrl_c_is_quiet(capsys):
    _register("raise-interrupt", KeyboardInterrupt())
    assert cli_module.main(["raise-interrupt"]) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err.strip() == ""  # click ends the ^C line with a newline


def test_click_abort_from_a_prompt_is_quiet_too(capsys):
    _register("raise-abort", click.exceptions.Abort())
    assert cli_module.main(["raise-abort"]) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err.strip() == ""  # click ends the ^C line with a newline


def test_debug_works_after_the_subcommand_too(capsys):
    _register("raise-failed-late", DeploymentFailed("deploying web: circuit breaker rolled back"))
    assert cli_module.main(["raise-failed-late", "--debug"]) == ExitCode.DEPLOYMENT_FAILED
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("error: deploying web: circuit breaker rolled back")


def test_debug_after_a_double_dash_belongs_to_the_other_program():
    assert cli_module.split_debug(["local", "run", "--", "flask", "--debug", "run"]) == (
        False,
        ["local", "run", "--", "flask", "--debug", "run"],
    )
    assert cli_module.split_debug(["up", "--debug", "--yes"]) == (True, ["--debug", "up", "--yes"])


def test_an_unexpected_error_is_one_line_without_a_traceback_unless_debug(capsys):
    @cli_module.cli.command(name="raise-bug", hidden=True)
    def command():
        raise TypeError("'NoneType' object is not subscriptable")

    assert cli_module.main(["raise-bug"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: unexpected TypeError: 'NoneType' object is not subscriptable",
        "hint: run it again with --debug for the traceback, and report it",
    ]
    assert cli_module.main(["raise-bug", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_botocore_error_outside_the_aws_methods_is_one_line(capsys):
    from botocore.exceptions import NoCredentialsError

    @cli_module.cli.command(name="raise-no-credentials", hidden=True)
    def command():
        raise NoCredentialsError()

    assert cli_module.main(["raise-no-credentials"]) == ExitCode.REFUSED
    assert capsys.readouterr().err.splitlines() == [
        "error: talking to AWS: Unable to locate credentials",
        "hint: check your AWS credentials, region and network (AWS_PROFILE, AWS_REGION)",
    ]
