"""The image's entrypoint step (tini → this → the command): the app's settings and secrets become
environment variables, then the command runs with them.

ECS hands the container two JSON values, because the number of settings and secrets varies and a
CloudFormation template cannot loop over them (docs/architecture.md):
  APP_SETTINGS_JSON  {"NAME": "value", ...}  from [env] in deploy.toml (a service stack parameter)
  APP_SECRETS_JSON   {"format": 1, "secrets": {"NAME": {"value": "...", ...}}}  from the site's
                     Parameter Store SecureString, which ECS reads when the task starts
Each entry becomes one variable; the two JSON variables are removed. A name that is both a setting
and a secret, or that the container already has (APP_ENV, IMAGE_TAG, SECRET_KEY, PATH, what ECS
sets), stops the container with one line naming it: values are never printed. Every command gets
the same environment: the web servers (/app/start), `deploy.py run`, the release command and
`deploy.py local run`.

Standard library only: this runs before, and apart from, the app's virtualenv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Mapping

SETTINGS = "APP_SETTINGS_JSON"
SECRETS = "APP_SECRETS_JSON"
SECRETS_FORMAT = 1
NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The app's instance folder (Flask's instance_path for a package in /app/site) is a link into /tmp,
# the task's writable volume: its target is made here, before the app starts. Lost with the task.
INSTANCE_LINK = "/app/site/instance"

# Variables built from others after the expansion, e.g. a DATABASE_URL from the parts ECS injects.
# Each function gets the environment so far and returns the variables to add.
DERIVED: list[Callable[[Mapping[str, str]], dict[str, str]]] = []


def _sibling(name: str):
    """A module beside this file (python3 -I leaves the script's folder off sys.path)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(__file__), f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Data stores (issue 16): DATABASE_URL from the PG* variables, and the wait for a waking database.
pgenv = _sibling("pgenv")
DERIVED.append(pgenv.database_variables)


class Refused(Exception):
    """The environment cannot be built; the message names what to fix, never a value."""


def _json_object(text: str, variable: str) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        # The decoder's message gives a position, never the text itself.
        raise Refused(f"{variable} is not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(value, dict):
        raise Refused(f"{variable} must hold a JSON object")
    return value


def _secret_values(bundle: dict) -> dict[str, object]:
    if not bundle:
        return {}
    if bundle.get("format") != SECRETS_FORMAT or not isinstance(bundle.get("secrets"), dict):
        raise Refused(f"{SECRETS} is not a secrets bundle of format {SECRETS_FORMAT}")
    values = {}
    for name, entry in bundle["secrets"].items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise Refused(f"{SECRETS}: the entry for {name!r} has no value")
        values[name] = entry["value"]
    return values


def expand(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """(the command's environment, setting names, secret names)."""
    env = dict(environ)
    settings = _json_object(env.pop(SETTINGS, ""), SETTINGS)
    secrets = _secret_values(_json_object(env.pop(SECRETS, ""), SECRETS))
    for kind, entries in (("setting", settings), ("secret", secrets)):
        for name, value in entries.items():
            if not NAME.match(name):
                raise Refused(f"{name!r} is not a valid {kind} name (upper-case letters, digits and _)")
            if not isinstance(value, str):
                raise Refused(f"the {kind} {name} is not a string")
            if name in env:
                raise Refused(f"the {kind} {name} would replace a variable the container already has")
    both = sorted(settings.keys() & secrets.keys())
    if both:
        raise Refused(f"{', '.join(both)}: both a setting ([env]) and a secret; keep one")
    env.update(settings)
    env.update(secrets)
    for derive in DERIVED:
        try:
            env.update(derive(env))
        except ValueError as error:
            raise Refused(str(error)) from None
    return env, sorted(settings), sorted(secrets)


def prepare_instance_folder(link: str = INSTANCE_LINK) -> None:
    if os.path.islink(link):
        os.makedirs(os.path.join(os.path.dirname(link), os.readlink(link)), exist_ok=True)


def _say(level: str, message: str) -> None:
    # One JSON line on stderr, like the container's other lines: CloudWatch and `deploy.py logs` read it,
    # and a one-off command's own stdout stays clean.
    line = json.dumps({"source": "appenv", "level": level, "message": message}, separators=(",", ":"))
    print(line, file=sys.stderr, flush=True)


def _listed(kind: str, names: list[str]) -> str:
    return f"{len(names)} {kind}{'' if len(names) == 1 else 's'}" + (
        f" ({', '.join(names)})" if names else ""
    )


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        _say("error", "usage: appenv.py COMMAND [ARG...]")
        return 2
    try:
        env, settings, secrets = expand(os.environ)
        prepare_instance_folder()
        pgenv.wait_for_database(env, _say)
    except ValueError as error:  # DATABASE_WAIT_SECONDS
        _say("error", f"cannot start: {error}")
        return 2
    except Refused as error:
        _say("error", f"cannot start: {error}")
        return 2
    except OSError as error:
        _say("error", f"cannot start: creating the instance folder: {error.strerror}")
        return 1
    if settings or secrets:  # names only, never values
        _say("info", f"app environment: {_listed('setting', settings)}, {_listed('secret', secrets)}")
    try:
        os.execvpe(argv[1], argv[1:], env)
    except FileNotFoundError:
        _say("error", f"cannot start: command not found: {argv[1]}")
        return 127
    except PermissionError:
        _say("error", f"cannot start: not executable: {argv[1]}")
        return 126
    return 1  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv))
