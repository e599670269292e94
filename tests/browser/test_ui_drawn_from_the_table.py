"""The help diagram and the action forms come from the workflow table itself (no browser needed)."""

from __future__ import annotations

import pytest

from engine.decide import clean_fields
from engine.definition import Action, FieldSpec, State, WorkflowDefinition
from engine.errors import InvalidFields
from web.ui.diagram import draw
from web.ui.forms import build_form
from workflows.reform.table import REFORM_MEASURE


def test_the_diagram_has_a_box_per_state_and_a_labelled_arrow_per_action():
    diagram = draw(REFORM_MEASURE)
    assert [b.name for b in diagram.boxes] == list(REFORM_MEASURE.state_names)
    labels = [e.label for e in diagram.edges if e.label]
    assert sorted(labels) == sorted(a.label for a in REFORM_MEASURE.actions for _ in a.source)
    assert len(diagram.starts) == len(REFORM_MEASURE.initial)
    assert [b.name for b in diagram.boxes if b.final] == ["replicated"]


def test_another_workflow_draws_too():
    defn = WorkflowDefinition(
        name="leave", states=(State("asked", "已申请"), State("granted", "已批准", final=True)),
        initial=("asked",), roles=frozenset({"boss"}),
        actions=(Action("grant", ("asked",), "granted", frozenset({"boss"}), label="批准"),))
    diagram = draw(defn)
    assert [e.label for e in diagram.edges if e.label] == ["批准"]


def test_every_action_form_has_one_labelled_control_per_field():
    for act in REFORM_MEASURE.actions:
        form = build_form(act, version=3)
        assert [c.name for c in form.controls] == [f.name for f in act.fields]
        assert all(c.label for c in form.controls)
        assert [c.required for c in form.controls] == [f.required for f in act.fields]
        assert form.version == 3 and form.label == act.label


def test_a_refused_form_is_refilled_and_its_problems_are_in_chinese():
    act = Action("rate", ("a",), "b", frozenset({"x"}), fields=(
        FieldSpec("score", "int", min=0, max=100, label="分数"), FieldSpec("note", "text", label="说明")))
    typed = {"score": "150", "note": "已核实"}
    with pytest.raises(InvalidFields) as refused:
        clean_fields(act, typed)
    problems = {name: p.message for name, p in refused.value.fields.items()}
    form = build_form(act, 7, typed=typed, problems=problems)
    score, note = form.controls
    assert (score.value, score.error) == ("150", "分数应在 0 到 100 之间")
    assert (note.value, note.error) == ("已核实", None)
