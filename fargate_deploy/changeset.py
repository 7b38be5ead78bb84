"""The change set is the plan: turn describe_change_set into rain-style diff rows. Pure.

`+` add, `>` modify, `-` remove, `!` a modify that replaces the resource (or may: Conditional).
"""

from __future__ import annotations

from dataclasses import dataclass

# CloudFormation's two ways of saying "nothing to do" (create_change_set's status reason and
# update_stack's error message).
NO_CHANGE_MESSAGES = (
    "The submitted information didn't contain changes",
    "No updates are to be performed",
)

SYMBOLS = {"Add": "+", "Modify": ">", "Remove": "-", "Import": "+", "Dynamic": ">"}


@dataclass(frozen=True)
class ChangeRow:
    symbol: str  # + > - !
    logical_id: str
    resource_type: str
    action: str  # Add, Modify, Remove, Import, Dynamic
    replacement: str  # "True", "False", "Conditional", "" (not a modify)
    details: tuple[str, ...] = ()  # properties that change

    def line(self) -> str:
        text = f"{self.symbol} {self.logical_id} ({self.resource_type})"
        if self.replacement == "True":
            text += " — replacement"
        elif self.replacement == "Conditional":
            text += " — may be replaced"
        if self.details:
            text += ": " + ", ".join(self.details)
        return text


@dataclass(frozen=True)
class ChangeSetSummary:
    stack_name: str
    change_set_name: str
    status: str  # CREATE_COMPLETE, FAILED, ...
    status_reason: str
    rows: tuple[ChangeRow, ...]

    @property
    def no_changes(self) -> bool:
        return self.status == "FAILED" and is_no_change_message(self.status_reason)

    @property
    def failed(self) -> bool:
        return self.status == "FAILED" and not self.no_changes

    @property
    def counts(self) -> dict[str, int]:
        counts = {"add": 0, "modify": 0, "remove": 0, "replace": 0}
        for row in self.rows:
            key = {"+": "add", ">": "modify", "-": "remove", "!": "replace"}[row.symbol]
            counts[key] += 1
        return counts

    def headline(self) -> str:
        if self.no_changes:
            return f"Stack {self.stack_name}: no changes"
        c = self.counts
        return (
            f"Stack {self.stack_name}: {c['add']} to add, {c['modify']} to modify, "
            f"{c['replace']} to replace, {c['remove']} to remove"
        )


def is_no_change_message(message: str | None) -> bool:
    return bool(message) and any(text in message for text in NO_CHANGE_MESSAGES)


def summarize(response: dict) -> ChangeSetSummary:
    """describe_change_set's response (all pages' Changes joined) → the summary."""
    rows = []
    for change in response.get("Changes", []):
        rc = change.get("ResourceChange", {})
        action = rc.get("Action", "Modify")
        replacement = rc.get("Replacement", "") if action == "Modify" else ""
        symbol = "!" if replacement in ("True", "Conditional") else SYMBOLS.get(action, ">")
        details = []
        for detail in rc.get("Details", []):
            target = detail.get("Target", {})
            name = target.get("Name") or target.get("Attribute")
            if name and name not in details:
                details.append(name)
        rows.append(
            ChangeRow(
                symbol=symbol,
                logical_id=rc.get("LogicalResourceId", "?"),
                resource_type=rc.get("ResourceType", "?"),
                action=action,
                replacement=replacement,
                details=tuple(details),
            )
        )
    order = {"-": 0, "!": 1, ">": 2, "+": 3}
    rows.sort(key=lambda r: (order[r.symbol], r.logical_id))
    return ChangeSetSummary(
        stack_name=response.get("StackName", ""),
        change_set_name=response.get("ChangeSetName", ""),
        status=response.get("Status", ""),
        status_reason=response.get("StatusReason", "") or "",
        rows=tuple(rows),
    )
