"""A workflow table is checked when it loads, and every problem is named."""

from __future__ import annotations

import pytest

from engine.definition import Action, FieldSpec, State, WorkflowDefinition, to_mermaid
from engine.errors import DefinitionError
from workflows.reform.table import REFORM_MEASURE

R = frozenset({"clerk"})


def build(states, actions, initial=("a",), roles=R, conditions=None):
    return WorkflowDefinition("t", tuple(states), initial, tuple(actions), roles, conditions=conditions or {})


def test_every_problem_is_named_at_once():
    with pytest.raises(DefinitionError) as info:
        build(
            [State("a"), State("b"), State("c"), State("lost"), State("done", final=True)],
            [
                Action("go", ("a",), "b", R),
                Action("nobody", ("b",), "done", frozenset()),
                Action("escape", ("done",), "a", R),
                Action("ghost", ("a",), "nowhere", frozenset({"stranger"})),
                Action("cond", ("a",), "c", R, conditions=("undeclared",)),
                Action("dup", ("a",), "b", R, fields=(FieldSpec("x"), FieldSpec("x"), FieldSpec("y", "colour"))),
            ],
        )
    problems = "\n".join(info.value.problems)
    assert "action 'nobody' has no role" in problems
    assert "action 'escape' leaves final state 'done'" in problems
    assert "target 'nowhere' is not a declared state" in problems
    assert "role 'stranger' is not a declared role" in problems
    assert "condition 'undeclared' is not declared" in problems
    assert "field 'x' is declared twice" in problems
    assert "unknown kind 'colour'" in problems
    assert "state 'lost' is unreachable" in problems
    assert "state 'c' is a trap" in problems
    assert len(info.value.problems) >= 9


def test_a_table_without_final_state_is_refused():
    with pytest.raises(DefinitionError, match="no final state"):
        build([State("a"), State("b")], [Action("go", ("a",), "b", R), Action("back", ("b",), "a", R)])


def test_the_reform_table_loads_and_draws_every_action():
    diagram = to_mermaid(REFORM_MEASURE)
    for act in REFORM_MEASURE.actions:
        for src in act.source:
            assert f"{src} --> {act.target_from(src)}: {act.name} " in diagram
    assert REFORM_MEASURE.final_states == ("replicated",)
