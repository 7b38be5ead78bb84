"""What `plan` sends and what it leaves behind, so that a pull request's plan role needs no power
over the stacks a deploy made.

A plan of a stack that does not exist yet (a new site, a new account's base stack, the edge stack)
is a CREATE change set, and CloudFormation makes the stack itself for it, empty, in
REVIEW_IN_PROGRESS "until you execute the change set"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html).
`plan` deletes its change set and keeps that empty stack. Deleting it needs cloudformation:DeleteStack,
and the role pull requests plan with must not have it: whatever code a pull request brings runs with
that role's credentials, so a DeleteStack it may call is a production stack it may delete. Allowing
it only on stacks tagged by a plan (aws:ResourceTag/<key>, which DeleteStack supports:
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html)
would rest on the empty stack carrying the change set's tags, which AWS documents nowhere (moto's
empty stack does carry them; that is the emulator, not AWS), and on no pull request ever marking a
stack a deploy then executes. The empty stack holds no resources, so it costs nothing; the next
CREATE change set of that stack (`up`, `resources`, `service`, another `plan`) is made on it, as
CloudFormation accepts for REVIEW_IN_PROGRESS (stack_status.py); `recover` deletes it (and `destroy`,
with the rest).

A plan's change sets carry no stack tags either. They are never executed, so tags would change
nothing, and an update without Tags leaves the stack's tags as they are ("If you don't specify this
parameter, CloudFormation doesn't modify the stack's tags",
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html; the
CreateChangeSet page says nothing either way: the README lists it among what a real account shows),
so its diff is the deploy's. The plan role then refuses any change set with tags (aws:TagKeys absent,
a condition key CreateChangeSet supports, evaluated when the change set is created: aws/aws-cdk#33316),
so a pull request cannot tag a stack through one, nor needs the cloudformation:TagResource that tags
passed on create are authorized as (cloudformation:CreateAction,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security_iam_id-based-policy-examples.html).
"""

from __future__ import annotations

from typing import Any

from .invocation import command
from .stack_status import meaning_of


def change_set_tags(settings: Any, *, plan: bool) -> dict[str, str]:
    """The stack tags a change set carries: the app and environment on one a deploy executes (they
    reach every resource that takes tags); none on a plan's (see the module's docstring)."""
    if plan:
        return {}
    return {"flaskcom:app": settings.app, "flaskcom:environment": settings.environment}


def kept_empty_stack(stack_name: str, stack: dict | None) -> str | None:
    """The line a plan reports when the stack its CREATE change set made stays (the change set itself
    deleted); None when the stack holds something or no longer exists."""
    if stack is None or not meaning_of(stack["StackStatus"]).empty_shell:
        return None
    return (
        f"Stack {stack_name}: kept empty ({stack['StackStatus']}: no resources, no cost); "
        f"`{command('up')}` creates it there, `{command('recover')}` deletes it"
    )
