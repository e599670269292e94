"""The organisation's vocabulary, declared once: roles, role groups, unit kinds and their Chinese names."""

from __future__ import annotations

from engine.definition import Role, RoleGroup, Roles

STAFF, HEAD, SUPERVISOR, OFFICE, LEADER, ADMIN = "unit_staff", "unit_head", "supervisor", "office", "leader", "admin"

ORG = Roles(
    roles=(
        Role(STAFF, "单位经办人", "#1e6fb8"),
        Role(HEAD, "单位负责人", "#1e6fb8"),
        Role(SUPERVISOR, "督查办", "#c25e00"),
        Role(OFFICE, "营商办", "#00796b"),
        Role(LEADER, "区领导", "#ad1457"),
        Role(ADMIN, "系统管理员", "#6a1b9a"),
    ),
    groups=(
        RoleGroup("unit", "牵头单位", frozenset({STAFF, HEAD})),  # act only on their units' subjects
        RoleGroup("central", "督查办、营商办", frozenset({SUPERVISOR, OFFICE})),
        RoleGroup("see_all", "可查看全部", frozenset({SUPERVISOR, OFFICE, LEADER, ADMIN})),
        RoleGroup("cockpit", "驾驶舱", frozenset({SUPERVISOR, OFFICE, LEADER})),
        RoleGroup("leaders", "区领导", frozenset({LEADER})),
        RoleGroup("outbox", "可查看邮件发送", frozenset({SUPERVISOR, OFFICE, ADMIN})),
        RoleGroup("administration", "系统管理", frozenset({ADMIN})),
        RoleGroup("calendar", "工作日历提醒", frozenset({SUPERVISOR, ADMIN})),  # told when next year's notice is due
    ),
)

UNIT_ROLES = ORG.group("unit")
SEE_ALL = ORG.group("see_all")

# Units: the lead units a ledger names, and the two offices every deployment has.
UNIT_LEAD, UNIT_SUPERVISOR, UNIT_OFFICE = "lead", "supervisor", "office"
UNIT_KIND_LABELS = {UNIT_LEAD: "牵头单位", UNIT_SUPERVISOR: "督查办", UNIT_OFFICE: "营商办"}
HOME_KIND = {SUPERVISOR: UNIT_SUPERVISOR, OFFICE: UNIT_OFFICE}  # the unit a central role's users belong to
