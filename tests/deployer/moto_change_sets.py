"""Make moto's change sets leave a stack as CloudFormation does: with outputs, exports, parameters.

moto 5.2.5 applies a change set's resources but never rebuilds the stack's outputs, exports or
parameters (create_stack and update_stack do), and a stack that a change set creates cannot import
other stacks' exports. In AWS, executing a change set is the ordinary way to create or update a
stack, so our deployer uses it; this test-side patch fills moto's gap instead of changing the
deployer or the templates. The moto server runs in this process (ThreadedMotoServer),
so patching its backend class works.
"""

from __future__ import annotations

import pytest
from moto.cloudformation.models import CloudFormationBackend


def _execute_like_cloudformation(original):
    def execute_change_set(self, change_set_name, stack_name=None):
        original(self, change_set_name, stack_name)
        change_set = next(
            cs
            for arn, cs in self.change_sets.items()
            if change_set_name in (arn, cs.change_set_name)
            and (stack_name is None or stack_name in (cs.stack_name, cs.stack_id))
        )
        stack = change_set.stack
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()
        for name in [
            name for name, export in self.exports.items() if export.exporting_stack_id == stack.stack_id
        ]:
            del self.exports[name]
        for export in stack.exports:
            self.exports[export.name] = export

    return execute_change_set


def _create_with_imports(original):
    """A stack first made by a change set gets no view of other stacks' exports in moto: give it one."""

    def create_change_set(self, stack_name, *args, **kwargs):
        result = original(self, stack_name, *args, **kwargs)
        stack = self.stacks[result[1]]
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        return result

    return create_change_set


def patch(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = CloudFormationBackend
    monkeypatch.setattr(
        backend, "execute_change_set", _execute_like_cloudformation(backend.execute_change_set)
    )
    monkeypatch.setattr(backend, "create_change_set", _create_with_imports(backend.create_change_set))
