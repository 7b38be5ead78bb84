"""The one map from a CloudFormation stack status to what it means for the next command.

Every status CloudFormation can report is in `MEANINGS`; tests compare it with botocore's model so a
new status cannot slip through unnoticed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
        NextStep.CREATE, None, "exists only as an unexecuted change set (nothing was created)"
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
