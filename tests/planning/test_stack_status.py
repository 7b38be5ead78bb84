import botocore.session
import pytest

from fargate_deploy import stack_status
from fargate_deploy.stack_status import MEANINGS, NextStep, Recovery, meaning_of


def test_every_cloudformation_status_has_a_meaning():
    model = botocore.session.get_session().get_service_model("cloudformation")
    assert set(MEANINGS) == set(model.shape_for("StackStatus").enum)


@pytest.mark.parametrize(
    ("status", "next_step", "succeeded"),
    [
        (None, NextStep.CREATE, None),
        ("REVIEW_IN_PROGRESS", NextStep.CREATE, None),
        ("DELETE_COMPLETE", NextStep.CREATE, True),
        ("CREATE_COMPLETE", NextStep.UPDATE, True),
        ("UPDATE_COMPLETE", NextStep.UPDATE, True),
        ("UPDATE_ROLLBACK_COMPLETE", NextStep.UPDATE, False),
        ("UPDATE_FAILED", NextStep.UPDATE, False),
        ("CREATE_IN_PROGRESS", NextStep.WAIT, None),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NextStep.WAIT, None),
        ("UPDATE_ROLLBACK_IN_PROGRESS", NextStep.WAIT, None),
        ("DELETE_IN_PROGRESS", NextStep.WAIT, None),
        ("ROLLBACK_COMPLETE", NextStep.RECREATE, False),
        ("ROLLBACK_FAILED", NextStep.RECREATE, False),
        ("CREATE_FAILED", NextStep.RECREATE, False),
        ("UPDATE_ROLLBACK_FAILED", NextStep.CONTINUE_ROLLBACK, False),
        ("IMPORT_ROLLBACK_FAILED", NextStep.CONTINUE_ROLLBACK, False),
        ("DELETE_FAILED", NextStep.RETRY_DELETE, False),
    ],
)
def test_status_meaning(status, next_step, succeeded):
    meaning = meaning_of(status)
    assert meaning.next_step is next_step
    assert meaning.succeeded is succeeded
    assert meaning.busy == (next_step is NextStep.WAIT)


def test_every_in_progress_status_is_busy_and_nothing_else_is():
    for status, meaning in MEANINGS.items():
        expected = status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"
        assert meaning.busy == expected, status


def test_an_unknown_status_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="FROBNICATE_COMPLETE"):
        meaning_of("FROBNICATE_COMPLETE")


# --- the questions commands ask of a status: one map answers them all ---

ALL_STATUSES = sorted(MEANINGS)


@pytest.mark.parametrize(
    ("status", "command"),
    [
        (None, "python3 deploy.py resources"),
        ("REVIEW_IN_PROGRESS", "python3 deploy.py recover"),
        ("CREATE_COMPLETE", None),
        ("UPDATE_ROLLBACK_COMPLETE", None),
        ("UPDATE_FAILED", None),
        (
            "UPDATE_IN_PROGRESS",
            "python3 deploy.py status  (an operation is in progress; run it again when it ends)",
        ),
        ("ROLLBACK_COMPLETE", "python3 deploy.py recover"),
        ("UPDATE_ROLLBACK_FAILED", "python3 deploy.py recover"),
        ("DELETE_FAILED", "python3 deploy.py recover"),
    ],
)
def test_next_command_for_a_status_report(status, command):
    assert stack_status.next_command(status, missing="python3 deploy.py resources") == command


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (
            "ROLLBACK_COMPLETE",
            "python3 deploy.py recover (deletes the empty stack), then python3 deploy.py service",
        ),
        (
            "CREATE_FAILED",
            "python3 deploy.py recover (deletes the empty stack), then python3 deploy.py service",
        ),
        (
            "UPDATE_ROLLBACK_FAILED",
            "python3 deploy.py recover (continues the rollback), then python3 deploy.py service",
        ),
        ("UPDATE_IN_PROGRESS", "wait until it finishes, then run: python3 deploy.py service"),
        ("DELETE_FAILED", "fix what blocked the delete of s, then python3 deploy.py recover"),
        ("CREATE_COMPLETE", None),
        ("UPDATE_ROLLBACK_COMPLETE", None),
        ("REVIEW_IN_PROGRESS", None),  # a CREATE change set may reuse the empty shell
        ("UPDATE_FAILED", None),
        (None, None),
    ],
)
def test_refusal_names_the_next_step(status, hint):
    refused = stack_status.refusal("s", status, "service")
    if hint is None:
        assert refused is None
    else:
        assert refused.hint == hint and refused.message == f"stack s {meaning_of(status).summary} ({status})"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, "CREATE"),
        ("REVIEW_IN_PROGRESS", "CREATE"),
        ("UPDATE_COMPLETE", "UPDATE"),
        ("UPDATE_FAILED", "UPDATE"),
    ],
)
def test_change_set_type(status, expected):
    assert stack_status.change_set_type(status) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (None, Recovery.NONE),
        ("REVIEW_IN_PROGRESS", Recovery.DELETE),
        ("ROLLBACK_COMPLETE", Recovery.DELETE),
        ("DELETE_FAILED", Recovery.DELETE),
        ("UPDATE_ROLLBACK_FAILED", Recovery.CONTINUE_ROLLBACK),
        ("UPDATE_IN_PROGRESS", Recovery.WAIT),
        ("UPDATE_COMPLETE", Recovery.NONE),
    ],
)
def test_recovery(status, action):
    assert stack_status.recovery(status) is action


@pytest.mark.parametrize(
    ("status", "executed", "finished"),
    [
        ("REVIEW_IN_PROGRESS", True, False),  # just executed: CREATE_IN_PROGRESS comes next
        ("REVIEW_IN_PROGRESS", False, True),
        ("CREATE_IN_PROGRESS", True, False),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", True, False),
        ("UPDATE_ROLLBACK_COMPLETE", True, True),
        ("CREATE_COMPLETE", True, True),
        ("DELETE_COMPLETE", True, True),
        (None, True, True),  # gone: a delete finished
    ],
)
def test_operation_finished(status, executed, finished):
    assert stack_status.operation_finished(status, executed_change_set=executed) is finished
