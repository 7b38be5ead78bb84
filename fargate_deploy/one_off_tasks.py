"""The workflows of `deploy.py run -- CMD` and of the release command: start one task, follow it to its
end with its own log lines as they arrive, and say how it ended (one_off.py holds the pure parts).

Each workflow takes its parts (the Aws effects object, which carries the clock and sleep; the settings;
the reporter) and returns a frozen result; nothing here prints or parses options (commands/run.py
renders). A follow is bounded; when it gives up, or a stop signal arrives, the task goes on in ECS
(a migration cut off halfway is worse than one that finishes), and the message says how to stop it.
"""

from __future__ import annotations

import shlex
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import app_env, one_off, release_hold, signals
from .errors import AwsError, DeploymentFailed, RefusedError
from .follow import _until_done as until_done  # the followers' one bounded loop
from .invocation import command as cli_command
from .operations import format_log_message, running_image_tag
from .reporter import Reporter
from .running_site import RunningSite, running_site
from .waiting import Pace

LOG_TAIL = 20  # lines of a failed release shown again with the error
TASK_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class TaskRun:
    """How a followed task ended: ECS's outcome and the last lines of its own log."""

    task_arn: str
    outcome: one_off.TaskOutcome
    log_tail: tuple[str, ...]

    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]


def stop_task_hint(cluster: str, task_arn: str) -> str:
    return f"the task goes on in ECS; to stop it: aws ecs stop-task --cluster {cluster} --task {task_arn}"


class TaskWatch:
    """Follows one task, one poll per `step()`: its new log lines (each to `on_line`, the last
    LOG_TAIL kept), then its status; once STOPPED, the lines written just before the end, and the
    outcome (the command's exit code, or ECS's stopped reason)."""

    def __init__(
        self,
        aws,
        reporter: Reporter,
        *,
        cluster: str,
        task_arn: str,
        log_group: str,
        on_line: Callable[[str], None],
        what: str,
    ):
        self.aws = aws
        self.reporter = reporter
        self.cluster = cluster
        self.task_arn = task_arn
        self.log_group = log_group
        self.stream = one_off.log_stream(task_arn)
        self.on_line = on_line
        self.task = what
        self.status = "PROVISIONING"
        self.tail: deque[str] = deque(maxlen=LOG_TAIL)
        self._token: str | None = None

    def line(self) -> str:
        return f"{self.task}: task {self.task_arn.rsplit('/', 1)[-1]} {self.status}"

    def step(self) -> TaskRun | None:
        self._read_log()
        found = self.aws.describe_tasks(self.cluster, [self.task_arn])
        if not found:  # just after RunTask, DescribeTasks may not know the task yet
            self.reporter.progress(self.task, self.line())
            return None
        self.status = found[0].get("lastStatus", "?")
        outcome = one_off.task_outcome(found[0])
        self.reporter.progress(self.task, self.line())
        if not outcome.finished:
            return None
        self._read_log()  # what the command wrote in its last seconds
        self.reporter.finish(self.task, outcome.line(self.task), ok=outcome.exit_code == 0)
        return TaskRun(self.task_arn, outcome, tuple(self.tail))

    def _read_log(self) -> None:
        while True:
            events, token = self.aws.log_stream_events(self.log_group, self.stream, self._token)
            for event in events:
                for text in format_log_message(event.get("message", "")).splitlines() or [""]:
                    self.tail.append(text)
                    self.on_line(text)
            done = not events or token is None or token == self._token
            self._token = token or self._token
            if done:
                return


def follow_task(watch: TaskWatch, *, pace: Pace) -> TaskRun:
    """Step the watch until the task stops, at most `pace.timeout` seconds (the followers' one bounded
    loop); a stop signal, or the bound, leaves the task running and says how to stop it."""
    hint = stop_task_hint(watch.cluster, watch.task_arn)
    with signals.stop_on_signals():
        try:
            return until_done(
                watch, what=f"task {watch.task_arn.rsplit('/', 1)[-1]} to stop", pace=pace, hint=hint
            )
        except signals.Stopped:
            watch.reporter.note(f"stopped following {watch.task}; {hint}")
            raise


def follow_in_site(
    aws, reporter: Reporter, site: RunningSite, task_arn: str, *, on_line: Callable[[str], None], what: str,
    pace: Pace,
) -> TaskRun:  # fmt: skip
    """Follow a task of the site's cluster, its log read from the site's log group."""
    watch = TaskWatch(
        aws,
        reporter,
        cluster=site.cluster,
        task_arn=task_arn,
        log_group=site.log_group,
        on_line=on_line,
        what=what,
    )
    return follow_task(watch, pace=pace)


def start_task(aws, request: dict, doing: str) -> str:
    """RunTask; its `failures` (capacity, an ENI limit) are a failure of the command, in ECS's words."""
    answer = aws.run_task(request)
    failure = one_off.run_failures(answer)
    if failure is not None:
        raise DeploymentFailed(f"{doing}: ECS started no task: {failure}", hint=cli_command("status"))
    return answer["tasks"][0]["taskArn"]


# --- deploy.py run -- CMD ---


@dataclass(frozen=True)
class RunOptions:
    command: tuple[str, ...]
    detach: bool = False
    timeout: float = 3600.0
    poll: float = TASK_POLL_SECONDS


@dataclass(frozen=True)
class RunResult:
    cluster: str
    task_arn: str
    run: TaskRun | None  # None with --detach

    @property
    def exit_code(self) -> int:
        return 0 if self.run is None else int(self.run.outcome.exit_code or 0)


def run(aws, settings, reporter: Reporter, options: RunOptions) -> RunResult:
    """One task from the service's current task definition, in its network, the command replaced;
    followed to its end (its log lines to the reporter as data), unless `detach`."""
    if not options.command:
        raise RefusedError(
            "run: no command to run; nothing was started",
            hint=cli_command("run", "--", "flask", "--app", "flasksite", "routes"),
        )
    site = running_site(aws, settings, "run")
    try:
        request = one_off.run_task_request(site.service, cluster=site.cluster, command=options.command)
    except ValueError as error:
        raise RefusedError(f"run: {error}; nothing was started", hint="shorten the command") from None
    task_arn = start_task(aws, request, "run")
    reporter.note(
        f"Started task {task_arn.rsplit('/', 1)[-1]} in cluster {site.cluster}: {_shown(options.command)}"
    )
    if options.detach:
        return RunResult(site.cluster, task_arn, None)
    ran = follow_in_site(
        aws, reporter, site, task_arn, on_line=lambda text: reporter.data([text]), what="run",
        pace=Pace(options.poll, options.timeout),
    )  # fmt: skip
    return RunResult(site.cluster, task_arn, ran)


def _shown(command: Sequence[str]) -> str:
    return shlex.join(command)


# --- the release command ---


@dataclass(frozen=True)
class ReleaseResult:
    command: str
    image: str
    run: TaskRun
    created_held: bool = False  # the site's stack was created held for it (release_hold.py)


def checked_release_environment(settings, image_tag: str) -> dict[str, str]:
    """The variables the release's task gets on top of the task definition's; a release command that
    RunTask would refuse with them is refused here (exit 2), before the workflow changes anything."""
    environment = {"APP_SETTINGS_JSON": app_env.settings_json(settings.env), "IMAGE_TAG": image_tag}
    try:
        one_off.task_overrides(shlex.split(settings.release_command), environment)
    except ValueError as error:
        raise RefusedError(
            f"service: the release command: {error}; nothing was changed",
            hint="shorten release_command in deploy.toml",
        ) from None
    return environment


def release(
    aws,
    settings,
    reporter: Reporter,
    *,
    image: str,
    image_tag: str,
    pace: Pace,
    create_held: Callable[[], object] | None = None,
) -> ReleaseResult | None:
    """Run `release_command` as a one-off task on the new image, with the new settings, before the
    service moves to it. A failure raises DeploymentFailed (exit 1) with the command's last lines, and
    the service is left as it was. On a site's first deploy there is no service to run it beside:
    `create_held()` creates the site's stack held (no task, autoscaling suspended: release_hold.py)
    and the command runs from that service; the caller's update then lifts the hold. None: no release
    command, or a stack the update that follows refuses (with the command that fixes it)."""
    if not settings.release_command:
        return None
    words = tuple(shlex.split(settings.release_command))
    what = release_hold.step(settings.release_command, aws.describe_stack(settings.service_stack_name))
    if what is release_hold.Step.NONE:
        return None
    environment = checked_release_environment(settings, image_tag)
    if what is release_hold.Step.CREATE_HELD:
        if create_held is None:
            raise ValueError("a first deploy with a release command needs create_held")
        reporter.note(
            f"Site {settings.site} is new: creating its stack held (no task, autoscaling suspended) "
            "so that the release command runs before any task serves"
        )
        create_held()
    site = running_site(aws, settings, "service")
    request = one_off.run_task_request(
        site.service,
        cluster=site.cluster,
        command=words,
        started_by=one_off.STARTED_BY_RELEASE,
        environment=environment,
    )
    current = aws.describe_task_definition(site.service["taskDefinition"])
    family = f"{settings.service_stack_name}-release"
    registered = aws.register_task_definition(one_off.release_task_definition(current, image, family))
    arn = registered["taskDefinitionArn"]
    try:
        request = {**request, "taskDefinition": arn}
        task_arn = start_task(aws, request, "service: the release command")
        reporter.note(
            f"Release command on image {image_tag}: {settings.release_command} "
            f"(task {task_arn.rsplit('/', 1)[-1]})"
        )
        ran = follow_in_site(
            aws, reporter, site, task_arn, on_line=lambda text: reporter.note(f"release | {text}"),
            what="release command", pace=pace,
        )  # fmt: skip
    finally:
        try:
            aws.deregister_task_definition(arn)
        except AwsError as error:  # not worth failing a release for: the revision only lingers
            reporter.problem(f"release: {error.message}")
    if ran.outcome.exit_code != 0:
        for text in ran.log_tail:
            reporter.problem(f"release | {text}")
        if what is release_hold.Step.BESIDE:
            running = running_image_tag(None, current) or "?"
            left = f"; the service was not updated and keeps serving image {running}"
        else:
            left = release_hold.failure_line(what, settings)
        doing = f"service: the release command {settings.release_command!r} on image {image_tag}"
        raise DeploymentFailed(
            ran.outcome.line(doing) + left,
            hint=release_hold.hint(settings),
        )
    return ReleaseResult(settings.release_command, image, ran, what is release_hold.Step.CREATE_HELD)
