"""The one map from a CloudFormation stack status to what it means for the next command.

Every status CloudFormation can report is in `MEANINGS`; tests compare it with botocore's model so a
new status cannot slip through unnoticed. The functions below the map answer the questions commands
ask of a status (may I create or update it, what does a person run next, what unsticks it, has the
operation I started finished); they read the map and nothing else, so no command keeps its own.

Status meanings: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html
(stack status codes). REVIEW_IN_PROGRESS is the state of a stack that a CREATE change set made and
nobody executed: it has no resources, accepts another CREATE change set, and right after
ExecuteChangeSet it is still reported for a moment before CREATE_IN_PROGRESS
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .errors import RefusedError
from .invocation import PROG


class NextStep(enum.Enum):
    CREATE = "create"  # no stack, or an empty shell left by a change set (REVIEW_IN_PROGRESS)
    UPDATE = "update"  # stable: a change set can be created and executed
    WAIT = "wait"  # an operation is in progress; nothing else is accepted until it ends
    RECREATE = "recreate"  # a failed first create left an empty stack: delete it, then create again
    CONTINUE_ROLLBACK = "continue-rollback"  # stuck mid-rollback: continue_update_rollback first
    RETRY_DELETE = "retry-delete"  # a delete failed on a resource; fix it and delete again


@dataclass(frozen=True)
class StackMeaning:
    next_step: NextStep
    succeeded: bool | None  # did the last operation do what was asked? None while it runs
    summary: str
    empty_shell: bool = False  # REVIEW_IN_PROGRESS: exists, holds nothing, only a change set made it

    @property
    def busy(self) -> bool:
        return self.next_step is NextStep.WAIT


def _running(summary: str) -> StackMeaning:
    return StackMeaning(NextStep.WAIT, None, summary)


MISSING = StackMeaning(NextStep.CREATE, None, "does not exist yet")

MEANINGS: dict[str, StackMeaning] = {
    "CREATE_IN_PROGRESS": _running("is being created"),
    "CREATE_FAILED": StackMeaning(NextStep.RECREATE, False, "failed to create and holds nothing usable"),
    "CREATE_COMPLETE": StackMeaning(NextStep.UPDATE, True, "is up"),
    "ROLLBACK_IN_PROGRESS": _running("is rolling back a failed create"),
    "ROLLBACK_FAILED": StackMeaning(
        NextStep.RECREATE, False, "failed to create and could not roll back; it must be deleted"
    ),
    "ROLLBACK_COMPLETE": StackMeaning(
        NextStep.RECREATE, False, "failed to create and was rolled back; it can only be deleted"
    ),
    "DELETE_IN_PROGRESS": _running("is being deleted"),
    "DELETE_FAILED": StackMeaning(NextStep.RETRY_DELETE, False, "could not be deleted"),
    "DELETE_COMPLETE": StackMeaning(NextStep.CREATE, True, "was deleted"),
    "UPDATE_IN_PROGRESS": _running("is being updated"),
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": _running("is removing resources the update replaced"),
    "UPDATE_COMPLETE": StackMeaning(NextStep.UPDATE, True, "is up"),
    "UPDATE_FAILED": StackMeaning(
        NextStep.UPDATE, False, "failed to update with rollback disabled; update again or roll it back"
    ),
    "UPDATE_ROLLBACK_IN_PROGRESS": _running("is rolling back a failed update"),
    "UPDATE_ROLLBACK_FAILED": StackMeaning(
        NextStep.CONTINUE_ROLLBACK, False, "is stuck: rolling back a failed update itself failed"
    ),
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": _running("is cleaning up after rolling back an update"),
    "UPDATE_ROLLBACK_COMPLETE": StackMeaning(
        NextStep.UPDATE, False, "rolled back the last update and runs the previous version"
    ),
    "REVIEW_IN_PROGRESS": StackMeaning(
        NextStep.CREATE,
        None,
        "exists only as an unexecuted change set (nothing was created)",
        empty_shell=True,
    ),
    "IMPORT_IN_PROGRESS": _running("is importing resources"),
    "IMPORT_COMPLETE": StackMeaning(NextStep.UPDATE, True, "is up"),
    "IMPORT_ROLLBACK_IN_PROGRESS": _running("is rolling back a failed import"),
    "IMPORT_ROLLBACK_FAILED": StackMeaning(
        NextStep.CONTINUE_ROLLBACK, False, "is stuck: rolling back a failed import itself failed"
    ),
    "IMPORT_ROLLBACK_COMPLETE": StackMeaning(NextStep.UPDATE, False, "rolled back a failed import"),
}


def meaning_of(status: str | None) -> StackMeaning:
    """`None` means the stack does not exist (describe_stacks said so)."""
    if status is None:
        return MISSING
    try:
        return MEANINGS[status]
    except KeyError:
        raise ValueError(f"unknown CloudFormation stack status {status!r}") from None


# --- the questions commands ask of a status ---

# What a person runs next, for each step: in a status report (None: nothing to do), and in the hint
# of a refused command ({command} is the refused command, {stack} the stack).
STATUS_COMMANDS: dict[NextStep, str | None] = {
    NextStep.CREATE: None,  # the missing command (resources / service) is the caller's to name
    NextStep.UPDATE: None,
    NextStep.WAIT: f"{PROG} status  (an operation is in progress; run it again when it ends)",
    NextStep.RECREATE: f"{PROG} recover",
    NextStep.CONTINUE_ROLLBACK: f"{PROG} recover",
    NextStep.RETRY_DELETE: f"{PROG} recover",
}
REFUSAL_HINTS: dict[NextStep, str | None] = {
    NextStep.CREATE: None,
    NextStep.UPDATE: None,
    NextStep.WAIT: f"wait until it finishes, then run: {PROG} {{command}}",
    NextStep.RECREATE: f"{PROG} recover (deletes the empty stack), then {PROG} {{command}}",
    NextStep.CONTINUE_ROLLBACK: f"{PROG} recover (continues the rollback), then {PROG} {{command}}",
    NextStep.RETRY_DELETE: f"fix what blocked the delete of {{stack}}, then {PROG} recover",
}


class Recovery(enum.Enum):
    """What `recover` does to a stack in a status (stale change sets are decided by the caller)."""

    NONE = "none"
    DELETE = "delete"
    CONTINUE_ROLLBACK = "continue-rollback"
    WAIT = "wait"


RECOVERIES: dict[NextStep, Recovery] = {
    NextStep.CREATE: Recovery.NONE,
    NextStep.UPDATE: Recovery.NONE,
    NextStep.WAIT: Recovery.WAIT,
    NextStep.RECREATE: Recovery.DELETE,
    NextStep.CONTINUE_ROLLBACK: Recovery.CONTINUE_ROLLBACK,
    NextStep.RETRY_DELETE: Recovery.DELETE,
}


def next_command(status: str | None, *, missing: str) -> str | None:
    """What to run now for a stack in this state, for `status` (None: nothing to do). `missing` is the
    command that creates the stack (e.g. command("resources")). An empty shell is removed by
    recover (the create command would also reuse it)."""
    if status is None:
        return missing
    meaning = meaning_of(status)
    if meaning.empty_shell:
        return f"{PROG} recover"
    return STATUS_COMMANDS[meaning.next_step]


def refusal(stack_name: str, status: str | None, command: str) -> RefusedError | None:
    """Why `command` (e.g. "service --tag v2") cannot create or update the stack now, with the exact
    next step as the hint; None when a change set can go ahead."""
    meaning = meaning_of(status)
    template = REFUSAL_HINTS[meaning.next_step]
    if template is None:
        return None
    return RefusedError(
        f"stack {stack_name} {meaning.summary} ({status})",
        hint=template.format(command=command, stack=stack_name),
    )


def change_set_type(status: str | None) -> str:
    """CREATE for a missing stack or an empty shell (what AWS accepts), UPDATE otherwise."""
    return "CREATE" if meaning_of(status).next_step is NextStep.CREATE else "UPDATE"


def recovery(status: str | None) -> Recovery:
    """What unsticks a stack in this state: an empty shell or a failed create/delete is deleted."""
    if status is None:
        return Recovery.NONE
    meaning = meaning_of(status)
    return Recovery.DELETE if meaning.empty_shell else RECOVERIES[meaning.next_step]


def operation_finished(status: str | None, *, executed_change_set: bool = True) -> bool:
    """Has the operation we started ended? A deleted stack (None or DELETE_COMPLETE) has. Right after
    ExecuteChangeSet a new stack still reads REVIEW_IN_PROGRESS: that is the start, not the end."""
    if status is None:
        return True
    meaning = meaning_of(status)
    if meaning.empty_shell:
        return not executed_change_set
    return not meaning.busy
