"""The deployer: resources, push, service, up, plan — CloudFormation change sets and the ECS watcher.

Decisions come from the planning modules (stack_status, changeset, rollout, delegation, images);
AWS calls go through `Aws`; docker through argv lists. `create_deployer(settings)` wires the real
things; tests build `Deployer` with a moto- or Stubber-backed `Aws` and injected helpers.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import (
    console,
    docker,
    edge_stack,
    images,
    one_off_tasks,
    progress,
    rollout,
    secret_store,
    site_parameters,
    sites,
    zones,
)
from .aws import Aws
from .changeset import ChangeSetSummary, summarize
from .delegation import Delegation, check_delegation
from .errors import AwsError, DeploymentFailed, RefusedError
from .invocation import command as deploy_command
from .operations import running_image_tag
from .reporter import make_reporter
from .settings import Settings, check_certificate_region
from .stack_status import NextStep, meaning_of
from .waiting import Pace
from .workflows import stacks
from .workflows.parts import ROOT, TEMPLATES, Parts, Timing


@dataclass(frozen=True)
class StackResult:
    stack_name: str
    changed: bool  # False: "no changes" (success)
    created: bool
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceResult:
    stack: StackResult
    image_tag: str
    url: str
    rollout: rollout.RolloutState | None


def _outputs(stack: dict | None) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}


def _parameters(stack: dict | None) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in (stack or {}).get("Parameters", [])}


def creates(stack: dict | None) -> bool:
    """Would a change set on this stack be a CREATE (no stack, or only an empty REVIEW_IN_PROGRESS one)?"""
    return meaning_of(stack["StackStatus"] if stack else None).next_step is NextStep.CREATE


def refuse_for_status(stack_name: str, status: str, command: str) -> None:
    """RECREATE / CONTINUE_ROLLBACK / WAIT / RETRY_DELETE → a refusal naming the exact next step."""
    meaning = meaning_of(status)
    step = meaning.next_step
    if step in (NextStep.CREATE, NextStep.UPDATE):
        return
    if step is NextStep.WAIT:
        hint = f"wait until it finishes, then run: python3 deploy.py {command}"
    elif step is NextStep.RECREATE:
        hint = f"python3 deploy.py recover (deletes the empty stack), then python3 deploy.py {command}"
    elif step is NextStep.CONTINUE_ROLLBACK:
        hint = f"python3 deploy.py recover (continues the rollback), then python3 deploy.py {command}"
    else:
        hint = f"fix what blocked the delete of {stack_name}, then python3 deploy.py recover"
    raise RefusedError(f"stack {stack_name} {meaning.summary} ({status})", hint=hint)


def rollback_reasons(events: list[dict], stack_name: str) -> list[str]:
    """Why a stack started to roll back, when no resource failed: CloudFormation puts the reason on the
    stack's own ROLLBACK_IN_PROGRESS event, e.g. "Export <name> cannot be updated as it is in use by
    <stack>" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html)."""
    return [
        event["ResourceStatusReason"]
        for event in events
        if event.get("LogicalResourceId") == stack_name
        and event.get("ResourceStatus", "").endswith("ROLLBACK_IN_PROGRESS")
        and event.get("ResourceStatusReason")
    ]


class Deployer:
    def __init__(
        self,
        settings: Settings,
        aws: Aws,
        *,
        templates: Path = TEMPLATES,
        build_context: Path = ROOT,
        confirm: Callable[[str], bool] | None = None,
        interactive: bool | None = None,
        run: Callable = docker.run,
        git_state: Callable[[], images.GitState] | None = None,
        delegation: Callable[[str, list[str]], Delegation] = check_delegation,
        timing: Timing | None = None,
    ):
        self.settings = settings
        self.aws = aws
        self.templates = templates
        self.build_context = build_context
        self.confirm = confirm or (lambda text: click.confirm(text, default=False, err=True))
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.run = run
        self.git_state = git_state or (lambda: images.git_state(build_context))
        self.delegation = delegation
        self.timing = timing or Timing()
        self._cluster: str | None = None  # set once the service's cluster is known

    @classmethod
    def from_parts(cls, parts: Parts) -> Deployer:
        """The deploy commands' object over the workflows' parts (until they are workflows too)."""
        return cls(
            parts.settings,
            parts.aws,
            templates=parts.templates,
            build_context=parts.build_context,
            confirm=parts.confirm,
            interactive=parts.interactive,
            run=parts.run,
            git_state=parts.git_state,
            delegation=parts.delegation,
            timing=parts.timing,
        )

    def in_region(self, region: str) -> Deployer:
        """This deployer for the stacks of another region (the edge stack in us-east-1)."""
        if region == self.aws.region:
            return self
        other = copy.copy(self)
        other.aws = self.aws.in_region(region)
        return other

    # --- change sets ---

    def _template(self, name: str) -> str:
        return (self.templates / name).read_text(encoding="utf-8")

    def create_change_set(
        self, stack_name: str, template: str, parameters: dict[str, str], command: str
    ) -> tuple[ChangeSetSummary, str]:
        """Create and describe a change set; returns (summary, ChangeSetType)."""
        stack = self.aws.describe_stack(stack_name)
        status = stack["StackStatus"] if stack else None
        if status is not None:
            refuse_for_status(stack_name, status, command)
        change_set_type = "CREATE" if creates(stack) else "UPDATE"
        name = f"deploy-py-{uuid.uuid4().hex[:12]}"
        self.aws.create_change_set(
            stack_name=stack_name,
            change_set_name=name,
            change_set_type=change_set_type,
            template_body=self._template(template),
            parameters=parameters,
            tags={"flaskcom:app": self.settings.app, "flaskcom:environment": self.settings.environment},
            role_arn=self.settings.cloudformation_role_arn,  # first-run: CI's CloudFormation role
        )
        self.aws.wait_change_set_created(stack_name, name, delay=self.timing.change_set_delay)
        summary = summarize(self.aws.describe_change_set(stack_name, name))
        if summary.failed:
            self.aws.delete_change_set(stack_name, name)
            raise AwsError(f"planning stack {stack_name}: {summary.status_reason}")
        return summary, change_set_type

    def apply(
        self,
        stack_name: str,
        template: str,
        parameters: dict[str, str],
        *,
        yes: bool,
        command: str,
    ) -> StackResult:
        """Plan, show the diff, ask (unless --yes), execute, follow the events; 'no changes' = success."""
        if not yes and not self.interactive:
            raise RefusedError(
                f"{command}: stdin is not a terminal, so the change set cannot be confirmed; nothing changed",
                hint=f"review with `python3 deploy.py plan`, then run: python3 deploy.py {command} --yes",
            )
        summary, change_set_type = self.create_change_set(stack_name, template, parameters, command)
        if summary.no_changes:
            console.info(f"Stack {stack_name}: no changes")
            self.aws.delete_change_set(stack_name, summary.change_set_name)
            return StackResult(stack_name, False, False, _outputs(self.aws.describe_stack(stack_name)))
        progress.print_change_set(summary)
        if not yes:
            try:
                accepted = self.confirm(f"Execute this change set on {stack_name}?")
            except (click.exceptions.Abort, KeyboardInterrupt):
                # Ctrl-C or end of input at the prompt is a "no" too: leave nothing behind.
                self.aws.delete_change_set(stack_name, summary.change_set_name)
                raise
            if not accepted:
                self.aws.delete_change_set(stack_name, summary.change_set_name)
                raise RefusedError(f"{command}: change set declined; it was deleted and nothing changed")
        stack = self.execute(stack_name, summary, command)
        created = change_set_type == "CREATE"
        if created:
            self.protect(stack_name)
        return StackResult(stack_name, True, created, _outputs(stack))

    def execute(self, stack_name: str, summary: ChangeSetSummary, command: str) -> dict:
        """Execute and follow stack events until the stack is stable; a failure raises with the reasons."""
        last_event = self._newest_event_id(stack_name)
        self.aws.execute_change_set(stack_name, summary.change_set_name)
        started = self.aws.clock()
        stack_reasons: list[str] = []
        with progress.StackProgress(stack_name, len(summary.rows), self.aws.clock, started) as shown:
            while True:
                for event in self.aws.stack_events(stack_name, since_event_id=last_event):
                    last_event = event["EventId"]
                    shown.event(event)
                    stack_reasons += rollback_reasons([event], stack_name)
                stack = self.aws.describe_stack(stack_name)
                status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
                shown.status = status
                shown.refresh()
                meaning = meaning_of(status)
                if not meaning.busy and status != "REVIEW_IN_PROGRESS":
                    break
                self.on_stack_poll(stack_name)
                self.aws.sleep(self.timing.stack_poll)
        if not meaning.succeeded:
            reasons = shown.failures or stack_reasons or [stack.get("StackStatusReason", "") if stack else ""]
            extra = self.failure_details(stack_name)
            raise DeploymentFailed(
                f"{command}: stack {stack_name} {meaning.summary} ({status}): "
                + "; ".join(r for r in [*reasons, *extra] if r),
                hint=f"fix the cause above, then run: python3 deploy.py {command}",
            )
        console.info(f"Stack {stack_name}: {status} in {int(self.aws.clock() - started)}s")
        return stack

    def _newest_event_id(self, stack_name: str) -> str | None:
        if self.aws.describe_stack(stack_name) is None:
            return None
        events = self.aws.stack_events(stack_name)
        return events[-1]["EventId"] if events else None

    def protect(self, stack_name: str) -> None:
        self.aws.enable_termination_protection(stack_name)
        console.info(f"Stack {stack_name}: termination protection on")

    # --- resources (the base stack) ---

    def check_region(self) -> None:
        """What settings validation could not know: the region AWS_REGION or the profile picked."""
        if self.aws.region:
            check_certificate_region(self.settings, self.aws.region)

    def resources(self, *, yes: bool) -> StackResult:
        result = self._apply_base(yes=yes)
        for stale in self.stale_sites(result.outputs):
            console.info(
                f"Site {stale.line()}: redeploy it to pick up the base stack's new values: "
                + deploy_command("service", "--site", stale.site, "--tag", stale.image_tag)
                + f" (or {deploy_command('up')})"
            )
        return result

    def site_stacks(self) -> list[site_parameters.SiteStack]:
        base = self.settings.base_stack_name
        return site_parameters.site_stacks(self.aws.stacks_named(f"{base}-"), base)

    def stale_sites(self, base_outputs: dict[str, str]) -> list[site_parameters.StaleSite]:
        """The sites whose stacks still have values the base stack's outputs no longer give."""
        return site_parameters.stale_sites(self.site_stacks(), self.settings, base_outputs)

    def redeploy_stale_sites(self, base_outputs: dict[str, str], *, yes: bool) -> list[StackResult]:
        """Update each stale site (other than this one, which `up` deploys itself) with only what the base
        stack decides changed: its image, host name, size and rule priority stay as its stack has them."""
        results = []
        stale = {s.stack_name for s in self.stale_sites(base_outputs)}
        if not stale - {self.settings.service_stack_name}:
            return results
        for site in self.site_stacks():
            if site.stack_name not in stale or site.stack_name == self.settings.service_stack_name:
                continue
            console.info(f"Site {site.stack_name}: redeploying to pick up the base stack's new values")
            parameters = site_parameters.redeploy_parameters(site, self.settings, base_outputs)
            result = self.apply(
                site.stack_name, "service.yaml", parameters, yes=yes, command=f"service --site {site.site}"
            )
            self.watch_rollout(result.outputs, base_outputs["ClusterName"])
            results.append(result)
        return results

    def _apply_base(self, *, yes: bool) -> StackResult:
        name = self.settings.base_stack_name
        self.check_region()
        stack = self.aws.describe_stack(name)
        if creates(stack) and (yes or self.interactive):
            self.ensure_ecs_service_linked_role()
        self.settings = s = self.with_zone(stack)  # the zone in use, for every step below (the edge's too)
        if s.hosted_zone_id:
            if creates(stack):
                zones.check_records(s.domain, s.hosted_zone_id, self.aws.zone_record_sets(s.hosted_zone_id))
            return self.base_with_https(_outputs(stack), yes=yes)
        # The stack creates the zone: the certificate can only validate once the domain is delegated.
        phase_one_done = stack is not None and _parameters(stack).get("EnableHttps") == "false"
        if stack is None or meaning_of(stack["StackStatus"]).next_step is NextStep.CREATE or phase_one_done:
            console.info(
                f"Stack {name}: phase 1 of 2 — hosted zone, network and load balancer (no HTTPS yet)"
            )
            first = self.apply(name, "resources.yaml", s.base_parameters(False), yes=yes, command="resources")
            self.wait_for_delegation(first.outputs)
            console.info(f"Stack {name}: phase 2 of 2 — certificate and HTTPS listener")
            second = self.base_with_https(first.outputs, yes=yes)
            return StackResult(name, True, first.created, second.outputs)
        return self.base_with_https(_outputs(stack), yes=yes)

    def base_with_https(self, base_outputs: dict[str, str], *, yes: bool) -> StackResult:
        """The base stack with HTTPS, between the edge stacks it needs before and after it (issue 14)."""
        parameters = self.settings.base_parameters(True) | edge_stack.before_base(self, base_outputs, yes=yes)
        result = self.apply(
            self.settings.base_stack_name, "resources.yaml", parameters, yes=yes, command="resources"
        )
        edge_stack.after_base(self, result.outputs, yes=yes)
        return result

    def ensure_ecs_service_linked_role(self) -> None:
        """Before the first base stack: its cluster's capacity providers need ECS's service-linked role,
        which CreateCluster only "attempts to create ... if the user that makes the call doesn't have
        permissions to create the service-linked role, it isn't created"
        (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html), and the
        stack then fails with "Unable to assume the service linked role". An existing role is success
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html)."""
        if self.aws.create_ecs_service_linked_role() == "created":
            console.info(
                "IAM: created the ECS service-linked role AWSServiceRoleForECS (a new account has none)"
            )

    def with_zone(self, stack: dict | None, *, wait: bool = True) -> Settings:
        """The settings with the hosted zone the base stack uses: the one given; the one the stack was
        created with (so an update never makes a second zone); before a create, an existing public zone
        of the domain (said so; two are refused); or none, and the stack creates it."""
        s = self.settings
        if s.hosted_zone_id:
            return s
        if not creates(stack):
            kept = _parameters(stack).get("HostedZoneId", "")
            return dataclasses.replace(s, hosted_zone_id=kept) if kept else s
        choice = zones.choose_zone(s.domain, self.aws.public_hosted_zones())
        if not choice.zone_id:
            return s
        console.info(choice.note)
        if wait:  # the certificate validates through the zone: it must be the one the domain points at
            self.wait_for_delegation({"HostedZoneId": choice.zone_id})
        return dataclasses.replace(s, hosted_zone_id=choice.zone_id)

    def name_servers(self, outputs: dict[str, str]) -> list[str]:
        if outputs.get("NameServers"):
            return [n.strip() for n in outputs["NameServers"].split(",") if n.strip()]
        if outputs.get("HostedZoneId"):
            return self.aws.hosted_zone_name_servers(outputs["HostedZoneId"])
        raise AwsError(
            f"reading stack {self.settings.base_stack_name}: it has no NameServers or HostedZoneId output"
        )

    def wait_for_delegation(self, outputs: dict[str, str]) -> Delegation:
        domain = self.settings.domain
        servers = self.name_servers(outputs)
        console.out.print(f"Point the domain {domain} at these name servers (at your registrar):")
        for server in servers:
            console.out.print(f"  {server}")
        started = self.aws.clock()
        with progress.Waiting(f"waiting for {domain} to be delegated") as shown:
            while True:
                state = self.delegation(domain, servers)
                waited = int(self.aws.clock() - started)
                if state.delegated:
                    console.info(f"{domain}: {state.line()} (after {waited}s)")
                    return state
                if waited >= self.timing.delegation_timeout:
                    raise RefusedError(
                        f"resources: {domain} is not delegated to the hosted zone after {waited}s "
                        f"({state.line()})",
                        hint="set the NS records at your registrar, then run: python3 deploy.py resources",
                    )
                shown.update(f"waiting for {domain} to be delegated: {state.line()} – {waited}s")
                self.aws.sleep(self.timing.delegation_poll)

    # --- push ---

    def base_outputs(self, command: str) -> dict[str, str]:
        return stacks.base_outputs(self.aws, self.settings, command)

    def push(self, *, tag: str | None, allow_dirty: bool, reuse_existing: bool = False) -> str:
        """Build and push; `reuse_existing` (for `up`) accepts a tag already in ECR instead of refusing."""
        outputs = self.base_outputs("push")
        repository, uri = outputs["RepositoryName"], outputs["RepositoryUri"]
        if tag is None:
            tag = images.default_tag(self.git_state(), allow_dirty)
        images.validate_tag(tag)
        if reuse_existing and self.aws.ecr_image_exists(repository, tag):
            console.info(f"Image {uri}:{tag} is already in ECR; not building it again")
            return tag
        push_image(
            context=self.build_context,
            remote=uri,
            tag=tag,
            platform=docker.platform_for(self.settings.architecture),
            login=lambda: self.ecr_login(),
            tag_exists=lambda t: self.aws.ecr_image_exists(repository, t),
            run=self.run,
            build_args=self.settings.image_build_args,  # hook (real-apps, issue 13): the app to build
        )
        return tag

    def ecr_login(self) -> None:
        registry, username, password = decode_ecr_token(self.aws.ecr_authorization_token())
        self.run(docker.login_argv(registry, username), stdin=password, capture=True)

    # --- service ---

    def deploy_service(
        self, image_tag: str | None = None, *, yes: bool = True, release: bool = True
    ) -> ServiceResult:
        """Create/update the service stack with the tag (default: newest in ECR), then follow ECS.
        `release`: run the release command first (rollback does not: the old image's migration tool
        would refuse a database that is already newer than its code)."""
        outputs = self.base_outputs("service")
        repository = outputs["RepositoryName"]
        if image_tag is None:
            image_tag = images.newest_tag(self.aws.ecr_images(repository))
            if image_tag is None:
                raise RefusedError(
                    f"service: repository {repository} has no images yet", hint="python3 deploy.py push"
                )
        else:
            images.validate_tag(image_tag)
            if not self.aws.ecr_image_exists(repository, image_tag):
                raise RefusedError(
                    f"service: image tag {image_tag!r} is not in repository {repository}",
                    hint=f"python3 deploy.py push --tag {image_tag}",
                )
        self._cluster = outputs["ClusterName"]
        # Hook (real-apps, issue 13): the task definition reads the site's secrets at every task start.
        if secret_store.ensure_store(self.aws, self.settings):
            console.info(f"Secrets of {self.settings.service_stack_name}: created the empty store")
        if release:  # Hook (real-apps, issue 13): release_command on the new image, before the update.
            with make_reporter() as reporter:
                one_off_tasks.release(
                    self.aws, self.settings, reporter, image=f"{outputs['RepositoryUri']}:{image_tag}",
                    image_tag=image_tag, pace=Pace(self.timing.rollout_poll, self.timing.rollout_timeout),
                )  # fmt: skip
        current = self.aws.describe_stack(self.settings.service_stack_name)
        parameters = site_parameters.service_parameters(
            self.settings,
            outputs,
            image_tag=image_tag,
            creating=creates(current),
            rule_priority=self.rule_priority(outputs, current),
        )
        result = self.apply(
            self.settings.service_stack_name,
            "service.yaml",
            parameters,
            yes=yes,
            command=f"service --tag {image_tag}",
        )
        state = self.watch_rollout(result.outputs, outputs["ClusterName"])
        url = result.outputs.get("Url", f"https://{self.settings.site_host}")
        return ServiceResult(result, image_tag, url, state)

    def rule_priority(self, base_outputs: dict[str, str], current: dict | None) -> int:
        """This site's listener rule priority: the one its stack has (kept on every update), else a free
        one; a host name another site's rule serves is refused first (fargate_deploy/sites.py)."""
        listener = base_outputs.get("HttpsListenerArn")
        rules = (
            sites.listener_rules(self.aws.listener_rules(listener), self.site_stacks()) if listener else []
        )
        sites.check_hosts(self.settings, rules)
        return sites.rule_priority(None if creates(current) else _parameters(current), rules)

    def _service_now(self, outputs: dict[str, str] | None = None) -> dict | None:
        name = (outputs or {}).get("ServiceName") or self.settings.service_stack_name
        cluster = self._cluster
        if not cluster:
            return None
        try:
            return self.aws.describe_service(cluster, name)
        except AwsError:
            return None

    def on_stack_poll(self, stack_name: str) -> None:
        """While CloudFormation waits on the service stack, show where the ECS rollout is."""
        if stack_name != self.settings.service_stack_name:
            return
        service = self._service_now()
        if service and service.get("deployments"):
            console.err.print(f"  [dim]{rollout.rollout_state(service).line()}[/]", highlight=False)

    def failure_details(self, stack_name: str) -> list[str]:
        """Why the service stack failed, in ECS's words (stopped tasks, service events)."""
        if stack_name != self.settings.service_stack_name:
            return []
        service = self._service_now()
        return self.rollout_reasons(service) if service else []

    def rollout_reasons(self, service: dict) -> list[str]:
        cluster = self._cluster
        arns = self.aws.stopped_task_arns(cluster, service["serviceName"])
        reasons = rollout.stopped_reasons(self.aws.describe_tasks(cluster, arns))
        events = rollout.relevant_events(service)
        return [f"task stopped: {r}" for r in reasons] + [f"service event: {e}" for e in events]

    def watch_rollout(self, outputs: dict[str, str], cluster: str) -> rollout.RolloutState | None:
        """Follow the PRIMARY deployment to COMPLETED; FAILED (or too slow) raises with the reasons."""
        self._cluster = cluster
        service = self._service_now(outputs)
        if service is None:
            return None
        started = self.aws.clock()
        target_group = outputs.get("TargetGroupArn")
        with progress.Waiting("following the ECS rollout") as shown:
            while True:
                state = rollout.rollout_state(service)
                line = state.line()
                if target_group:
                    line += "; " + rollout.target_health(self.aws.target_health(target_group)).line()
                shown.update(f"{line} – {int(self.aws.clock() - started)}s")
                if state.phase is rollout.Phase.COMPLETED:
                    console.info(f"Service {service['serviceName']}: {line}")
                    return state
                timed_out = self.aws.clock() - started >= self.timing.rollout_timeout
                if state.phase is rollout.Phase.FAILED or timed_out:
                    reasons = self.rollout_reasons(service)
                    if target_group:
                        reasons += list(rollout.target_health(self.aws.target_health(target_group)).reasons)
                    if state.phase is rollout.Phase.FAILED:
                        what = state.reason or "failed"
                    else:
                        what = f"did not finish in time ({int(self.timing.rollout_timeout)}s; {state.line()})"
                    for reason in reasons:
                        console.err.print(f"  [red]✗ {reason}[/]", markup=False)
                    raise DeploymentFailed(
                        f"service: ECS deployment of {service['serviceName']} {what}"
                        + (": " + "; ".join(reasons) if reasons else ""),
                        hint="fix the cause, push a new image, then: python3 deploy.py service --tag <tag>",
                    )
                self.aws.sleep(self.timing.rollout_poll)
                service = self._service_now(outputs) or service

    # --- plan / up ---

    def plan(self) -> list[ChangeSetSummary]:
        """Change sets for both stacks, printed, then deleted: nothing executed."""
        self.check_region()
        summaries = []
        base = self.aws.describe_stack(self.settings.base_stack_name)
        self.settings = s = self.with_zone(base, wait=False)  # the edge's plan reads the zone too
        https = not (
            not s.hosted_zone_id and (base is None or _parameters(base).get("EnableHttps") == "false")
        )
        base_ready = base is not None and meaning_of(base["StackStatus"]).next_step is NextStep.UPDATE
        edge_parameters: dict[str, str] = {}
        if https:  # edge (issue 14): the edge stack CloudFront needs first, then the base stack's block
            before = edge_stack.plan_before_base(self, _outputs(base))
            if before:
                summaries.append(edge_stack.plan_change_set(self, before))
            edge_parameters = edge_stack.planned_base_parameters(self, before, base)
        summary, _ = self.create_change_set(
            s.base_stack_name, "resources.yaml", s.base_parameters(https) | edge_parameters, "resources"
        )
        self._show_and_drop(summary)
        summaries.append(summary)
        if not base_ready:
            console.info(f"Stack {s.service_stack_name}: planned after `python3 deploy.py resources` has run")
            return summaries
        after = edge_stack.plan_after_base(self, _outputs(base)) if https else None
        if after:
            summaries.append(edge_stack.plan_change_set(self, after))
        current = self.aws.describe_stack(s.service_stack_name)
        tag = running_image_tag(current) or images.newest_tag(
            self.aws.ecr_images(_outputs(base)["RepositoryName"])
        )
        if not tag:
            console.info(f"Stack {s.service_stack_name}: planned after `python3 deploy.py push` has run")
            return summaries
        parameters = site_parameters.service_parameters(
            s,
            _outputs(base),
            image_tag=tag,
            creating=creates(current),
            rule_priority=self.rule_priority(_outputs(base), current),
        )
        summary, _ = self.create_change_set(s.service_stack_name, "service.yaml", parameters, "service")
        self._show_and_drop(summary)
        summaries.append(summary)
        return summaries

    def _show_and_drop(self, summary: ChangeSetSummary) -> None:
        progress.print_change_set(summary)
        self.aws.delete_change_set(summary.stack_name, summary.change_set_name)
        stack = self.aws.describe_stack(summary.stack_name)
        if stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            # A CREATE change set leaves an empty stack shell; remove it so nothing is left behind.
            self.aws.delete_stack(summary.stack_name)

    def up(self, *, tag: str | None, allow_dirty: bool, yes: bool) -> ServiceResult:
        base = self._apply_base(yes=yes)
        pushed = self.push(tag=tag, allow_dirty=allow_dirty, reuse_existing=True)
        result = self.deploy_service(pushed, yes=yes)
        self.redeploy_stale_sites(base.outputs, yes=yes)
        console.out.print(
            f"[bold]Done:[/] {result.url} runs image {pushed} "
            f"(base stack {'changed' if base.changed else 'unchanged'}, "
            f"service stack {'changed' if result.stack.changed else 'unchanged'})"
        )
        return result


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
    run: Callable = docker.run,
    build_args: dict[str, str] | None = None,
) -> str:
    """Check → build → login → tag → push → verify. The registry, login and check are injected so the
    same steps run against ECR and against a local registry in tests."""
    image = f"{remote}:{tag}"
    if tag_exists(tag):
        raise RefusedError(
            f"push: tag {tag!r} already exists in {remote} and the repository is immutable",
            hint="commit a change (new git SHA) or pick another tag: python3 deploy.py push --tag <new-tag>",
        )
    local = f"flaskcom-site:{tag}"
    console.info(f"Building {local} for {platform}")
    run(docker.build_argv(context, local, platform=platform, build_args=build_args))
    login()
    run(docker.tag_argv(local, image))
    console.info(f"Pushing {image}")
    run(docker.push_argv(image))
    if not tag_exists(tag):
        raise AwsError(f"push: docker pushed {image} but the registry does not list tag {tag!r}")
    console.info(f"Pushed {image}")
    return image


def create_deployer(settings: Settings) -> Deployer:
    return Deployer(settings, Aws.from_settings(settings, sleep=time.sleep, clock=time.monotonic))
