"""The workflow table drawn as an SVG state diagram on the server: boxes in declared order, arrows per action."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from engine.definition import WorkflowDefinition
from workflows.roles import ORG

BOX_W, BOX_H, STEP, LEFT, ROW_Y = 118, 46, 196, 30, 112


@dataclass(frozen=True)
class Box:
    name: str
    label: str
    x: float
    y: float
    final: bool
    initial: bool


@dataclass(frozen=True)
class Edge:
    path: str
    label: str
    who: str
    colour: str
    lx: float
    ly: float
    who_dy: float = 0  # 0: the roles follow the label; else they go on their own line this far below


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: list[Box]
    edges: list[Edge]
    starts: list[tuple[float, float]]
    box_w: int = BOX_W
    box_h: int = BOX_H


def who_of(roles: frozenset[str]) -> tuple[str, str]:
    """Chinese name and colour of the people who may take an action: a role group when it covers them."""
    names, colour, left = [], "#455a64", set(roles)
    unit = ORG.group("unit")
    if unit & left:
        names.append(next(g.label for g in ORG.groups if g.name == "unit"))
        colour, left = next(r.colour for r in ORG.roles if r.name in unit), left - unit
    for role in ORG.roles:
        if role.name in left:
            names.append(role.label)
            colour = role.colour
    return "、".join(names), colour


def draw(defn: WorkflowDefinition) -> Diagram:
    index = {s.name: i for i, s in enumerate(defn.states)}
    boxes = [Box(s.name, s.label or s.name, LEFT + i * STEP, ROW_Y, s.final, s.name in defn.initial)
             for i, s in enumerate(defn.states)]
    edges: list[Edge] = []
    loops: dict[str, list] = defaultdict(list)
    back_depth = 0
    for act in defn.actions:
        who, colour = who_of(act.roles)
        for src in act.source:
            a, b = index[src], index[act.target_from(src)]
            if a == b:
                loops[src].append((act, who, colour))
            elif b > a:
                edges.append(_forward(a, b, act.label or act.name, who, colour))
            else:
                back_depth += 1
                edges.append(_backward(a, b, act.label or act.name, who, colour, back_depth))
    for state, acts in loops.items():
        edges.extend(_loops(index[state], acts))
    starts = []
    for box in boxes:
        if box.initial:
            dot, arrow = _start(box, loops)
            starts.append(dot)
            edges.append(arrow)
    height = ROW_Y + BOX_H + 50 + 34 * max(back_depth, 1)
    return Diagram(LEFT * 2 + (len(boxes) - 1) * STEP + BOX_W, int(height), boxes, edges, starts)


def _start(box: Box, loops: dict) -> tuple[tuple[float, float], Edge]:
    """A black dot with an arrow into an initial state: from the left of the first box, else from above."""
    if box.x == LEFT:
        y = box.y + BOX_H / 2
        return (8, y), Edge(f"M12,{y} L{box.x - 2},{y}", "", "", "#263238", 0, 0)
    x = box.x + BOX_W / 2 + (20 if box.name in loops else 0)
    return (x, box.y - 56), Edge(f"M{x},{box.y - 52} L{x},{box.y - 2}", "", "", "#263238", 0, 0)


def _forward(a: int, b: int, label: str, who: str, colour: str) -> Edge:
    x1, x2, y = LEFT + a * STEP + BOX_W, LEFT + b * STEP, ROW_Y + BOX_H / 2
    if b == a + 1:
        return Edge(f"M{x1},{y} L{x2 - 2},{y}", label, who, colour, (x1 + x2) / 2, y - 8, 24)
    lift = 40 + 12 * (b - a)
    return Edge(f"M{x1 - BOX_W / 2},{ROW_Y} C{x1 - BOX_W / 2},{ROW_Y - lift} {x2 + BOX_W / 2},{ROW_Y - lift} "
                f"{x2 + BOX_W / 2},{ROW_Y - 2}", label, who, colour, (x1 + x2) / 2, ROW_Y - lift + 4)


def _backward(a: int, b: int, label: str, who: str, colour: str, depth: int) -> Edge:
    xa, xb, bottom = LEFT + a * STEP + BOX_W / 2, LEFT + b * STEP + BOX_W / 2, ROW_Y + BOX_H
    drop = 30 + 34 * depth
    xa, xb = xa - 12 * depth, xb + 12 * depth
    return Edge(f"M{xa},{bottom} C{xa},{bottom + drop} {xb},{bottom + drop} {xb},{bottom + 2}", label, who, colour,
                (xa + xb) / 2, bottom + drop * .75 + 16)


def _loops(i: int, acts: list) -> list[Edge]:
    """Self-loops of one state: one arc above the box, the actions listed above it."""
    x, top = LEFT + i * STEP + BOX_W / 2, ROW_Y
    out = [Edge(f"M{x - 26},{top} C{x - 40},{top - 48} {x + 40},{top - 48} {x + 26},{top - 2}", "", "",
                "#607d8b", x, top)]
    for n, (act, who, colour) in enumerate(reversed(acts)):
        out.append(Edge("", act.label or act.name, who, colour, x, top - 46 - 17 * n))
    return out
