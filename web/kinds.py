"""The workflows the web layer serves, registered once: each kind's URL segment, definition, read model and
service calls. The API and the pages build their detail and action routes for every kind from here."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from engine.definition import WorkflowDefinition
from runtime.core import Runtime
from workflows.access import Access
from workflows.problems.service import ProblemAction, ProblemDetail
from workflows.problems.table import PROBLEM
from workflows.reform.table import REFORM_MEASURE
from workflows.reform.views import MeasureAction, MeasureDetail


@dataclass(frozen=True)
class Kind:
    slug: str  # the URL segment: /api/measures/{id}, /measures/{id}
    definition: WorkflowDefinition
    detail_type: type
    action_type: type
    detail: Callable[[Runtime, Session, Access, int], Any]
    act: Callable[[Runtime, Session, Access, int, str, dict], Any]  # fire, then the detail in the same transaction
    fire: Callable[[Runtime, Session, Access, int, str, dict], Any]  # fire only (the write)
    acted: Callable[[Runtime, Session, Access, int], Any]  # the detail an action answers with, read after its commit
    template: str  # the page of one subject
    id_param: str = "subject_id"  # the path parameter's name: measure_id in /api/measures/{measure_id}


MEASURES = Kind("measures", REFORM_MEASURE, MeasureDetail, MeasureAction,
                detail=lambda rt, s, a, i: rt.measures.detail(s, a, i),
                act=lambda rt, s, a, i, action, body: rt.measures.act(s, a, i, action, body),
                fire=lambda rt, s, a, i, action, body: rt.measures.fire(s, a, i, action, body),
                acted=lambda rt, s, a, i: rt.measures.acted(s, a, i),
                template="measure.html", id_param="measure_id")

PROBLEMS = Kind("problems", PROBLEM, ProblemDetail, ProblemAction,
                detail=lambda rt, s, a, i: rt.problems.detail(s, a, i),
                act=lambda rt, s, a, i, action, body: rt.problems.act(s, a, i, action, body),
                fire=lambda rt, s, a, i, action, body: rt.problems.fire(s, a, i, action, body),
                acted=lambda rt, s, a, i: rt.problems.detail(s, a, i),
                template="problems/detail.html", id_param="problem_id")

KINDS: tuple[Kind, ...] = (MEASURES, PROBLEMS)


def kind_of(definition_name: str) -> Kind:
    return next(k for k in KINDS if k.definition.name == definition_name)
