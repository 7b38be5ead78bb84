import botocore.session
import pytest

from fargate_deploy.stack_status import MEANINGS, NextStep, meaning_of


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
