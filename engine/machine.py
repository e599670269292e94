"""One `transitions` machine per workflow definition, built once and reused for every subject."""

from __future__ import annotations

from functools import cache
from typing import Any

from transitions import Machine

from engine.definition import WorkflowDefinition


@cache
def machine_for(defn: WorkflowDefinition, attribute: str = "state") -> Machine:
    transitions = []
    for act in defn.actions:
        for src in act.source:
            # internal actions (progress, extensions) keep the state without exit/enter
            dest = None if act.target_from(src) == src else act.target
            transitions.append({"trigger": act.name, "source": src, "dest": dest})
    return Machine(model=None, states=list(defn.state_names), transitions=transitions,
                   initial=defn.initial[0], auto_transitions=False, send_event=True,
                   model_attribute=attribute)


def fire(defn: WorkflowDefinition, subject: Any, action: str, attribute: str = "state") -> str:
    """Move `subject` by `action`; the state attribute is written, nothing else happens."""
    machine = machine_for(defn, attribute)
    if not machine.events[action].trigger(subject):
        raise RuntimeError(f"{defn.name}: machine refused {action!r} from {getattr(subject, attribute)!r}")
    return getattr(subject, attribute)
