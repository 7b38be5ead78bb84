"""`deploy.py restart` and `secret set --restart`: new tasks of the same image, followed to the end.

ECS reads a task's secrets when the task starts, so a changed secret reaches the app only through new
tasks. UpdateService with forceNewDeployment "start[s] a new deployment with no service definition
changes" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html): the same
task definition, rolled like any deployment (minimumHealthyPercent 100, maximumPercent 200, the
circuit breaker and the alarms of service.yaml). The stack is not touched, so there is no drift.
UpdateService answers with the service, whose currentServiceDeployment is the deployment this call
started: the follower follows that one by its id (follow.py), as `service` follows its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import signals
from .errors import DeploymentFailed
from .follow import DeploymentWatch, follow_deployment
from .invocation import command as cli_command
from .reporter import Reporter
from .running_site import RunningSite, running_site
from .service_deployment import DeploymentOutcome
from .waiting import Pace


@dataclass(frozen=True)
class RestartTimeline:
    """Seconds from UpdateService to each point of a restart, after the new tasks are RUNNING: the
    Fargate start before that (placement, ENI, image pull) is not set by the template.

    - new tasks in service: the load balancer's healthy threshold × its interval (the container's own
      check, every 10 s after a 10 s start period, passes in parallel; the grace period only delays
      the replacement of a task that fails its checks, so it adds nothing when they pass);
    - old tasks out: ECS deregisters them once the new ones are healthy (minimumHealthyPercent 100,
      maximumPercent 200: all new tasks start at once), so from then on every new request reaches a
      task with the new value; each old task drains for the deregistration delay, then gets SIGTERM
      and at most stopTimeout to exit;
    - followed to the end: ECS calls the deployment SUCCESSFUL after the bake time of its alarms,
      then the follower sees it at its next poll."""

    new_tasks_in_service: int
    old_tasks_gone: int
    follower_returns: int


def restart_timeline(waits, *, poll: float, bake: int) -> RestartTimeline:
    """From invariants.rollout_waits() (what service.yaml configures), the follower's poll and the
    alarms' bake time (ECS "computes this time period based on the alarm configuration"; about one
    evaluation window, period × evaluation periods,
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html)."""
    in_service = waits.healthy_threshold * waits.interval
    gone = in_service + waits.deregistration_delay + waits.stop_timeout
    return RestartTimeline(in_service, gone, int(gone + bake + poll))


def pace(timing) -> Pace:
    """The deployer's rollout pace (Timing.rollout_poll / rollout_timeout): one for every follower."""
    return Pace(interval=timing.rollout_poll, timeout=timing.rollout_timeout)


@dataclass(frozen=True)
class RestartResult:
    cluster: str
    service: str
    deployment_arn: str | None
    outcome: DeploymentOutcome

    @property
    def exit_code(self) -> int:
        return int(self.outcome.exit_code)

    def as_dict(self) -> dict:
        return {
            "cluster": self.cluster,
            "service": self.service,
            "deployment_arn": self.deployment_arn,
            "phase": self.outcome.phase.value,
            "summary": self.outcome.summary(),
        }


def restart(
    aws, settings, reporter: Reporter, pace: Pace, command: str = "restart", site: RunningSite | None = None
) -> RestartResult:
    """Roll the site's tasks (`site`: the service found already, e.g. before `secret set` stored the
    value); DeploymentFailed (exit 1) when ECS rolls the deployment back or it fails."""
    site = site or running_site(aws, settings, command)
    updated = aws.force_new_deployment(site.cluster, site.service_name)
    arn = updated.get("currentServiceDeployment")
    reporter.note(
        f"Service {site.service_name}: new tasks of {updated['taskDefinition'].rsplit('/', 1)[-1]} "
        "replace the running ones"
    )
    since = None
    if arn is None:  # an answer without it: ours is the first deployment of this task definition from now
        since = next(
            (d.get("createdAt") for d in updated.get("deployments", []) if d["status"] == "PRIMARY"), None
        )
    watch = DeploymentWatch(
        aws,
        reporter,
        cluster=site.cluster,
        service=site.service_name,
        since=since,
        task_definition=updated["taskDefinition"],
        deployment_arn=arn,
    )
    with signals.stop_on_signals():
        try:
            outcome = follow_deployment(watch, pace=pace)
        except signals.Stopped:
            reporter.note(f"stopped following; ECS goes on with the deployment: {cli_command('status')}")
            raise
    result = RestartResult(site.cluster, site.service_name, watch.arn, outcome)
    if result.exit_code != 0:
        raise DeploymentFailed(
            f"{command}: {outcome.summary()}",
            hint=f"the running tasks keep serving; see why with: {cli_command('logs', '--since', '30m')}",
        )
    return result
