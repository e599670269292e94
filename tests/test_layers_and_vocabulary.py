"""The layers of STYLE.md hold (walking every subpackage), and the domain's words are said once: no state or role
name appears as a literal outside the modules that declare them, templates included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from workflows.items.table import ITEM
from workflows.milestones.table import MILESTONE
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG

ROOT = Path(__file__).resolve().parent.parent
THIRD_PARTY_UI = {"litestar", "jinja2", "aiosmtplib", "apscheduler", "uvicorn"}
LAYERS = {  # package -> roots it must not import
    "engine": {"web", "cli", "runtime", "notifications", "workflows", "config"} | THIRD_PARTY_UI,
    "workflows": {"web", "cli", "runtime", "notifications", "config", "litestar", "jinja2", "aiosmtplib",
                  "apscheduler"},
    "notifications": {"web", "cli", "runtime", "workflows", "config", "litestar"},
    "runtime": {"web", "cli"},
    "config": {"web", "cli", "runtime"},
}
# The modules that declare the vocabulary: the only places its words may be written.
DECLARING = {"workflows/roles.py", "workflows/reform/table.py", "workflows/milestones/table.py",
             "workflows/items/table.py", "cli/core.py"}  # cli/core.py: the --role choices, checked below
CODE_DIRS = ("engine", "workflows", "notifications", "web", "cli", "runtime", "config")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def words() -> set[str]:
    states = {s for d in (REFORM_MEASURE, MILESTONE, ITEM) for s in d.state_names}
    return states | set(ORG.names)


def literals(path: Path, vocabulary: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in vocabulary:
            found.append((node.lineno, node.value))
    return found


def template_literals(path: Path, vocabulary: set[str]) -> list[tuple[int, str]]:
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for quoted in re.findall(r"""["']([a-z_]+)["']""", line):
            if quoted in vocabulary:
                found.append((n, quoted))
    return found


def test_each_layer_imports_only_what_is_below_it():
    offenders = {}
    for package, forbidden in LAYERS.items():
        files = sorted((ROOT / package).rglob("*.py"))
        assert files, package
        for f in files:
            bad = imported_roots(f) & forbidden
            if bad:
                offenders[str(f.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_walker_sees_a_forbidden_import_in_a_subpackage(tmp_path):
    bad = tmp_path / "sub" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("from workflows.reform.table import REFORM_MEASURE\nimport litestar.app\n")
    assert imported_roots(next(tmp_path.rglob("*.py"))) & LAYERS["engine"] == {"workflows", "litestar"}


def test_no_state_or_role_name_is_written_outside_its_declaration():
    vocabulary, offenders = words(), {}
    for folder in CODE_DIRS:
        for f in sorted((ROOT / folder).rglob("*.py")):
            rel = str(f.relative_to(ROOT))
            if rel not in DECLARING and (hits := literals(f, vocabulary)):
                offenders[rel] = hits
    for f in sorted((ROOT / "web" / "templates").rglob("*.html")) + sorted((ROOT / "notifications").rglob("*.html")):
        if hits := template_literals(f, vocabulary):
            offenders[str(f.relative_to(ROOT))] = hits
    assert offenders == {}


def test_the_guard_catches_a_state_in_code_and_a_role_in_a_template(tmp_path):
    code, page = tmp_path / "x.py", tmp_path / "x.html"
    code.write_text('if m.state == "in_progress":\n    pass\nlabel = "推进中"\n')
    page.write_text('{% if me.role == "supervisor" %}督查办{% endif %}\n')
    assert literals(code, words()) == [(1, "in_progress")]
    assert template_literals(page, words()) == [(1, "supervisor")]


def test_the_command_lines_role_choices_are_the_declared_roles():
    from cli.core import ROLES

    assert ORG.names == ROLES
