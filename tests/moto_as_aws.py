"""The test process's moto, made to refuse and do what AWS refuses and does where our code meets it.

moto (5.2.x) is an emulator, not AWS: it lets through updates CloudFormation refuses, skips steps
CloudFormation takes, and leaves out APIs we call. A test that passes because moto is lenient is a
defect, so each AWS rule our templates or deployer rely on is added here, to the moto server that
runs in this process (tests/conftest.py starts a ThreadedMotoServer), with the AWS documentation line
it follows. Never in the templates, never in fargate_deploy/. `install()` runs once per session.

What each part does, in the order `install()` applies it:
- change sets leave a stack as CloudFormation does (outputs, exports, parameters, imports), and a
  change set with nothing to change is created FAILED (moto raised UpdateStack's error instead);
- DescribeStacks gives a List parameter as the comma-separated string it was given;
- the short form `!Condition` works inside Conditions (moto evaluated it as always true, so every
  conditional NAT gateway was created whatever NatMode said);
- a resource whose Condition turns true or false in an update is created or deleted;
- a change set describes what its parameters change: the resources a changed parameter reaches, and
  those a condition creates or deletes; a create lists only the resources whose condition holds;
- a CREATE change set for a stack in REVIEW_IN_PROGRESS is made on that stack (moto made a second
  stack of the same name, which DescribeStacks never showed), and one for a stack that exists
  otherwise is refused;
- an export another stack imports cannot change or go, and a stack whose export is imported cannot
  be deleted; ListImports answers;
- UpdateTerminationProtection works and a protected stack refuses deletion;
- a resource that fails to create fails the stack, which rolls back (moto raised at once instead);
- listener rules a stack creates carry the aws:cloudformation:* tags, and go with their stack;
- Route 53 refuses a CNAME at the zone apex and a CNAME beside another record of the same name;
- ECS: a new task definition in an update reaches the service as a new deployment, a service created
  without DesiredCount runs 1 task, a DesiredCount given as a String parameter is the integer it
  spells, and the service keeps its network configuration;
- a Fargate task runs with its memory set only at the task level (moto needed it per container);
- route tables and subnet associations are deleted with their stack (moto kept them, so no VPC of a
  deleted stack could go);
- the ECS service-linked role has AWS's name, and creating it again is refused as AWS refuses it;
- an AWS::S3::BucketPolicy applies to its bucket;
- EventBridge's TestEventPattern answers (moto left it empty), and Step Functions' AWS SDK tasks take
  the API's parameters in PascalCase, as AWS documents (moto passed them to boto3 as written);
- a resource whose properties choose by a condition (Fn::If) is updated when the condition flips;
- a stack's AWS::ApplicationAutoScaling::ScalableTarget is registered with Application Auto Scaling,
  and registering one moves an active ECS service's desired count into its range.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from os import getenv
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ecs.models import Service, TaskDefinition, ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.iam import models as iam_models
from moto.iam.exceptions import InvalidInput
from moto.route53.exceptions import Route53ClientError
from moto.route53.models import FakeZone

ROLLBACK_REQUESTED = "Rollback requested by user."


def install() -> None:
    _change_sets_leave_the_stack_as_cloudformation_does()
    _list_parameters_described_as_given()
    _condition_short_form_inside_conditions()
    _conditions_that_flip_create_or_delete_resources()
    _change_sets_describe_what_their_parameters_change()
    _a_create_change_set_reuses_the_empty_stack()
    _exports_in_use_cannot_change_or_go()
    _termination_protection()
    _failed_resources_roll_the_stack_back()
    _listener_rules_carry_the_stack_tags()
    _listener_rules_go_with_their_stack()
    _route53_cname_rules()
    _ecs_services_follow_their_stack()
    _fargate_tasks_size_at_the_task_level()
    _route_tables_go_with_their_stack()
    _ecs_service_linked_role_as_aws_names_it()
    _bucket_policies_apply_to_their_bucket()
    _event_patterns_can_be_tested()
    _step_functions_sdk_tasks_take_pascal_case_parameters()
    _conditions_in_properties_update_their_resource()
    _scalable_targets_follow_their_stack()


def _wrap(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    original = getattr(owner, name)
    wrapped = make(original)
    functools.update_wrapper(wrapped, original)
    setattr(owner, name, wrapped)


def _change_set(backend: CloudFormationBackend, change_set_name: str, stack_name: str | None):
    return next(
        cs
        for arn, cs in backend.change_sets.items()
        if change_set_name in (arn, cs.change_set_name)
        and (stack_name is None or stack_name in (cs.stack_name, cs.stack_id))
    )


def _event(stack: Stack, status: str, reason: str | None = None, *, logical_id: str | None = None,
           resource_type: str = "AWS::CloudFormation::Stack") -> None:  # fmt: skip
    stack._add_stack_event(status, resource_status_reason=reason)
    if logical_id:
        event = stack.events[-1]
        event.logical_resource_id, event.resource_type = logical_id, resource_type
        event.physical_resource_id = ""


# --- change sets ------------------------------------------------------------------------------------


def _change_sets_leave_the_stack_as_cloudformation_does() -> None:
    """moto applies a change set's resources but never rebuilds the stack's outputs, exports or
    parameters (create_stack and update_stack do), and a stack first made by a change set cannot
    import other stacks' exports. Executing a change set is the ordinary way to create or update a
    stack in AWS (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html)."""

    def make(original):
        def execute_change_set(self, change_set_name, stack_name=None):
            original(self, change_set_name, stack_name)
            stack = _change_set(self, change_set_name, stack_name).stack
            stack._parse_template()
            stack.parameters = _change_set(self, change_set_name, stack_name).parameters
            _rebuild_exports(self, stack)

        return execute_change_set

    _wrap(CloudFormationBackend, "execute_change_set", make)

    def make_create(original):
        def create_change_set(self, stack_name, *args, **kwargs):
            result = original(self, stack_name, *args, **kwargs)
            stack = self.stacks[result[1]]
            stack.cross_stack_resources = self.exports
            stack.resource_map.cross_stack_resources = self.exports
            return result

        return create_change_set

    _wrap(CloudFormationBackend, "create_change_set", make_create)

    # CreateChangeSet for an existing stack "compares the stack's information with the information
    # that you submit in the change set and lists the differences"
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html):
    # no differences is a FAILED change set whose StatusReason says so (moto's backend does that),
    # not the error "No updates are to be performed.", which is UpdateStack's answer. moto's response
    # layer gave that error whenever every parameter was passed with an unchanged template.
    def make_validate(original):
        def _validate_different_update(self, *args, **kwargs):
            if self._get_action() == "CreateChangeSet":
                return None
            return original(self, *args, **kwargs)

        return _validate_different_update

    _wrap(CloudFormationResponse, "_validate_different_update", make_validate)


def _list_parameters_described_as_given() -> None:
    """DescribeStacks gives a parameter's value as the string it was given
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html: ParameterValue,
    Type: String), so a List<AWS::EC2::Subnet::Id> reads "subnet-1,subnet-2"; moto printed the
    Python list it had split it into."""
    described = Stack.parameter_list.fget

    def parameter_list(self):
        return [
            {**p, "ParameterValue": ",".join(map(str, p["ParameterValue"]))}
            if isinstance(p["ParameterValue"], list)
            else p
            for p in described(self)
        ]

    Stack.parameter_list = property(parameter_list)


def _rebuild_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    stack.output_map = stack._create_output_map()
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    for export in stack.exports:
        backend.exports[export.name] = export


# --- conditions -------------------------------------------------------------------------------------


def _condition_short_form_inside_conditions() -> None:
    """`!Condition Name` inside Conditions is CloudFormation's short form of {"Condition": Name}
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html).
    moto turns every short tag into "Fn::<tag>", then evaluates {"Fn::Condition": ...} as neither
    true nor false, so `!Not [!Condition NatNone]` was always true."""
    original = cfn_utils.yaml_tag_constructor

    def yaml_tag_constructor(loader, tag, node):
        if tag == "!Condition":
            return {"Condition": node.value}
        return original(loader, tag, node)

    for module in (cfn_utils, cfn_models, cfn_responses):
        module.yaml_tag_constructor = yaml_tag_constructor

    # A resource whose condition is false does not exist; moto listed it as an empty resource.
    Stack.stack_resources = property(lambda self: [r for r in self.resource_map.values() if r is not None])


def _conditions_that_flip_create_or_delete_resources() -> None:
    """An update that makes a resource's Condition true creates it, and one that makes it false
    deletes it: CloudFormation "creates entities whose conditions evaluate to true, and ignores
    entities whose conditions evaluate to false" on every update
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
    moto compared only the resources' JSON, so NatMode none → single made no NAT gateway."""

    def make(original):
        def build_resource_diff(self, other_template, parameters=None):
            diff = original(self, other_template, parameters)
            if parameters is None:
                return diff
            try:
                after = _conditions(self, other_template, parameters)
            except Exception:  # noqa: BLE001 - parameters moto cannot resolve: keep its own diff
                return diff
            for name, resource in other_template.get("Resources", {}).items():
                condition = resource.get("Condition")
                if not condition or name in diff["Add"]:
                    continue
                exists = self._parsed_resources.get(name) is not None
                if after[condition] and not exists and name not in diff["Add"]:
                    diff["Add"].append(name)
                    diff["Modify"] = [n for n in diff["Modify"] if n != name]
                elif not after[condition] and exists and name not in diff["Remove"]:
                    diff["Remove"].append(name)
                    diff["Modify"] = [n for n in diff["Modify"] if n != name]
                    self._flipped_off = [*getattr(self, "_flipped_off", []), name]
            _also_modify_services_of_new_task_definitions(diff, other_template)
            return diff

        return build_resource_diff

    _wrap(parsing.ResourceMap, "build_resource_diff", make)

    def make_update(original):
        def update(self, template, parameters=None):
            self._flipped_off = []
            original(self, template, parameters)
            for name in self._flipped_off:
                self._parsed_resources.pop(name, None)  # deleted: a later stack delete must skip it

        return update

    _wrap(parsing.ResourceMap, "update", make_update)


def _change_sets_describe_what_their_parameters_change() -> None:
    """A change set lists the resources CloudFormation will add, modify or remove, parameter changes
    and the conditions they flip included
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html).
    moto described a change set from the two templates alone, so a parameter-only update listed
    nothing and a create listed resources whose condition is false."""

    def diff(self: cfn_models.ChangeSet) -> list[cfn_models.Change]:
        template, resource_map = self.template_dict, self.stack.resource_map
        resources = template.get("Resources", {})
        try:
            conditions = _conditions(resource_map, template, self.parameters)
        except Exception:  # noqa: BLE001 - parameters moto cannot resolve: keep its own description
            return _diff(self)
        holds = {name for name, r in resources.items() if conditions.get(r.get("Condition"), True)}
        if self.change_set_type == "CREATE":
            names = {"Add": [n for n in resources if n in holds], "Modify": [], "Remove": []}
        else:
            names = resource_map.build_resource_diff(template, self.parameters)
            names["Add"] = [n for n in names["Add"] if n in holds]
            exists = resource_map._parsed_resources
            names["Modify"] = [n for n in names["Modify"] if exists.get(n) is not None]
            resource_map._flipped_off = []  # describing is not updating
        old = resource_map._resource_json_map
        return [
            cfn_models.Change(action, name, (resources.get(name) or old[name])["Type"])
            for action in ("Add", "Modify", "Remove")
            for name in dict.fromkeys(names[action])
        ]

    _diff = cfn_models.ChangeSet.diff
    cfn_models.ChangeSet.diff = diff


def _a_create_change_set_reuses_the_empty_stack() -> None:
    """A CREATE change set makes a stack "with a unique stack ID, but no template or resources. The
    stack will be in the REVIEW_IN_PROGRESS state until you execute the change set", and CREATE is for
    a new stack only: "You can't use ... the CREATE type to create a change set for an existing stack"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
    ChangeSetType). A stack in REVIEW_IN_PROGRESS takes a CREATE change set of its own (what `aws
    cloudformation deploy` and SAM do with it, and stack_status.py relies on), on the same stack: moto
    made a second stack of that name instead, so executing it never moved the one DescribeStacks
    shows out of REVIEW_IN_PROGRESS. Any other existing stack refuses a CREATE change set."""

    def make(original):
        def create_change_set(self, stack_name, **kwargs):  # moto's responses pass keywords
            same_name = [
                s for s in self.stacks.values() if s.name == stack_name and s.status != "DELETE_COMPLETE"
            ]
            if kwargs["change_set_type"] != "CREATE" or not same_name:
                return original(self, stack_name, **kwargs)
            (stack,) = same_name
            if stack.status != "REVIEW_IN_PROGRESS":
                message = f"Stack [{stack_name}] already exists and cannot be created again"
                raise AlreadyExistsException(message)
            change_set_id, made_id = original(self, stack_name, **kwargs)
            made = self.stacks.pop(made_id)
            stack.parameters, stack.tags, stack.role_arn = made.parameters, made.tags, made.role_arn
            change_set = self.change_sets[change_set_id]
            change_set.stack, change_set.stack_id = stack, stack.stack_id
            return change_set_id, stack.stack_id

        return create_change_set

    _wrap(CloudFormationBackend, "create_change_set", make)


def _conditions(resource_map: parsing.ResourceMap, template: dict, parameters: dict) -> dict[str, bool]:
    probe = parsing.ResourceMap(
        resource_map.stack_id,
        resource_map["AWS::StackName"],
        parameters,
        resource_map.tags,
        region_name=resource_map._region_name,
        account_id=resource_map._account_id,
        template=template,
        cross_stack_resources=resource_map.cross_stack_resources,
    )
    probe.load_mapping()
    probe.load_parameters()
    probe.load_conditions()
    return {name: bool(probe.lazy_condition_map[name]) for name in template.get("Conditions", {})}


# --- exports and imports ----------------------------------------------------------------------------


def _imports_of(stack: Stack) -> set[str]:
    """The export names a stack's created resources and outputs import (Fn::ImportValue)."""
    if stack.status in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS") or not stack.template_dict:
        return set()
    conditions = stack.resource_map.lazy_condition_map
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Fn::ImportValue":
                    found.add(str(parsing.clean_json(value, stack.resource_map)))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for section in ("Resources", "Outputs"):
        for body in (stack.template_dict.get(section) or {}).values():
            if "Condition" not in body or conditions[body["Condition"]]:
                walk(body)
    return found


def importers(backend: CloudFormationBackend, export_name: str) -> list[str]:
    return sorted(s.name for s in backend.stacks.values() if export_name in _imports_of(s))


def _in_use(backend: CloudFormationBackend, before: dict[str, str], after: dict[str, str]) -> str | None:
    """CloudFormation's words for the first export the update changes or removes that is imported."""
    for name, value in before.items():
        users = importers(backend, name)
        if users and after.get(name) != value:
            verb = "deleted" if name not in after else "updated"
            return f"Export {name} cannot be {verb} as it is in use by {' and '.join(users)}"
    return None


def _exports_in_use_cannot_change_or_go() -> None:
    """ "After another stack imports an output value, you can't delete the stack that is exporting the
    output value or modify the exported output value. All the imports must be removed before you can
    delete the exporting stack or modify the output value."
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html).
    In AWS the update starts and rolls back with "Export <name> cannot be updated as it is in use by
    <stack>" on the stack's UPDATE_ROLLBACK_IN_PROGRESS event; a delete leaves the stack as it was with
    "... cannot be deleted as it is in use by ..." (botocore's stack_delete_complete waiter treats the
    UPDATE_COMPLETE it shows as a failure)."""

    def make(original):
        def execute_change_set(self, change_set_name, stack_name=None):
            change_set = _change_set(self, change_set_name, stack_name)
            stack = change_set.stack
            if change_set.change_set_type != "UPDATE":
                return original(self, change_set_name, stack_name)
            before = _snapshot(stack)
            original(self, change_set_name, stack_name)
            reason = _in_use(self, before["exports"], {e.name: e.value for e in stack.exports})
            if reason:
                _roll_back_update(self, stack, before, reason)

        return execute_change_set

    _wrap(CloudFormationBackend, "execute_change_set", make)

    def make_update_stack(original):
        def update_stack(self, name, *args, **kwargs):
            stack = self.get_stack(name)
            before = _snapshot(stack)
            updated = original(self, name, *args, **kwargs)
            _rebuild_exports(self, updated)
            reason = _in_use(self, before["exports"], {e.name: e.value for e in updated.exports})
            if reason:
                _roll_back_update(self, updated, before, reason)
            return updated

        return update_stack

    _wrap(CloudFormationBackend, "update_stack", make_update_stack)

    def make_delete(original):
        def delete_stack(self, name_or_stack_id):
            stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
            if stack is not None and stack.enable_termination_protection:
                # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html:
                # "the deletion fails and the stack, including its status, remains unchanged".
                raise ValidationError(
                    stack.stack_id,
                    message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled",
                )
            if stack is not None:
                users = {e.name: importers(self, e.name) for e in stack.exports}
                used = {name: u for name, u in users.items() if u}
                if used:
                    name, users_of = next(iter(used.items()))
                    reason = f"Export {name} cannot be deleted as it is in use by {' and '.join(users_of)}"
                    stack.status = "UPDATE_COMPLETE"
                    _event(stack, "UPDATE_COMPLETE", reason)
                    return None
            return original(self, name_or_stack_id)

        return delete_stack

    _wrap(CloudFormationBackend, "delete_stack", make_delete)

    def list_imports(self):
        """https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html; an
        export nobody imports is a ValidationError "Export 'X' is not imported by any stack." in AWS."""
        export_name = self._get_param("ExportName")
        users = importers(self.cloudformation_backend, export_name)
        if not users:
            raise ValidationError(
                export_name, message=f"Export '{export_name}' is not imported by any stack."
            )
        return ActionResult({"Imports": users})

    CloudFormationResponse.list_imports = list_imports


def _snapshot(stack: Stack) -> dict[str, Any]:
    return {
        "exports": {e.name: e.value for e in stack.exports},
        "template": stack.template,
        "parameters": dict(stack.parameters or {}),
    }


def _roll_back_update(backend: CloudFormationBackend, stack: Stack, before: dict, reason: str) -> None:
    """CloudFormation's rollback: the previous template with the previous parameters, applied again."""
    _event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    stack.template = before["template"]
    stack._parse_template()
    stack.resource_map.update(stack.template_dict, before["parameters"])
    stack.parameters = before["parameters"]
    _rebuild_exports(backend, stack)
    _event(stack, "UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"


# --- termination protection -------------------------------------------------------------------------


def _termination_protection() -> None:
    """UpdateTerminationProtection (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateTerminationProtection.html)
    is not implemented by moto (HTTP 500); DescribeStacks already reports EnableTerminationProtection,
    and delete_stack above refuses a protected stack."""

    def update_termination_protection(self):
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_param("EnableTerminationProtection") in (True, "true")
        return ActionResult({"StackId": stack.stack_id})

    CloudFormationResponse.update_termination_protection = update_termination_protection


# --- failed resources -------------------------------------------------------------------------------


def _failed_resources_roll_the_stack_back() -> None:
    """In AWS a resource that fails to create fails the stack: its CREATE_FAILED event carries the
    service's reason, and the stack rolls back (ROLLBACK_COMPLETE after a create, UPDATE_ROLLBACK_COMPLETE
    after an update; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html).
    moto raised the service's error from ExecuteChangeSet itself."""

    def make_create(original):
        def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
            try:
                return original(logical_id, resource_json, resources_map, account_id, region_name)
            except Exception as error:
                error.failed_resource = (logical_id, resource_json.get("Type", ""))
                raise

        return parse_and_create_resource

    _wrap(parsing, "parse_and_create_resource", make_create)

    def make(original):
        def execute_change_set(self, change_set_name, stack_name=None):
            change_set = _change_set(self, change_set_name, stack_name)
            stack = change_set.stack
            before = _snapshot(stack)
            try:
                return original(self, change_set_name, stack_name)
            except Exception as error:
                if not hasattr(error, "failed_resource"):
                    raise
                logical_id, resource_type = error.failed_resource
                message = getattr(error, "message", None) or str(error)
                _event(stack, "CREATE_FAILED", message, logical_id=logical_id, resource_type=resource_type)
                failed = f"The following resource(s) failed to create: [{logical_id}]. {ROLLBACK_REQUESTED}"
                change_set.execution_status = "EXECUTE_FAILED"
                if change_set.change_set_type == "CREATE":
                    _event(stack, "ROLLBACK_IN_PROGRESS", failed)
                    try:
                        stack.resource_map.delete()
                    except Exception:  # noqa: BLE001 - best effort, as a rollback that cannot finish
                        pass
                    _event(stack, "ROLLBACK_COMPLETE")
                    stack.status = "ROLLBACK_COMPLETE"
                else:
                    _roll_back_update(self, stack, before, failed)

        return execute_change_set

    _wrap(CloudFormationBackend, "execute_change_set", make)


# --- listener rules ---------------------------------------------------------------------------------


def _listener_rules_carry_the_stack_tags() -> None:
    """ "CloudFormation automatically creates the following stack-level tags with the aws: prefix:
    aws:cloudformation:logical-id, aws:cloudformation:stack-id, aws:cloudformation:stack-name"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html);
    AWS::ElasticLoadBalancingV2::ListenerRule takes them since 2026 (aws-cloudformation/
    cloudformation-coverage-roadmap#1526). moto tags only EC2 resources."""

    def make(original):
        def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
            resource = original(logical_id, resource_json, resources_map, account_id, region_name)
            if (
                resource is not None
                and resource_json.get("Type") == "AWS::ElasticLoadBalancingV2::ListenerRule"
            ):
                elbv2_backends[account_id][region_name].tagging_service.tag_resource(
                    resource.arn,
                    [
                        {"Key": "aws:cloudformation:stack-name", "Value": resources_map["AWS::StackName"]},
                        {"Key": "aws:cloudformation:stack-id", "Value": resources_map.stack_id},
                        {"Key": "aws:cloudformation:logical-id", "Value": logical_id},
                    ],
                )
            return resource

        return parse_and_create_resource

    _wrap(parsing, "parse_and_create_resource", make)


def _listener_rules_go_with_their_stack() -> None:
    """Deleting a stack deletes the resources it created
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-delete-stack.html), its
    listener rule too, which frees the rule's priority for the next site; moto kept the rule."""
    from moto.elbv2.models import FakeListenerRule

    def delete(self, account_id, region_name):
        elbv2_backends[account_id][region_name].delete_rule(self.arn)

    FakeListenerRule.delete = delete


# --- Route 53 ---------------------------------------------------------------------------------------


def _route53_cname_rules() -> None:
    """ "If you're creating a record that has a value of CNAME for Record type, the name of the record
    can't be the same as the name of the hosted zone"
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-shared.html),
    and a CNAME cannot share its name with any other record ("If a CNAME RR is present at a node, no
    other data should be present", RFC 1034 §3.6.2, which Route 53 enforces). Route 53 answers
    InvalidChangeBatch with the messages used below."""

    def check(zone: FakeZone, record: dict[str, Any]) -> None:
        name = record.get("Name", "").rstrip(".").lower()
        kind = record.get("Type")
        zone_name = zone.name.rstrip(".").lower()
        here = [r for r in zone.rrsets if r.name.rstrip(".").lower() == name and r.type != kind]
        if kind == "CNAME" and name == zone_name:
            raise Route53ClientError(
                "InvalidChangeBatch",
                f"[RRSet of type CNAME with DNS name {name}. is not permitted at apex in zone {zone_name}.]",
            )
        if kind == "CNAME" and here:
            raise Route53ClientError(
                "InvalidChangeBatch",
                f"[RRSet of type CNAME with DNS name {name}. is not permitted as it conflicts with other "
                f"records with the same DNS name in zone {zone_name}.]",
            )
        if any(r.type == "CNAME" for r in here):
            raise Route53ClientError(
                "InvalidChangeBatch",
                f"[RRSet of type {kind} with DNS name {name}. is not permitted because a conflicting RRSet "
                f"of type CNAME with the same DNS name already exists in zone {zone_name}.]",
            )

    def make(original):
        def add(self, record_set):
            check(self, record_set)
            return original(self, record_set)

        return add

    _wrap(FakeZone, "add_rrset", make)
    _wrap(FakeZone, "upsert_rrset", make)


# --- ECS --------------------------------------------------------------------------------------------


def _also_modify_services_of_new_task_definitions(diff: dict, template: dict) -> None:
    """A changed task definition is a new revision (a new ARN: "Update requires: Replacement" for its
    container definitions, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-taskdefinition.html),
    so the service that refers to it is updated too. moto updated only resources whose own JSON changed."""
    resources = template.get("Resources", {})
    changed = {n for n in diff["Modify"] if resources.get(n, {}).get("Type") == "AWS::ECS::TaskDefinition"}
    for name, body in resources.items():
        if body.get("Type") == "AWS::ECS::Service" and name not in diff["Modify"] and name not in diff["Add"]:
            if changed & set(parsing.get_references_from_template(body)):
                diff["Modify"].append(name)


def _ecs_services_follow_their_stack() -> None:
    """What CloudFormation does to an ECS service that moto skipped:
    - "For new services, if a desired count is not specified, a default value of 1 is used ... For
      existing services, if a desired count is not specified, it is omitted from the operation"
      (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount);
    - an update to a new task definition starts a new PRIMARY deployment of it (UpdateService,
      https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html); moto kept the
      old one, so `status` could not tell which image runs;
    - the service keeps the network configuration its template gives (subnets, public IP);
    - the task definition keeps its family and camelCase keys on update, as on create."""

    def make_task_update(original):
        def update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):  # fmt: skip
            from moto.core.utils import pascal_to_camelcase, remap_nested_keys

            properties = dict(cloudformation_json["Properties"])
            containers = remap_nested_keys(properties.get("ContainerDefinitions", []), pascal_to_camelcase)
            volumes = remap_nested_keys(properties.get("Volumes", []), pascal_to_camelcase)
            if containers == original_resource.container_definitions and volumes == original_resource.volumes:
                return original_resource
            return ecs_backends[account_id][region_name].register_task_definition(
                family=original_resource.family,
                container_definitions=containers,
                volumes=volumes,
                memory=properties.get("Memory"),
            )

        return update_from_cloudformation_json

    TaskDefinition.update_from_cloudformation_json = staticmethod(
        make_task_update(TaskDefinition.update_from_cloudformation_json)
    )

    def make_create(original):
        def create_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = _integer_desired_count(cloudformation_json["Properties"])
            if properties.get("DesiredCount") is None:
                properties = {**properties, "DesiredCount": 1}
            cloudformation_json = {**cloudformation_json, "Properties": properties}
            service = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
            _follow_template(service, properties)
            return service

        return create_from_cloudformation_json

    def make_update(original):
        def update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):  # fmt: skip
            properties = _integer_desired_count(cloudformation_json["Properties"])
            cloudformation_json = {**cloudformation_json, "Properties": properties}
            service = original(
                original_resource=original_resource,
                new_resource_name=new_resource_name,
                cloudformation_json=cloudformation_json,
                account_id=account_id,
                region_name=region_name,
            )
            _follow_template(service, cloudformation_json["Properties"])
            return service

        return update_from_cloudformation_json

    Service.create_from_cloudformation_json = staticmethod(
        make_create(Service.create_from_cloudformation_json)
    )
    Service.update_from_cloudformation_json = staticmethod(
        make_update(Service.update_from_cloudformation_json)
    )


def _integer_desired_count(properties: dict[str, Any]) -> dict[str, Any]:
    """A parameter is a string wherever the template refers to it ("when you use the parameter elsewhere
    in your template (for example, by using the Ref intrinsic function), the parameter value becomes a
    string", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html),
    and CloudFormation hands ECS the integer DesiredCount its schema asks for; moto did arithmetic on the
    string."""
    count = properties.get("DesiredCount")
    return {**properties, "DesiredCount": int(count)} if isinstance(count, str) else properties


def _follow_template(service: Service, properties: dict[str, Any]) -> None:
    task_definition = properties.get("TaskDefinition")
    arn = getattr(task_definition, "arn", task_definition)
    network = (properties.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration")
    if network:
        service.network_configuration = {
            "awsvpcConfiguration": {
                "subnets": list(network.get("Subnets", [])),
                "securityGroups": list(network.get("SecurityGroups", [])),
                "assignPublicIp": network.get("AssignPublicIp", "DISABLED"),
            }
        }
    if not arn or (service.deployments and service.deployments[0].get("taskDefinition") == arn):
        return
    service.task_definition = arn
    running = max(int(getenv("MOTO_ECS_SERVICE_RUNNING", "0") or 0), 0)
    completed = running >= service.desired_count
    now = datetime.now(UTC)
    deployment = {
        **(service.deployments[0] if service.deployments else {}),
        "id": f"ecs-svc/{abs(hash((service.name, arn))) % 10**16:016d}",
        "createdAt": now,
        "updatedAt": now,
        "status": "PRIMARY",
        "taskDefinition": arn,
        "desiredCount": service.desired_count,
        "runningCount": running,
        "pendingCount": max(service.desired_count - running, 0),
        "rolloutState": "COMPLETED" if completed else "IN_PROGRESS",
        "networkConfiguration": service.network_configuration or None,
    }
    previous = [] if completed else [{**d, "status": "ACTIVE"} for d in service.deployments[:1]]
    service.deployments = [deployment, *previous]


def _fargate_tasks_size_at_the_task_level() -> None:
    """ "For AWS Fargate task definitions, you're required to specify CPU and memory at the task level
    ... You can also specify CPU and memory at the container level for Fargate tasks. However, doing so
    isn't required" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-size-best-practice.html).
    moto's RunTask added up each container's memory and failed (TypeError, an HTTP 500) on a container
    without one, as service.yaml's is; here a container without memory reserves none of its own."""
    from moto.ecs.models import EC2ContainerServiceBackend

    def make(original):
        def _calculate_task_resource_requirements(task_definition):
            sized = [dict(c) for c in task_definition.container_definitions]
            for container in sized:
                if not any(
                    k in container for k in ("memory", "memoryReservation", "Memory", "MemoryReservation")
                ):
                    container["memory"] = 0
            saved = task_definition.container_definitions
            task_definition.container_definitions = sized
            try:
                return original(task_definition)
            finally:
                task_definition.container_definitions = saved

        return staticmethod(_calculate_task_resource_requirements)

    original = EC2ContainerServiceBackend.__dict__["_calculate_task_resource_requirements"].__func__
    EC2ContainerServiceBackend._calculate_task_resource_requirements = make(original)


# --- VPC teardown -----------------------------------------------------------------------------------


def _route_tables_go_with_their_stack() -> None:
    """Deleting a stack deletes the route tables and subnet associations it created
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-delete-stack.html); moto
    has no delete for either, so the VPC of every deleted base stack failed with DependencyViolation.
    The same holds for the NAT gateway, its address and the routes to it, which an update to NatMode
    none removes: moto kept all three."""

    def delete_route_table(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.id in backend.route_tables:
            backend.route_tables.pop(self.id)

    def delete_association(self, account_id, region_name):
        ec2_backends[account_id][region_name].subnet_associations.pop(
            f"{self.route_table_id}:{self.subnet_id}", None
        )

    def delete_route(self, account_id, region_name):
        table = self.route_table
        table._routes.pop(self.id, None)

    def delete_nat_gateway(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        backend.delete_nat_gateway(self.id)  # AWS shows it as "deleted" for a while, as moto does
        backend.enis.pop(self._eni.id, None)

    def release_address(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self in backend.addresses:
            backend.release_address(allocation_id=self.allocation_id)

    RouteTable.delete = delete_route_table
    SubnetRouteTableAssociation.delete = delete_association
    Route.delete = delete_route
    NatGateway.delete = delete_nat_gateway
    ElasticAddress.delete = release_address


# --- IAM --------------------------------------------------------------------------------------------


def _ecs_service_linked_role_as_aws_names_it() -> None:
    """ECS's service-linked role is AWSServiceRoleForECS
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html; moto
    named it AWSServiceRoleForecs), and creating it when it exists is refused with InvalidInput
    "Service role name AWSServiceRoleForECS has been taken in this account, please try a different
    suffix." (moto answered EntityAlreadyExists)."""
    iam_models.SERVICE_NAME_CONVERSION["ecs"] = "ECS"

    def make(original):
        def create_service_linked_role(self, service_name, description, suffix):
            service = service_name.split(".")[0]
            name = f"AWSServiceRoleFor{iam_models.SERVICE_NAME_CONVERSION.get(service, service)}"
            name += f"_{suffix}" if suffix else ""
            if name in [role.name for role in self.roles.values()]:
                raise InvalidInput(
                    f"Service role name {name} has been taken in this account, please try a different suffix."
                )
            return original(self, service_name, description, suffix)

        return create_service_linked_role

    _wrap(iam_models.IAMBackend, "create_service_linked_role", make)


# --- S3 (data stores, issue 16) ----------------------------------------------------------------------


def _bucket_policies_apply_to_their_bucket() -> None:
    """An AWS::S3::BucketPolicy sets its policy on its bucket, and deleting it removes the policy
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html).
    moto 5.2's CloudFormation has no model of it and fails the stack (the uploads bucket's HTTPS-only
    policy, or the access-log bucket's)."""
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends

    class BucketPolicy(CloudFormationModel):
        def __init__(self, account_id: str, bucket: str):
            self.account_id, self.bucket = account_id, bucket

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @property
        def physical_resource_id(self) -> str:
            return self.bucket

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            policy = json.dumps(properties["PolicyDocument"]).encode()
            s3_backends[account_id]["aws"].put_bucket_policy(properties["Bucket"], policy)
            return cls(account_id, properties["Bucket"])

        def delete(self, account_id, region_name) -> None:
            s3_backends[account_id]["aws"].delete_bucket_policy(self.bucket)

    def make(original):
        def resource_class_from_type(resource_type: str):
            return (
                BucketPolicy
                if resource_type == BucketPolicy.cloudformation_type()
                else original(resource_type)
            )

        return resource_class_from_type

    _wrap(parsing, "resource_class_from_type", make)


# --- EventBridge and Step Functions (the database's new password, issue 16) ---------------------------


def _event_patterns_can_be_tested() -> None:
    """TestEventPattern answers whether an event matches a pattern: {"Result": true|false}
    (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html). moto 5.2
    answers nothing; here it answers with the matcher its rules use to route events."""
    import json

    from moto.events.models import EventPattern
    from moto.events.responses import EventsHandler

    def test_event_pattern(self) -> str:
        pattern = EventPattern.load(self._get_param("EventPattern"))
        return json.dumps({"Result": pattern.matches_event(json.loads(self._get_param("Event")))})

    EventsHandler.test_event_pattern = test_event_pattern


def _step_functions_sdk_tasks_take_pascal_case_parameters() -> None:
    """ "Parameters in Step Functions are expressed in PascalCase, even if the native service API is in
    camelCase" (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html):
    an aws-sdk:ecs:updateService task gives Cluster and ForceNewDeployment, which the ECS API names
    cluster and forceNewDeployment. moto 5.2's interpreter (run with execute_state_machine) passed the
    task's parameters to boto3 as written, so the call failed on an unknown key; here they are mapped
    onto the operation's input members first, as AWS does."""
    import botocore.session
    from botocore import xform_name
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    models: dict[str, Any] = {}

    def normalise(self, parameters: dict, boto_service_name=None, service_action_name=None) -> None:
        service = self._get_boto_service_name(boto_service_name)
        action = self._get_boto_service_action(service_action_name)
        if service not in models:
            models[service] = botocore.session.get_session().get_service_model(service)
        model = models[service]
        (operation,) = [name for name in model.operation_names if xform_name(name) == action]
        self._to_boto_request(parameters, model.operation_model(operation).input_shape)

    aws_sdk.StateTaskServiceAwsSdk._normalise_parameters = normalise


# --- Conditions inside properties, and Application Auto Scaling (issue 13: a site held for its release) ---


def _fn_if_conditions(node: Any) -> set[str]:
    """The conditions a resource's JSON chooses by (the first item of every Fn::If)."""
    if isinstance(node, dict):
        found = set()
        for key, value in node.items():
            if key == "Fn::If" and isinstance(value, list) and value and isinstance(value[0], str):
                found.add(value[0])
            found |= _fn_if_conditions(value)
        return found
    if isinstance(node, list):
        return set().union(*(_fn_if_conditions(item) for item in node)) if node else set()
    return set()


def _conditions_in_properties_update_their_resource() -> None:
    """A property given by Fn::If takes the other value when its condition flips, so CloudFormation
    updates that resource: it "creates entities whose conditions evaluate to true" and evaluates every
    condition again on each update
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
    moto modified a resource only when its own JSON, or a parameter it names with Ref, changed; so a
    parameter that reaches a resource only through a condition (HoldForRelease) changed nothing."""

    def make(original):
        def build_resource_diff(self, other_template, parameters=None):
            diff = original(self, other_template, parameters)
            if parameters is None:
                return diff
            try:
                before = {n: bool(self.lazy_condition_map[n]) for n in self._template.get("Conditions", {})}
                after = _conditions(self, other_template, parameters)
            except Exception:  # noqa: BLE001 - parameters moto cannot resolve: keep its own diff
                return diff
            flipped = {name for name, value in after.items() if before.get(name, value) != value}
            for name, resource in other_template.get("Resources", {}).items():
                listed = name in diff["Add"] or name in diff["Remove"] or name in diff["Modify"]
                if not listed and self._parsed_resources.get(name) is not None:
                    if flipped & _fn_if_conditions(resource.get("Properties", {})):
                        diff["Modify"].append(name)
            return diff

        return build_resource_diff

    _wrap(parsing.ResourceMap, "build_resource_diff", make)


def _scalable_targets_follow_their_stack() -> None:
    """CloudFormation registers a stack's AWS::ApplicationAutoScaling::ScalableTarget with Application
    Auto Scaling (moto 5.2 has no CloudFormation model of it and skipped the resource), and Application
    Auto Scaling moves the service into the target's range: "If the specified resource is not active in
    the target service, this operation does not change the resource's current capacity. Otherwise, it
    changes the resource's current capacity to a value that is inside of this range"
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
    moto stored the range and left the ECS service's desired count alone, so a stack that creates its
    service at 0 tasks beside a MinCapacity of 1 looked like one that starts no task. Only the ECS
    dimension our templates use is moved here. Ref answers "resource id|dimension|namespace", as AWS's
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-applicationautoscaling-scalabletarget.html)."""
    from moto.applicationautoscaling.models import (
        ApplicationAutoscalingBackend,
        applicationautoscaling_backends,
    )
    from moto.core.common_models import CloudFormationModel

    def make(original):
        def register_scalable_target(self, namespace, r_id, dimension, min_capacity, max_capacity,
                                     role_arn, suspended_state):  # fmt: skip
            target = original(self, namespace, r_id, dimension, min_capacity, max_capacity, role_arn,
                              suspended_state)  # fmt: skip
            if (namespace, dimension) == ("ecs", "ecs:service:DesiredCount"):
                _, cluster, name = r_id.split("/")
                services, _ = self.ecs_backend.describe_services(cluster, [name])
                for service in services:
                    if service.status == "ACTIVE":
                        low, high = int(target.min_capacity or 0), int(target.max_capacity or 0)
                        service.desired_count = min(max(service.desired_count, low), high)
            return target

        return register_scalable_target

    _wrap(ApplicationAutoscalingBackend, "register_scalable_target", make)

    def register(properties: dict[str, Any], account_id: str, region_name: str):
        def number(key: str) -> int | None:
            return None if properties.get(key) is None else int(properties[key])

        return applicationautoscaling_backends[account_id][region_name].register_scalable_target(
            properties["ServiceNamespace"], properties["ResourceId"], properties["ScalableDimension"],
            number("MinCapacity"), number("MaxCapacity"), properties.get("RoleARN", ""),
            properties.get("SuspendedState"),
        )  # fmt: skip

    class StackScalableTarget(CloudFormationModel):
        def __init__(self, target: Any):
            self.target = target

        @property
        def physical_resource_id(self) -> str:
            t = self.target
            return f"{t.resource_id}|{t.scalable_dimension}|{t.service_namespace}"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApplicationAutoScaling::ScalableTarget"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):  # fmt: skip
            return cls(register(cloudformation_json["Properties"], account_id, region_name))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):  # fmt: skip
            return cls(register(cloudformation_json["Properties"], account_id, region_name))

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            """Unused: a stack deletes its targets through `delete` (moto's ResourceMap tries that first)."""

        def delete(self, account_id: str, region_name: str) -> None:
            t, backend = self.target, applicationautoscaling_backends[account_id][region_name]
            if backend._scalable_target_exists(t.resource_id, t.scalable_dimension):
                backend.deregister_scalable_target(t.service_namespace, t.resource_id, t.scalable_dimension)

        def is_created(self) -> bool:
            return True

    parsing.get_model_list.cache_clear()  # moto lists its models once (CloudFormationModel's subclasses)
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
