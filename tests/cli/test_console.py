"""The shared consoles print AWS text as AWS wrote it: no emoji codes, no markup in diagnostics."""

from __future__ import annotations

from rich.markup import escape

from fargate_deploy import cli as cli_module
from fargate_deploy import console
from fargate_deploy.errors import AwsError

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flaskcom-prod-SecretKey-AbC123"
REMOVE = f"aws secretsmanager delete-secret --secret-id {SECRET_ARN} --region us-east-1"


def test_a_printed_remove_command_keeps_the_secret_arn(capsys):
    # destroy prints this line (commands/operate.py); with emoji codes on, ":secret:" became an emoji.
    console.out.print(escape(f"kept Flask secret key {SECRET_ARN}; remove it with: {REMOVE}"))
    assert capsys.readouterr().out == f"kept Flask secret key {SECRET_ARN}; remove it with: {REMOVE}\n"


def test_info_lines_keep_square_brackets(capsys):
    console.info("(reason Health checks failed with these codes: [502]) [red]")
    assert capsys.readouterr().err == "(reason Health checks failed with these codes: [502]) [red]\n"


def test_an_error_naming_a_secret_arn_is_printed_verbatim(capsys):
    @cli_module.cli.command(name="raise-secret-error", hidden=True)
    def command():
        raise AwsError(f"reading secret {SECRET_ARN}: AccessDenied [x]", hint=f"check {SECRET_ARN}")

    assert cli_module.main(["raise-secret-error"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: reading secret {SECRET_ARN}: AccessDenied [x]",
        f"hint: check {SECRET_ARN}",
    ]
