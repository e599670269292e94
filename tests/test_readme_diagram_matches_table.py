"""The README's diagram and table are the workflow table's own rendering; a drift fails here."""

from __future__ import annotations

import dataclasses

from workflows import diagram
from workflows.reform.table import REFORM_MEASURE


def test_readme_shows_the_current_tables():
    text = diagram.README.read_text(encoding="utf-8")
    for name in diagram.tables():
        assert diagram.current(text, name) == diagram.block(name), "run: .venv/bin/python -m workflows.diagram"


def test_a_changed_table_would_be_noticed(monkeypatch):
    renamed = tuple(dataclasses.replace(a, label="改名") if a.name == "approve" else a
                    for a in REFORM_MEASURE.actions)
    changed = dataclasses.replace(REFORM_MEASURE, actions=renamed)
    monkeypatch.setattr(diagram, "REFORM_MEASURE", changed)
    assert diagram.current(diagram.README.read_text(encoding="utf-8")) != diagram.block()
