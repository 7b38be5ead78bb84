"""Application Auto Scaling cron expressions, checked before anything is created.

The six fields and what each accepts follow the cron reference that Application Auto Scaling
points to (https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
→ https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions):

  Minutes 0-59 (, - * /)   Hours 0-23 (, - * /)   Day-of-month 1-31 (, - * ? / L W)
  Month 1-12 or JAN-DEC (, - * /)   Day-of-week 1-7 or SUN-SAT (, - * ? L #)   Year 1970-2199 (, - * /)

"You can't specify the Day-of-month and Day-of-week fields in the same cron expression. If you
specify a value (or a *) in one of the fields, you must use a ? (question mark) in the other."
AWS refuses the scheduled action only when CloudFormation creates it, halfway through a deploy;
here a bad expression is a one-line settings error instead. Pure: strings in, ValueError out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # JAN..DEC or SUN..SAT, numbered from `low`

    def number(self, text: str) -> int:
        """One value of this field as a number, or ValueError naming the field and its range."""
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        if not text.isdigit():
            raise ValueError(f"{self.name} {text!r} is not a number {self.shown_range()}")
        value = int(text)
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.name} {value} is outside {self.shown_range()}")
        return value

    def shown_range(self) -> str:
        names = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.low}-{self.high}{names}"


FIELDS = (
    Field("minutes", 0, 59),
    Field("hours", 0, 23),
    Field("day-of-month", 1, 31),
    Field("month", 1, 12, MONTHS),
    Field("day-of-week", 1, 7, WEEKDAYS),
    Field("year", 1970, 2199),
)
MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR = FIELDS


def check(expression: str) -> None:
    """Raise ValueError with the reason when AWS would refuse these six fields."""
    parts = expression.split()
    if len(parts) != 6:
        raise ValueError(
            f"{expression!r} has {len(parts)} fields; Application Auto Scaling takes six: "
            "minutes hours day-of-month month day-of-week year"
        )
    day_of_month, day_of_week = parts[2], parts[4]
    if "?" not in (day_of_month, day_of_week):
        raise ValueError(
            f"{expression!r}: day-of-month ({day_of_month}) or day-of-week ({day_of_week}) must be "
            "'?' (AWS cannot use both; e.g. '0 20 ? * MON-FRI *' or '0 20 * * ? *')"
        )
    for field, text in zip(FIELDS, parts, strict=True):
        _check_field(field, text)


def _check_field(field: Field, text: str) -> None:
    if text == "?":
        if field not in (DAY_OF_MONTH, DAY_OF_WEEK):
            raise ValueError(f"{field.name} cannot be '?' (only day-of-month or day-of-week can)")
        return
    if field is DAY_OF_MONTH and re.fullmatch(r"L|(\d{1,2})?W|LW", text.upper()):
        number = text.upper().rstrip("W")
        if number not in ("", "L"):
            field.number(number)
        return
    if field is DAY_OF_WEEK:
        weekday = re.fullmatch(r"([A-Za-z]{3}|\d)(L|#([1-5]))", text)
        if weekday:
            field.number(weekday.group(1))
            return
        if text.upper() == "L":
            return
    for item in text.split(","):
        _check_item(field, item)


def _check_item(field: Field, item: str) -> None:
    base, _, step = item.partition("/")
    if step:
        if not step.isdigit() or int(step) == 0:
            raise ValueError(f"{field.name} {item!r}: the step after '/' must be a whole number above 0")
    if base == "*":
        return
    start, dash, end = base.partition("-")
    field.number(start)
    if dash:
        field.number(end)
