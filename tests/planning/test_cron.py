"""Cron expressions as Application Auto Scaling takes them, refused before anything is created.

The rules (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions,
the reference https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
points to): six fields; "If you specify a value (or a *) in one of the fields, you must use a ? (question
mark) in the other"; Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week
1-7 or SUN-SAT, Year 1970-2199.
"""

from __future__ import annotations

import pytest

from fargate_deploy import cron


@pytest.mark.parametrize(
    "expression",
    [
        "0 20 ? * MON-FRI *",
        "0 7 ? * MON-FRI *",
        "30 6 ? * MON *",
        "0 20 * * ? *",
        "0/15 8-17 ? * 2-6 2026-2030",
        "0 0 L * ? *",
        "0 0 15W * ? *",
        "0 0 ? * 6L *",
        "0 0 ? * 3#2 *",
        "59 23 31 DEC ? 2199",
        "0 0 1,15 JAN-MAR ? *",
        "*/5 * ? * * *",
    ],
)
def test_expressions_aws_takes(expression):
    cron.check(expression)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 20 * * MON-FRI *", "day-of-month (*) or day-of-week (MON-FRI) must be '?'"),
        ("0 20 1 * 2 *", "must be '?'"),
        ("0 20 ? * MON-FRI", "has 5 fields"),
        ("60 20 ? * MON *", "minutes 60 is outside 0-59"),
        ("0 24 ? * MON *", "hours 24 is outside 0-23"),
        ("0 20 32 * ? *", "day-of-month 32 is outside 1-31"),
        ("0 20 0 * ? *", "day-of-month 0 is outside 1-31"),
        ("0 20 ? 13 MON *", "month 13 is outside 1-12 or JAN-DEC"),
        ("0 20 ? * 8 *", "day-of-week 8 is outside 1-7 or SUN-SAT"),
        ("0 20 ? * 0 *", "day-of-week 0 is outside 1-7"),
        ("0 20 ? * MON 1969", "year 1969 is outside 1970-2199"),
        ("0 20 ? * MON 2200", "year 2200 is outside 1970-2199"),
        ("0 20 ? * FUN *", "day-of-week 'FUN' is not a number"),
        ("0 20 ? * MON-XYZ *", "day-of-week 'XYZ'"),
        ("0 ? * * ? *", "hours cannot be '?'"),
        ("0/0 20 ? * MON *", "the step after '/' must be a whole number above 0"),
        ("0 20 ? 1-13 MON *", "month 13 is outside"),
    ],
)
def test_expressions_aws_refuses(expression, reason):
    with pytest.raises(ValueError) as raised:
        cron.check(expression)
    assert reason in str(raised.value)
