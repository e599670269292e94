"""What the 管理 pages change: unit heads, users, and ledger imports staged for a preview before they apply.

Every change is recorded in the hash-chained history with who made it and from which address.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from engine.decide import clean_values
from engine.definition import FieldSpec
from engine.errors import BadRequest, NotFound, UnsupportedType
from runtime.core import Runtime
from workflows import accounts, audit_log
from workflows.accounts_models import User
from workflows.evidence import clean_name, refuse_bad_archive
from workflows.ledger.importer import ImportResult, import_ledger
from workflows.ledger.summary import summary
from workflows.models import Unit

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN = re.compile(r"^[0-9a-f]{32}$")
BUILTIN = "builtin:wulong-2022"
UNIT_FIELDS = (FieldSpec("head_name", label="负责人姓名", required=False, max_length=64),
               FieldSpec("head_email", label="负责人邮箱", required=False, max_length=255))
IMPORT_FIELDS = (FieldSpec("plan", label="方案代码", required=False, max_length=64),)


@dataclass(frozen=True)
class By:
    """Who makes an admin change, and from where: what the audit history keeps."""

    name: str
    id: int | None
    address: str = ""

    def record(self, session: Session, workflow: str, subject_id: int, action: str, at, **data) -> None:
        audit_log.record(session, workflow, subject_id, action, by=self.name, by_id=self.id, at=at,
                         address=self.address, data=data)


class AdminInputError(BadRequest):
    """A refused admin form."""


def units(session: Session) -> list[Unit]:
    return list(session.execute(select(Unit).order_by(Unit.kind.desc(), Unit.id)).scalars())


def update_unit(rt: Runtime, by: By, unit_id: int, head_name: str, head_email: str) -> Unit:
    given = clean_values("update_unit", UNIT_FIELDS, {"head_name": head_name, "head_email": head_email})
    head_name, head_email = given["head_name"] or "", given["head_email"] or ""
    if head_email and not EMAIL.match(head_email):
        raise AdminInputError(f"邮箱地址“{head_email}”格式不正确")
    with rt.write() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("找不到该单位", detail=f"unit {unit_id} not found")
        before = {"head_name": unit.head_name, "head_email": unit.head_email}
        unit.head_name, unit.head_email = head_name, head_email
        session.add(unit)
        by.record(session, audit_log.UNIT, unit.id, "head_changed", rt.clock.now(), unit=unit.name, before=before,
                  after={"head_name": head_name, "head_email": head_email})
        return unit


def users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.active.desc(), User.role, User.username)).scalars())


def add_user(rt: Runtime, by: By, form: dict) -> User:
    email = form.get("email", "").strip()
    if email and not EMAIL.match(email[:255]):
        raise AdminInputError(f"邮箱地址“{email[:255]}”格式不正确")
    if not form.get("display_name", "").strip():  # pages, 办理记录 and mails name people, never by their login
        raise AdminInputError("请填写姓名：页面、办理记录和邮件中用姓名称呼此人，不显示用户名")
    try:
        with rt.write() as session:
            user = accounts.add_user(session, form.get("username", "").strip(), form.get("role", ""),
                                     form.get("password", ""), rt.clock.now(), unit_name=form.get("unit") or None,
                                     email=email, display_name=form.get("display_name", "").strip())
            by.record(session, audit_log.USER, user.id, "added", rt.clock.now(), username=user.username,
                      role=user.role, unit_id=user.unit_id, email=user.email)
            return user
    except accounts.AccountError as exc:
        raise AdminInputError(exc.message) from exc


def _other_user(session: Session, by: By, user_id: int, refusal: str) -> User:
    """The user an admin acts on: never the admin themself (they could lock themselves out)."""
    if user_id == by.id:
        raise AdminInputError(refusal)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户", detail=f"user {user_id} not found")
    return user


def set_active(rt: Runtime, by: By, user_id: int, active: bool) -> User:
    """Deactivating ends the user's sessions and API tokens at once."""
    with rt.write() as session:
        user = session.get(User, user_id) if active else _other_user(session, by, user_id, "不能停用自己的账户")
        if user is None:
            raise NotFound("找不到该用户", detail=f"user {user_id} not found")
        user.active = active
        if active:
            user.failed_logins, user.locked_until = 0, None  # reactivating also lifts a lockout
        else:
            accounts.end_everything(session, user, rt.clock.now())
        session.add(user)
        by.record(session, audit_log.USER, user.id, "activated" if active else "deactivated", rt.clock.now(),
                  username=user.username)
        return user


def set_role(rt: Runtime, by: By, user_id: int, role: str, unit_name: str | None) -> User:
    try:
        with rt.write() as session:
            user = _other_user(session, by, user_id, "不能修改自己的角色")
            change = accounts.set_role(session, user, role, unit_name or None)
            by.record(session, audit_log.USER, user.id, "role_changed", rt.clock.now(), username=user.username,
                      **change)
            return user
    except accounts.AccountError as exc:
        raise AdminInputError(exc.message) from exc


def reset_password(rt: Runtime, by: By, user_id: int) -> tuple[User, str]:
    """A one-time password, shown once to the admin; the user must change it at the next sign-in."""
    with rt.write() as session:
        user = _other_user(session, by, user_id, "不能重置自己的密码，请使用“修改密码”")
        one_time = accounts.reset_password(session, user, rt.clock.now())
        by.record(session, audit_log.USER, user.id, "password_reset", rt.clock.now(), username=user.username)
        return user, one_time


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
    if name.lower().endswith(".xlsx"):  # a workbook is a zip: checked as an archive before anything opens it
        try:
            refuse_bad_archive(folder / name, name, rt.settings.max_upload_bytes)
        except UnsupportedType:
            discard(rt, token)
            raise
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


def run_import(rt: Runtime, item: Staged, plan_code: str | None, by: By, dry_run: bool, *,
               force: bool = False, create_units: bool = False) -> tuple[list[str], ImportResult]:
    """The importer's own summary lines and its result; a LedgerError (Chinese, with row and column) refuses the
    form. New units need `create_units` (the preview's checkbox), changes to measures under way `force`."""
    plan_code = clean_values("import", IMPORT_FIELDS, {"plan": plan_code})["plan"]
    with rt.read() if dry_run else rt.write() as session:
        result = import_ledger(session, item.source, clock=rt.clock, dry_run=dry_run, plan_code=plan_code or None,
                               actor_name=by.name, service=rt.workflows["reform_measure"], force=force,
                               create_units=create_units)
        lines = summary(result)
        if not dry_run:
            audit_log.ledger_imported(session, by=by.name, by_id=by.id, at=rt.clock.now(), address=by.address,
                                      source=item.name, plan=plan_code or "", summary=lines, force=force,
                                      create_units=create_units)
    if not dry_run:
        discard(rt, item.token)
    return lines, result


def discard(rt: Runtime, token: str) -> None:
    folder = rt.settings.data_dir / "imports" / token
    if TOKEN.match(token) and folder.is_dir():
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
