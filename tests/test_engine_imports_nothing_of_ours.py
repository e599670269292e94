"""engine/ stays generic: it imports nothing from web/, notifications/, workflows/ or config/."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"
FORBIDDEN = {"web", "notifications", "workflows", "config", "litestar", "jinja2", "aiosmtplib", "apscheduler"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_imports_nothing_of_ours():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 8
    offenders = {f.name: sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_walker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from workflows.reform.table import REFORM_MEASURE\nimport litestar.app\n")
    assert imported_roots(bad) & FORBIDDEN == {"workflows", "litestar"}
