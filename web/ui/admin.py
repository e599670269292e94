"""管理 (admin only): unit heads, users, and ledger import with a preview of what will change."""

from __future__ import annotations

from anyio import to_thread
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engine.errors import WorkflowError
from web.errors import status_for
from web.throttle import client_address
from web.ui import admin_ops as ops
from web.ui.admin_robots import DONE as ROBOTS_DONE
from web.ui.admin_robots import robots_context
from web.ui.common import RT, Form, Me, Who, page, see_other
from workflows.roles import ORG, UNIT_KIND_LABELS, UNIT_LEAD

DONE = {"unit": "单位信息已保存。", "user": "用户已添加。", "active": "用户状态已更新。", "role": "用户角色已更新。",
        **ROBOTS_DONE}


def admin_only(access) -> None:
    access.require("administration", "使用系统管理页面")


def by(request: Request, user) -> ops.By:
    """The admin and the address they act from, for the audit history."""
    return ops.By(user.username, user.id, client_address(request))


def units_context(rt) -> dict:
    with rt.read() as session:
        return {"units": ops.units(session), "unit_kind_labels": UNIT_KIND_LABELS, **robots_context(session)}


def units_page(rt, user, status: int = 200, error: str | None = None, done: str | None = None) -> Template:
    return page(rt, user, "admin/units.html", status, error=error, done=done, tab="units", **units_context(rt))


def users_page(rt, user, status: int = 200, error: str | None = None, done: str | None = None,
               form: dict | None = None, one_time: dict | None = None) -> Template:
    with rt.read() as session:
        rows, unit_rows = ops.users(session), ops.units(session)
    names = {u.id: u.name for u in unit_rows}
    return page(rt, user, "admin/users.html", status, users=rows, unit_names=names, error=error, done=done,
                roles=ORG.names, lead_units=[u.name for u in unit_rows if u.kind == UNIT_LEAD], form=form or {},
                tab="users", one_time=one_time)


@get("/admin", sync_to_thread=False)
def admin_home(user: Me, access: Who) -> Redirect:
    admin_only(access)
    return Redirect("/admin/units")


@get("/admin/units", sync_to_thread=True)
def admin_units(rt: RT, user: Me, access: Who, ok: FromQuery[str | None] = None) -> Template:
    admin_only(access)
    return units_page(rt, user, done=DONE.get(ok or ""))


@post("/admin/units/{unit_id:int}", sync_to_thread=True)
def admin_unit_save(request: Request, rt: RT, user: Me, access: Who, unit_id: FromPath[int], data: Form
                    ) -> Template | Redirect:
    admin_only(access)
    try:
        ops.update_unit(rt, by(request, user), unit_id, data.get("head_name", ""), data.get("head_email", ""))
    except WorkflowError as exc:
        return units_page(rt, user, status_for(exc), error=exc.message)
    return see_other(f"/admin/units?ok=unit#unit-{unit_id}")


@get("/admin/users", sync_to_thread=True)
def admin_users(rt: RT, user: Me, access: Who, ok: FromQuery[str | None] = None) -> Template:
    admin_only(access)
    return users_page(rt, user, done=DONE.get(ok or ""))


@post("/admin/users", sync_to_thread=True)
def admin_user_add(request: Request, rt: RT, user: Me, access: Who, data: Form) -> Template | Redirect:
    admin_only(access)
    try:
        ops.add_user(rt, by(request, user), dict(data))
    except WorkflowError as exc:
        kept = {k: v[:255] for k, v in data.items() if k != "password"}
        return users_page(rt, user, status_for(exc), error=exc.message, form=kept)
    return see_other("/admin/users?ok=user")


@post("/admin/users/{user_id:int}/active", sync_to_thread=True)
def admin_user_active(request: Request, rt: RT, user: Me, access: Who, user_id: FromPath[int], data: Form
                      ) -> Template | Redirect:
    admin_only(access)
    try:
        ops.set_active(rt, by(request, user), user_id, data.get("active") == "true")
    except WorkflowError as exc:
        return users_page(rt, user, status_for(exc), error=exc.message)
    return see_other("/admin/users?ok=active")


@post("/admin/users/{user_id:int}/role", sync_to_thread=True)
def admin_user_role(request: Request, rt: RT, user: Me, access: Who, user_id: FromPath[int], data: Form
                    ) -> Template | Redirect:
    admin_only(access)
    try:
        ops.set_role(rt, by(request, user), user_id, data.get("role", ""), data.get("unit") or None)
    except WorkflowError as exc:
        return users_page(rt, user, status_for(exc), error=exc.message)
    return see_other("/admin/users?ok=role")


@post("/admin/users/{user_id:int}/password", sync_to_thread=True)
def admin_user_reset(request: Request, rt: RT, user: Me, access: Who, user_id: FromPath[int]) -> Template:
    """The one-time password is shown on this answer only (never stored, never in a URL)."""
    admin_only(access)
    try:
        target, one_time = ops.reset_password(rt, by(request, user), user_id)
    except WorkflowError as exc:
        return users_page(rt, user, status_for(exc), error=exc.message)
    return users_page(rt, user, one_time={"username": target.username, "name": target.display_name,
                                          "password": one_time})


def import_page(rt, user, status: int = 200, **context) -> Template:
    base = {"tab": "import", "preview": None, "error": None, "result": None}
    return page(rt, user, "admin/import.html", status, **(base | context))


@get("/admin/import", sync_to_thread=True)
def admin_import(rt: RT, user: Me, access: Who) -> Template:
    admin_only(access)
    return import_page(rt, user)


@post("/admin/import")
async def admin_import_preview(request: Request, rt: RT, user: Me, access: Who) -> Template:
    admin_only(access)
    form = await request.form()
    upload = form.get("file")
    builtin = form.get("source") == "builtin"
    plan = (form.get("plan") or "").strip()

    def preview() -> Template:
        try:
            item = ops.stage(rt, upload.filename if isinstance(upload, UploadFile) else "",
                             upload.file if isinstance(upload, UploadFile) else None, builtin)
            lines, result = ops.run_import(rt, item, plan, by(request, user), dry_run=True)
        except WorkflowError as exc:
            return import_page(rt, user, status_for(exc), error=exc.message)
        return import_page(rt, user, preview={"item": item, "lines": lines, "plan": plan,
                                              "new_units": result.new_units, "held": len(result.held)})

    return await to_thread.run_sync(preview)


@post("/admin/import/apply", sync_to_thread=True)
def admin_import_apply(request: Request, rt: RT, user: Me, access: Who, data: Form) -> Template:
    admin_only(access)
    try:
        item = ops.staged(rt, data.get("token", ""))
        lines, _ = ops.run_import(rt, item, data.get("plan", "").strip(), by(request, user), dry_run=False,
                                  force=data.get("force") == "on", create_units=data.get("create_units") == "on")
    except WorkflowError as exc:
        return import_page(rt, user, status_for(exc), error=exc.message)
    return import_page(rt, user, result={"name": item.name, "lines": lines})


def calendar_page(rt, user, status: int = 200, **context) -> Template:
    from runtime import calendar as service

    base = {"tab": "calendar", "preview": None, "error": None, "result": None, "text": "",
            "state": service.status(rt)}
    return page(rt, user, "admin/calendar.html", status, **(base | context))


@get("/admin/calendar", sync_to_thread=True)
def admin_calendar(rt: RT, user: Me, access: Who) -> Template:
    admin_only(access)
    return calendar_page(rt, user)


@post("/admin/calendar", sync_to_thread=True)
def admin_calendar_preview(rt: RT, user: Me, access: Who, data: Form) -> Template:
    """The pasted notice read as the dry run reads it; nothing is stored yet."""
    from runtime import calendar as service

    admin_only(access)
    text = data.get("text", "")
    try:
        lines = service.preview(text)
    except WorkflowError as exc:
        return calendar_page(rt, user, 400, error=exc.message, text=text)
    return calendar_page(rt, user, preview={"lines": lines}, text=text)


@post("/admin/calendar/apply", sync_to_thread=True)
def admin_calendar_apply(rt: RT, user: Me, access: Who, data: Form) -> Template:
    from runtime import calendar as service

    admin_only(access)
    text = data.get("text", "")
    try:
        lines = service.import_notice(rt, text, user.username, user.id)
    except WorkflowError as exc:
        return calendar_page(rt, user, 400, error=exc.message, text=text)
    return calendar_page(rt, user, result={"lines": lines})


ROUTES: list = [admin_home, admin_units, admin_unit_save, admin_users, admin_user_add, admin_user_active,
                admin_user_role, admin_user_reset, admin_import, admin_import_preview, admin_import_apply,
                admin_calendar, admin_calendar_preview, admin_calendar_apply]
