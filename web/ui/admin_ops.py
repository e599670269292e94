"""What the 管理 pages change: unit heads, users, and ledger imports staged for a preview before they apply."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from engine.errors import BadRequest, NotFound
from runtime.core import Runtime
from workflows import accounts
from workflows.accounts_models import User
from workflows.evidence import clean_name
from workflows.ledger.importer import ImportResult, import_ledger
from workflows.ledger.summary import summary
from workflows.models import Unit

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN = re.compile(r"^[0-9a-f]{32}$")
BUILTIN = "builtin:wulong-2022"


class AdminInputError(BadRequest):
    """A refused admin form."""


def units(session: Session) -> list[Unit]:
    return list(session.execute(select(Unit).order_by(Unit.kind.desc(), Unit.id)).scalars())


def update_unit(rt: Runtime, unit_id: int, head_name: str, head_email: str) -> Unit:
    head_name, head_email = head_name.strip(), head_email.strip()
    if head_email and not EMAIL.match(head_email):
        raise AdminInputError(f"邮箱地址“{head_email}”格式不正确")
    if len(head_name) > 64:
        raise AdminInputError("负责人姓名最多 64 个字符")
    with rt.write() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("找不到该单位", detail=f"unit {unit_id} not found")
        unit.head_name, unit.head_email = head_name, head_email
        session.add(unit)
        return unit


def users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.active.desc(), User.role, User.username)).scalars())


def add_user(rt: Runtime, form: dict) -> User:
    email = form.get("email", "").strip()
    if email and not EMAIL.match(email):
        raise AdminInputError(f"邮箱地址“{email}”格式不正确")
    try:
        with rt.write() as session:
            return accounts.add_user(session, form.get("username", "").strip(), form.get("role", ""),
                                     form.get("password", ""), rt.clock.now(), unit_name=form.get("unit") or None,
                                     email=email, display_name=form.get("display_name", "").strip())
    except accounts.AccountError as exc:
        raise AdminInputError(exc.message) from exc


def set_active(rt: Runtime, admin_id: int, user_id: int, active: bool) -> User:
    """Deactivating ends the user's sessions (they are checked per request) and revokes API tokens."""
    if user_id == admin_id and not active:
        raise AdminInputError("不能停用自己的账户")
    with rt.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("找不到该用户", detail=f"user {user_id} not found")
        user.active = active
        if active:
            user.failed_logins, user.locked_until = 0, None  # reactivating also lifts a lockout
        else:
            accounts.revoke_all(session, user, rt.clock.now())
        session.add(user)
        return user


# -- ledger import: upload, preview (dry run), apply


@dataclass(frozen=True)
class Staged:
    token: str
    source: str  # a path, or the builtin's name
    name: str


def stage(rt: Runtime, filename: str, stream, builtin: bool) -> Staged:
    """Keep an uploaded ledger under var/imports/<token>/ until it is applied."""
    token = secrets.token_hex(16)
    if builtin:
        folder = rt.settings.data_dir / "imports" / token
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "builtin").write_text(BUILTIN, encoding="utf-8")
        return Staged(token, BUILTIN, "内置台账：武隆区首批营商环境创新试点改革事项清单（2022）")
    name = clean_name(filename)
    if not name or name == "file":
        raise AdminInputError("请选择台账文件（.xlsx、.csv 或方案 .txt）")
    folder = rt.settings.data_dir / "imports" / token
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("wb") as out:
        while chunk := stream.read(64 * 1024):
            out.write(chunk)
    return Staged(token, str(folder / name), name)


def staged(rt: Runtime, token: str) -> Staged:
    folder = rt.settings.data_dir / "imports" / token
    if not TOKEN.match(token or "") or not folder.is_dir():
        raise AdminInputError("导入预览已失效，请重新上传台账文件")
    marker = folder / "builtin"
    if marker.exists():
        return Staged(token, marker.read_text(encoding="utf-8"), "内置台账")
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        raise AdminInputError("导入预览已失效，请重新上传台账文件")
    return Staged(token, str(files[0]), files[0].name)


def run_import(rt: Runtime, item: Staged, plan_code: str | None, actor_name: str, dry_run: bool, *,
               force: bool = False, create_units: bool = False) -> tuple[list[str], ImportResult]:
    """The importer's own summary lines and its result; a LedgerError (Chinese, with row and column) refuses the
    form. New units need `create_units` (the preview's checkbox), changes to measures under way `force`."""
    with rt.read() if dry_run else rt.write() as session:
        result = import_ledger(session, item.source, clock=rt.clock, dry_run=dry_run, plan_code=plan_code or None,
                               actor_name=actor_name, service=rt.workflows["reform_measure"], force=force,
                               create_units=create_units)
    if not dry_run:
        discard(rt, item.token)
    return summary(result), result


def discard(rt: Runtime, token: str) -> None:
    folder = rt.settings.data_dir / "imports" / token
    if TOKEN.match(token) and folder.is_dir():
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
