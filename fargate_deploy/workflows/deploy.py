"""The deploy workflows: resources, push, service, up, plan. Each `verb(parts, ...) -> Result`.

The CloudFormation change set is the plan (workflows/stacks.py shows, confirms, executes and follows
it); the decisions come from the planning modules (stack_status, changeset, rollout, delegation,
images); AWS calls go through `parts.aws`, docker through argv lists and `parts.run`.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import (
    docker,
    edge_stack,
    images,
    one_off_tasks,
    release_hold,
    rollout,
    secret_store,
    site_parameters,
    sites,
    zones,
)
from ..changeset import ChangeSetSummary
from ..delegation import Delegation
from ..errors import AwsError, DeploymentFailed, RefusedError
from ..follow import StackPoll
from ..invocation import command
from ..operations import outputs_of, parameters_of, running_image_tag
from ..reporter import Reporter
from ..settings import Settings, check_certificate_region
from ..stack_status import NextStep, meaning_of
from ..tradeoffs import tradeoffs
from ..waiting import Pace, WaitTimedOut
from .parts import Parts
from .stacks import StackResult, apply, base_outputs, creates, plan_change_set

# --- resources (the base stack) ---


def check_region(parts: Parts) -> None:
    """What settings validation could not know: the region AWS_REGION or the profile picked."""
    if parts.aws.region:
        check_certificate_region(parts.settings, parts.aws.region)


def https_ready(settings, stack: dict | None) -> bool:
    """Can the base stack have its certificate and HTTPS listener now? Yes with a zone of the user's
    own; with a zone the stack creates, only once phase 1 ran and the domain was delegated to it (not
    for an empty stack a plan left, which ran nothing)."""
    if settings.hosted_zone_id:
        return True
    return not (creates(stack) or parameters_of(stack).get("EnableHttps") == "false")


def resources(parts: Parts, *, yes: bool) -> StackResult:
    """Create or update the base stack, then name each site whose stack must be redeployed to pick up
    what the base stack's outputs now say (with the command that does it)."""
    result = apply_base(parts, yes=yes)
    for stale in stale_sites(parts, result.outputs):
        parts.reporter.note(
            f"Site {stale.line()}: redeploy it to pick up the base stack's new values: "
            + command("service", "--site", stale.site, "--tag", stale.image_tag)
            + f" (or {command('up')})"
        )
    return result


def site_stacks(parts: Parts) -> list[site_parameters.SiteStack]:
    base = parts.settings.base_stack_name
    return site_parameters.site_stacks(parts.aws.stacks_named(f"{base}-"), base)


def stale_sites(parts: Parts, base_outputs) -> list[site_parameters.StaleSite]:
    """The sites whose stacks still have values the base stack's outputs no longer give."""
    return site_parameters.stale_sites(site_stacks(parts), parts.settings, base_outputs)


def redeploy_stale_sites(parts: Parts, base_outputs, *, yes: bool) -> list[StackResult]:
    """Update each stale site (other than this one, which `up` deploys itself) with only what the base
    stack decides changed: its image, host name, size and rule priority stay as its stack has them."""
    results: list[StackResult] = []
    own = parts.settings.service_stack_name
    stale = {s.stack_name for s in stale_sites(parts, base_outputs)}
    if not stale - {own}:
        return results
    for site in site_stacks(parts):
        if site.stack_name not in stale or site.stack_name == own:
            continue
        parts.reporter.note(f"Site {site.stack_name}: redeploying to pick up the base stack's new values")
        parameters = site_parameters.redeploy_parameters(site, parts.settings, base_outputs)
        result = apply(
            parts,
            site.stack_name,
            "service.yaml",
            parameters,
            yes=yes,
            command_name=f"service --site {site.site}",
        )
        watch_rollout(parts, result.outputs, base_outputs["ClusterName"])
        results.append(result)
    return results


def rule_priority(parts: Parts, base_outputs, current: dict | None) -> int:
    """This site's listener rule priority: the one its stack has (kept on every update), else a free
    one; a host name another site's rule serves is refused first (fargate_deploy/sites.py)."""
    listener = base_outputs.get("HttpsListenerArn")
    rules = sites.listener_rules(parts.aws.listener_rules(listener), site_stacks(parts)) if listener else []
    sites.check_hosts(parts.settings, rules)
    return sites.rule_priority(None if creates(current) else parameters_of(current), rules)


def apply_base(parts: Parts, *, yes: bool) -> StackResult:
    """Create or update the base stack (between the edge stacks it needs before and after it); when it
    creates the hosted zone, in two phases around the wait for the domain's delegation (the
    certificate validates only then)."""
    name = parts.settings.base_stack_name
    check_region(parts)
    stack = parts.aws.describe_stack(name)
    if creates(stack) and (yes or parts.interactive):
        ensure_ecs_service_linked_role(parts)
    # The zone in use, for every step below (the edge's too).
    parts = dataclasses.replace(parts, settings=with_zone(parts, stack))
    s = parts.settings
    if s.hosted_zone_id:
        if creates(stack):
            zones.check_records(s.domain, s.hosted_zone_id, parts.aws.zone_record_sets(s.hosted_zone_id))
        return base_with_https(parts, outputs_of(stack), yes=yes)
    # The stack creates the zone: the certificate can only validate once the domain is delegated.
    phase_one_done = stack is not None and parameters_of(stack).get("EnableHttps") == "false"
    if not (creates(stack) or phase_one_done):
        return base_with_https(parts, outputs_of(stack), yes=yes)
    parts.reporter.note(f"Stack {name}: phase 1 of 2 — hosted zone, network and load balancer (no HTTPS yet)")
    first = apply(parts, name, "resources.yaml", s.base_parameters(False), yes=yes, command_name="resources")
    wait_for_delegation(parts, first.outputs)
    parts.reporter.note(f"Stack {name}: phase 2 of 2 — certificate and HTTPS listener")
    second = base_with_https(parts, first.outputs, yes=yes)
    return StackResult(name, True, first.created, second.outputs)


def base_with_https(parts: Parts, base_outputs, *, yes: bool) -> StackResult:
    """The base stack with HTTPS, between the edge stacks it needs before and after it (issue 14)."""
    s = parts.settings
    parameters = s.base_parameters(True) | edge_stack.before_base(parts, base_outputs, yes=yes)
    result = apply(parts, s.base_stack_name, "resources.yaml", parameters, yes=yes, command_name="resources")
    edge_stack.after_base(parts, result.outputs, yes=yes)
    return result


def ensure_ecs_service_linked_role(parts: Parts) -> None:
    """Before the first base stack: its cluster's capacity providers need ECS's service-linked role,
    which CreateCluster only "attempts to create ... if the user that makes the call doesn't have
    permissions to create the service-linked role, it isn't created"
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html), and the
    stack then fails with "Unable to assume the service linked role". An existing role is success
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html)."""
    if parts.aws.create_ecs_service_linked_role() == "created":
        parts.reporter.note(
            "IAM: created the ECS service-linked role AWSServiceRoleForECS (a new account has none)"
        )


def with_zone(parts: Parts, stack: dict | None, *, wait: bool = True) -> Settings:
    """The settings with the hosted zone the base stack uses: the one given; the one the stack was
    created with (so an update never makes a second zone); before a create, an existing public zone
    of the domain (said so; two are refused); or none, and the stack creates it."""
    s = parts.settings
    if s.hosted_zone_id:
        return s
    if not creates(stack):
        kept = parameters_of(stack).get("HostedZoneId", "")
        return dataclasses.replace(s, hosted_zone_id=kept) if kept else s
    choice = zones.choose_zone(s.domain, parts.aws.public_hosted_zones())
    if not choice.zone_id:
        return s
    parts.reporter.note(choice.note)
    if wait:  # the certificate validates through the zone: it must be the one the domain points at
        wait_for_delegation(parts, {"HostedZoneId": choice.zone_id})
    return dataclasses.replace(s, hosted_zone_id=choice.zone_id)


def name_servers(parts: Parts, outputs) -> list[str]:
    if outputs.get("NameServers"):
        return [n.strip() for n in outputs["NameServers"].split(",") if n.strip()]
    if outputs.get("HostedZoneId"):
        return parts.aws.hosted_zone_name_servers(outputs["HostedZoneId"])
    raise AwsError(
        f"reading stack {parts.settings.base_stack_name}: it has no NameServers or HostedZoneId output"
    )


def wait_for_delegation(parts: Parts, outputs) -> Delegation:
    """Show the zone's name servers, then wait (bounded) until DNS delegates the domain to them."""
    domain = parts.settings.domain
    servers = name_servers(parts, outputs)
    parts.reporter.data([f"Point the domain {domain} at these name servers (at your registrar):"])
    parts.reporter.data([f"  {server}" for server in servers])
    task = f"delegation {domain}"
    started = parts.clock()
    last: list[Delegation] = []

    def delegated() -> Delegation | None:
        state = parts.delegation(domain, servers)
        last[:] = [state]
        if state.delegated:
            return state
        parts.reporter.progress(task, f"waiting for {domain} to be delegated: {state.line()}")
        return None

    try:
        state = parts.poll(
            delegated,
            what=f"{domain} to be delegated",
            pace=Pace(parts.timing.delegation_poll, parts.timing.delegation_timeout),
        )
    except WaitTimedOut:
        waited = int(parts.clock() - started)
        parts.reporter.finish(task, f"{domain}: not delegated", ok=False)
        raise RefusedError(
            f"resources: {domain} is not delegated to the hosted zone after {waited}s ({last[0].line()})",
            hint=f"set the NS records at your registrar, then run: {command('resources')}",
        ) from None
    parts.reporter.finish(task, f"{domain}: {state.line()} (after {int(parts.clock() - started)}s)")
    return state


# --- push ---


@dataclass(frozen=True)
class PushResult:
    image: str  # <repository uri>:<tag>
    image_tag: str
    built: bool  # False: `up` found the tag already in ECR and did not build it again


def push(parts: Parts, *, tag: str | None, allow_dirty: bool, reuse_existing: bool = False) -> PushResult:
    """Build and push; `reuse_existing` (for `up`) accepts a tag already in ECR instead of refusing."""
    outputs = base_outputs(parts.aws, parts.settings, "push")
    repository, uri = outputs["RepositoryName"], outputs["RepositoryUri"]
    if tag is None:
        tag = images.default_tag(parts.git_state(), allow_dirty)
    images.validate_tag(tag)
    if reuse_existing and parts.aws.ecr_image_exists(repository, tag):
        parts.reporter.note(f"Image {uri}:{tag} is already in ECR; not building it again")
        return PushResult(f"{uri}:{tag}", tag, False)
    image = push_image(
        context=parts.build_context,
        remote=uri,
        tag=tag,
        platform=docker.platform_for(parts.settings.architecture),
        login=lambda: ecr_login(parts),
        tag_exists=lambda t: parts.aws.ecr_image_exists(repository, t),
        reporter=parts.reporter,
        run=parts.run,
        build_args=parts.settings.image_build_args,  # hook (real-apps, issue 13): the app to build
    )
    return PushResult(image, tag, True)


def ecr_login(parts: Parts) -> None:
    registry, username, password = decode_ecr_token(parts.aws.ecr_authorization_token())
    parts.run(docker.login_argv(registry, username), stdin=password, capture=True)


def decode_ecr_token(data: dict) -> tuple[str, str, str]:
    """(registry host, username, password) from get_authorization_token's authorizationData."""
    try:
        username, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    except (KeyError, ValueError) as error:
        raise AwsError(f"getting an ECR login token: the token could not be decoded ({error})") from None
    registry = data["proxyEndpoint"].removeprefix("https://").removeprefix("http://")
    return registry, username, password


def push_image(
    *,
    context: Path,
    remote: str,
    tag: str,
    platform: str,
    login: Callable[[], None],
    tag_exists: Callable[[str], bool],
    reporter: Reporter,
    run: Callable = docker.run,
    build_args: dict[str, str] | None = None,
) -> str:
    """Check → build → login → tag → push → verify. The registry, login and check are injected so the
    same steps run against ECR and against a local registry in tests."""
    image = f"{remote}:{tag}"
    if tag_exists(tag):
        raise RefusedError(
            f"push: tag {tag!r} already exists in {remote} and the repository is immutable",
            hint="commit a change (new git SHA) or pick another tag: "
            + command("push", "--tag", "<new-tag>"),
        )
    local = f"flaskcom-site:{tag}"
    reporter.note(f"Building {local} for {platform}")
    run(docker.build_argv(context, local, platform=platform, build_args=build_args))
    login()
    run(docker.tag_argv(local, image))
    reporter.note(f"Pushing {image}")
    run(docker.push_argv(image))
    if not tag_exists(tag):
        raise AwsError(f"push: docker pushed {image} but the registry does not list tag {tag!r}")
    reporter.note(f"Pushed {image}")
    return image


# --- service ---


@dataclass(frozen=True)
class ServiceResult:
    stack: StackResult
    image_tag: str
    url: str
    rollout: rollout.RolloutState | None


def service(parts: Parts, *, tag: str | None, yes: bool = True, release: bool = True) -> ServiceResult:
    """Create/update the service stack with the tag (default: newest in ECR), then follow ECS.
    `release`: run the release command first (rollback does not: the old image's migration tool
    would refuse a database that is already newer than its code)."""
    aws, settings = parts.aws, parts.settings
    outputs = base_outputs(aws, settings, "service")
    repository, cluster = outputs["RepositoryName"], outputs["ClusterName"]
    if tag is None:
        tag = images.newest_tag(aws.ecr_images(repository))
        if tag is None:
            raise RefusedError(f"service: repository {repository} has no images yet", hint=command("push"))
    else:
        images.validate_tag(tag)
        if not aws.ecr_image_exists(repository, tag):
            raise RefusedError(
                f"service: image tag {tag!r} is not in repository {repository}",
                hint=command("push", "--tag", tag),
            )
    if release and settings.release_command:  # refused (exit 2) before anything changes
        one_off_tasks.checked_release_environment(settings, tag)
    # Hook (real-apps, issue 13): the task definition reads the site's secrets at every task start.
    if secret_store.ensure_store(aws, settings):
        parts.reporter.note(f"Secrets of {settings.service_stack_name}: created the empty store")
    current = aws.describe_stack(settings.service_stack_name)
    parameters = site_parameters.service_parameters(
        settings,
        outputs,
        image_tag=tag,
        creating=release_hold.sends_desired_count(current),  # a create, or a site held for its release
        rule_priority=rule_priority(parts, outputs, current),
    )
    ecs_service = ServiceLookup(parts, cluster)

    def apply_site(values: dict[str, str], *, yes: bool) -> StackResult:
        return apply(
            parts,
            settings.service_stack_name,
            "service.yaml",
            values,
            yes=yes,
            command_name=f"service --tag {tag}",
            on_poll=ecs_service.show_rollout,
            failure_details=ecs_service.failure_details,
        )

    if release:  # Hook (real-apps, issue 13): release_command on the new image, before the update.
        released = one_off_tasks.release(
            aws,
            settings,
            parts.reporter,
            image=f"{outputs['RepositoryUri']}:{tag}",
            image_tag=tag,
            pace=Pace(parts.timing.rollout_poll, parts.timing.rollout_timeout),
            # A first deploy: the site is created held, so the release runs before any task serves.
            create_held=lambda: apply_site({**parameters, **release_hold.HELD}, yes=yes),
        )
        yes = yes or bool(released and released.created_held)  # its change set was confirmed at the create
    result = apply_site(parameters, yes=yes)  # lifts a hold, if the site has one
    state = watch_rollout(parts, result.outputs, cluster)
    url = result.outputs.get("Url", f"https://{settings.site_host}")
    return ServiceResult(result, tag, url, state)


class ServiceLookup:
    """The ECS service of the site's stack, looked up in its cluster, for what the stack follower shows
    while CloudFormation waits on it and for ECS's reasons when the stack fails."""

    def __init__(self, parts: Parts, cluster: str, service_name: str | None = None):
        self.parts = parts
        self.cluster = cluster
        self.name = service_name or parts.settings.service_stack_name

    def describe(self) -> dict | None:
        try:
            return self.parts.aws.describe_service(self.cluster, self.name)
        except AwsError:
            return None  # not created yet (or not yet visible): nothing to show

    def show_rollout(self, poll: StackPoll) -> None:
        if not meaning_of(poll.status).busy:
            return  # the stack settled: watch_rollout takes over
        service = self.describe()
        if service and service.get("deployments"):
            self.parts.reporter.progress(f"rollout {self.name}", rollout.rollout_state(service).line())

    def failure_details(self) -> list[str]:
        service = self.describe()
        return rollout_reasons(self.parts, self.cluster, service) if service else []


def rollout_reasons(parts: Parts, cluster: str, service: dict) -> list[str]:
    """Why a rollout failed, in ECS's words: the stopped tasks' reasons and the service's events."""
    arns = parts.aws.stopped_task_arns(cluster, service["serviceName"])
    reasons = rollout.stopped_reasons(parts.aws.describe_tasks(cluster, arns))
    events = rollout.relevant_events(service)
    return [f"task stopped: {r}" for r in reasons] + [f"service event: {e}" for e in events]


def watch_rollout(parts: Parts, outputs, cluster: str) -> rollout.RolloutState | None:
    """Follow the PRIMARY deployment to COMPLETED (bounded); FAILED or too slow raises with the reasons."""
    aws, reporter = parts.aws, parts.reporter
    lookup = ServiceLookup(parts, cluster, outputs.get("ServiceName"))
    first = lookup.describe()
    if first is None:
        return None
    name = first["serviceName"]
    target_group = outputs.get("TargetGroupArn")
    task = f"rollout {name}"
    latest = {"service": first, "line": "", "polls": 0}

    def completed() -> rollout.RolloutState | None:
        if latest["polls"]:
            latest["service"] = lookup.describe() or latest["service"]
        latest["polls"] += 1
        state = rollout.rollout_state(latest["service"])
        line = state.line()
        if target_group:
            line += "; " + rollout.target_health(aws.target_health(target_group)).line()
        latest["line"] = line
        if state.phase is rollout.Phase.FAILED:
            raise rollout_failed(parts, cluster, latest["service"], target_group, state.reason or "failed")
        if state.phase is rollout.Phase.COMPLETED:
            reporter.finish(task, f"Service {name}: {line}")
            return state
        reporter.progress(task, line)
        return None

    try:
        return parts.poll(
            completed,
            what=f"the ECS rollout of service {name}",
            pace=Pace(parts.timing.rollout_poll, parts.timing.rollout_timeout),
        )
    except WaitTimedOut:
        what = f"did not finish in time ({int(parts.timing.rollout_timeout)}s; {latest['line']})"
        raise rollout_failed(parts, cluster, latest["service"], target_group, what) from None


def rollout_failed(
    parts: Parts, cluster: str, service: dict, target_group: str | None, what: str
) -> DeploymentFailed:
    """The failure of a rollout, with ECS's and the load balancer's reasons (each reported too)."""
    name = service["serviceName"]
    reasons = rollout_reasons(parts, cluster, service)
    if target_group:
        reasons += list(rollout.target_health(parts.aws.target_health(target_group)).reasons)
    parts.reporter.finish(f"rollout {name}", f"Service {name}: {what}", ok=False)
    for reason in reasons:
        parts.reporter.problem(reason)
    return DeploymentFailed(
        f"service: ECS deployment of {name} {what}" + (": " + "; ".join(reasons) if reasons else ""),
        hint=f"fix the cause, push a new image, then: {command('service', '--tag', '<tag>')}",
    )


# --- plan / up ---


@dataclass(frozen=True)
class PlanResult:
    change_sets: tuple[ChangeSetSummary, ...]  # shown, then deleted: nothing was executed
    not_planned: tuple[str, ...] = ()  # stacks that can only be planned after another command
    notes: tuple[str, ...] = ()  # what a setting gives up besides money (tradeoffs.py)
    release: str | None = None  # what `service` will do with the release command (release_hold.py)


def plan(parts: Parts) -> PlanResult:
    """Change sets for the stacks (the edge stacks' too), shown, then deleted: nothing executed."""
    check_region(parts)
    notes = tuple(tradeoffs(parts.settings))
    base = parts.aws.describe_stack(parts.settings.base_stack_name)
    parts = dataclasses.replace(parts, settings=with_zone(parts, base, wait=False))  # the edge's reads it
    aws, s = parts.aws, parts.settings
    https = https_ready(s, base)
    summaries = []
    edge_parameters: dict[str, str] = {}
    if https:  # edge (issue 14): the edge stack CloudFront needs first, then the base stack's block
        before = edge_stack.plan_before_base(parts, outputs_of(base))
        if before:
            summaries.append(edge_stack.plan_change_set(parts, before))
        edge_parameters = edge_stack.planned_base_parameters(parts, before, base)
    base_parameters = s.base_parameters(https) | edge_parameters
    summaries.append(
        plan_change_set(parts, s.base_stack_name, "resources.yaml", base_parameters, "resources")
    )
    current = aws.describe_stack(s.service_stack_name) if base else None
    release = release_hold.plan_line(s, current)
    if base is None or meaning_of(base["StackStatus"]).next_step is not NextStep.UPDATE:
        later = f"Stack {s.service_stack_name}: planned after `{command('resources')}` has run"
        parts.reporter.note(later)
        return PlanResult(tuple(summaries), (later,), notes, release)
    after = edge_stack.plan_after_base(parts, outputs_of(base)) if https else None
    if after:
        summaries.append(edge_stack.plan_change_set(parts, after))
    tag = running_image_tag(current) or images.newest_tag(aws.ecr_images(outputs_of(base)["RepositoryName"]))
    if not tag:
        later = f"Stack {s.service_stack_name}: planned after `{command('push')}` has run"
        parts.reporter.note(later)
        return PlanResult(tuple(summaries), (later,), notes, release)
    parameters = site_parameters.service_parameters(
        s,
        outputs_of(base),
        image_tag=tag,
        creating=release_hold.sends_desired_count(current),
        rule_priority=rule_priority(parts, outputs_of(base), current),
    )
    summaries.append(plan_change_set(parts, s.service_stack_name, "service.yaml", parameters, "service"))
    return PlanResult(tuple(summaries), (), notes, release)


@dataclass(frozen=True)
class UpResult:
    base: StackResult
    push: PushResult
    service: ServiceResult
    other_sites: tuple[StackResult, ...] = ()  # sites redeployed for the base stack's new values


def up(parts: Parts, *, tag: str | None, allow_dirty: bool, yes: bool) -> UpResult:
    """resources → push → service in one go, then the other sites the base stack's change affects."""
    base = apply_base(parts, yes=yes)
    pushed = push(parts, tag=tag, allow_dirty=allow_dirty, reuse_existing=True)
    deployed = service(parts, tag=pushed.image_tag, yes=yes)
    others = redeploy_stale_sites(parts, base.outputs, yes=yes)
    return UpResult(base, pushed, deployed, tuple(others))
