"""The workflows: one function per command, `verb(parts, options) -> Result`.

A workflow gets everything it touches in `Parts` (the AWS effects object, the settings, the
reporter, the clock and sleep, the Docker and git runners, the prompts), does its work through them
and returns a frozen dataclass. It never prints and never imports click or rich: it reports progress
through `parts.reporter` and returns data; the click command in `commands/` parses options, calls it
and renders the result (`reporter.result(result, lines)`), so `--json` is the same result as JSON.

`create_parts(settings, ...)` (parts.py) builds the real parts in one place, after chalice's
`create_deployer`; tests build `Parts` themselves with moto- or Stubber-backed `Aws`, a recording
reporter and a fake clock, and call the same workflow functions.
"""
