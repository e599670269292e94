"""A unit's group robots and how its people are reached: listed, added and removed on 管理, or named in units.toml.

The robot kinds are the channel's (notifications.robots.KINDS); the edge passes them in, as this layer does not
know the channels. URLs and secrets are stored sealed (engine.sealing: the URL holds the robot's token) and never
shown back in full (the pages mask them); one robot per URL, found by the URL's keyed digest.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlalchemy import select, text
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from engine.errors import BadRequest, NotFound
from engine.sealing import PREFIX, UNREADABLE, Sealer, sealer_of
from workflows.accounts_models import User
from workflows.models import REACH_LABELS, Unit, UnitWebhook

URL = re.compile(r"^https?://[^\s/?#]+\S*$")
MANUAL, CONFIG = "manual", "config"  # added on 管理, or named in units.toml


class WebhookRefused(BadRequest):
    """A webhook or a channel choice that cannot be kept."""


def checked(url: str, kind: str, secret: str, name: str, kinds: Collection[str]) -> tuple[str, str, str, str]:
    url, kind, secret, name = url.strip(), kind.strip(), secret.strip(), name.strip()
    if not URL.match(url) or len(url) > 1000:
        raise WebhookRefused("机器人地址应为 http:// 或 https:// 开头的完整网址（最多 1000 个字符）",
                             detail=f"bad webhook url ({len(url)} chars)")
    if kind not in kinds:
        raise WebhookRefused(f"未知的机器人类型“{kind}”，可选：{'、'.join(kinds)}", detail=f"kind {kind!r}")
    if len(secret) > 255 or len(name) > 128:
        raise WebhookRefused("加签密钥最多 255 个字符，群名称最多 128 个字符")
    return url, kind, secret, name


def unit_of(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该单位", detail=f"unit {unit_id} not found")
    return unit


def robots_by_unit(session: Session) -> dict[int, list[UnitWebhook]]:
    """Every active robot, by unit, oldest first."""
    found: dict[int, list[UnitWebhook]] = {}
    stmt = select(UnitWebhook).where(UnitWebhook.active).order_by(UnitWebhook.unit_id, UnitWebhook.id)
    for hook in session.execute(stmt).scalars():
        found.setdefault(hook.unit_id, []).append(hook)
    return found


def put(session: Session, unit_id: int, url: str, kind: str, secret: str, name: str, kinds: Collection[str],
        source: str = MANUAL) -> tuple[UnitWebhook, bool]:
    """Add a robot, or update the one with this URL (an empty secret keeps the stored one); (robot, changed)."""
    url, kind, secret, name = checked(url, kind, secret, name, kinds)
    unit_of(session, unit_id)
    digest = sealer_of(session).digest(url)
    hook = session.execute(select(UnitWebhook).where(UnitWebhook.unit_id == unit_id, UnitWebhook.url_digest == digest)
                           ).scalars().first() or _unsealed(session, unit_id, url) \
        or UnitWebhook(unit_id=unit_id, url=url, kind=kind)
    before = (hook.kind, hook.secret, hook.name, hook.source, hook.active, hook.url_digest) if hook.id else None
    hook.kind, hook.secret, hook.url_digest = kind, secret or hook.secret, digest
    if hook.secret == UNREADABLE:  # sealed under a former key, and not entered again: nothing to sign with
        hook.secret = ""
    hook.name, hook.source, hook.active = name or hook.name, source, True
    changed = before != (hook.kind, hook.secret, hook.name, hook.source, hook.active, hook.url_digest)
    if changed:
        session.add(hook)
        session.flush()
    return hook, changed


def _unsealed(session: Session, unit_id: int, url: str) -> UnitWebhook | None:
    """The unit's robot with this URL among those written before sealing (no digest yet), to seal it in place."""
    rows = session.execute(select(UnitWebhook).where(UnitWebhook.unit_id == unit_id, UnitWebhook.url_digest.is_(None))
                           ).scalars()
    found = next((hook for hook in rows if hook.url == url), None)
    if found is not None:
        flag_modified(found, "url")
        flag_modified(found, "secret")
    return found


def seal_all(session: Session) -> int:
    """Seal the robots written in the clear before sealing (`reform init` calls it); how many were."""
    raw = session.execute(text("SELECT id FROM unit_webhook WHERE url NOT LIKE :p OR url_digest IS NULL "
                               "OR (secret <> '' AND secret NOT LIKE :p)"), {"p": f"{PREFIX}%"}).scalars().all()
    sealer = sealer_of(session)
    for hook in session.execute(select(UnitWebhook).where(UnitWebhook.id.in_(raw))).scalars() if raw else ():
        if hook.url == UNREADABLE:
            continue
        hook.url_digest = sealer.digest(hook.url)
        flag_modified(hook, "url")
        if hook.secret != UNREADABLE:
            flag_modified(hook, "secret")
        session.add(hook)
    session.flush()
    return len(raw)


def remove(session: Session, unit_id: int, webhook_id: int) -> UnitWebhook:
    """Stop using a robot. Kept as a row (inactive): queued notices to it then fail visibly, not silently."""
    hook = session.get(UnitWebhook, webhook_id)
    if hook is None or hook.unit_id != unit_id:
        raise NotFound("找不到该机器人", detail=f"webhook {webhook_id} of unit {unit_id} not found")
    hook.active = False
    session.add(hook)
    return hook


def set_unit_reach(session: Session, unit_id: int, reach: str) -> Unit:
    unit = unit_of(session, unit_id)
    unit.reach = _reach(reach, allow_default=False) or unit.reach
    session.add(unit)
    return unit


def set_user_reach(session: Session, user_id: int, reach: str) -> User:
    """A person's own choice; "" returns them to their unit's setting."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户", detail=f"user {user_id} not found")
    user.reach = _reach(reach, allow_default=True)
    session.add(user)
    return user


def _reach(reach: str, allow_default: bool) -> str | None:
    reach = (reach or "").strip()
    if not reach and allow_default:
        return None
    if reach not in REACH_LABELS:
        raise WebhookRefused(f"未知的通知方式“{reach}”，可选：{'、'.join(REACH_LABELS.values())}",
                             detail=f"reach {reach!r}")
    return reach


def reseal(session: Session, former: Sealer) -> tuple[list[tuple[int, int]], list[int]]:
    """After REFORM_SECRET_KEY changed: the robots sealed under the `former` key sealed again under the current
    one; ((unit id, robot id) of those resealed, ids neither key opens). A robot already readable is left as is."""
    current = sealer_of(session)
    rows = session.execute(text("SELECT id, url, secret FROM unit_webhook ORDER BY id")).all()
    resealed, lost = [], []
    for row_id, url, secret in rows:
        values = {}
        for column, raw in (("url", url), ("secret", secret)):
            if not raw or not raw.startswith(PREFIX):
                continue  # empty, or in the clear (seal_all's work)
            label = UnitWebhook.__table__.c[column].type.label
            if current.open(raw, label) != UNREADABLE:
                continue
            opened = former.open(raw, label)
            if opened == UNREADABLE:
                lost.append(row_id)
                break
            values[column] = opened
        else:
            if values:
                hook = session.get(UnitWebhook, row_id)
                for column, plain in values.items():
                    setattr(hook, column, plain)
                if "url" in values:
                    hook.url_digest = current.digest(values["url"])
                session.add(hook)
                resealed.append((hook.unit_id, row_id))
    session.flush()
    return resealed, sorted(set(lost))
