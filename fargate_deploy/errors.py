"""Exit codes and the errors that carry them to the command line."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    DONE = 0  # including "no changes"
    DEPLOYMENT_FAILED = 1  # AWS tried and failed (and rolled back)
    REFUSED = 2  # bad input, bad configuration, or a refused action
    INTERRUPTED = 130  # Ctrl-C


class DeployError(Exception):
    """An expected failure: printed as `error: …` plus an optional `hint: …`, no traceback."""

    exit_code = ExitCode.REFUSED

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(DeployError):
    """deploy.toml, environment variables or flags hold something we cannot use."""


class RefusedError(DeployError):
    """The request is understood but would do harm or cannot succeed as asked."""


class AwsError(DeployError):
    """An AWS call failed; the message keeps AWS's own words."""


class AccessDenied(AwsError):
    """AWS refused the call for lack of permission: never read as "not there" or "nothing to do"."""


class DeploymentFailed(DeployError):
    """CloudFormation or ECS tried and failed."""

    exit_code = ExitCode.DEPLOYMENT_FAILED
