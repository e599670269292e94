"""Detail and action endpoints for every registered workflow kind, built from its registration.

Each handler's signature is built from the kind (its path parameter's name, its read model and action enum),
so the OpenAPI schema documents each kind with its own types.
"""

from __future__ import annotations

import inspect
from typing import Any

from litestar.params import FromPath, JSONBody

from web.api.common import RT, Who, api_get, api_post
from web.kinds import KINDS, Kind


def signed(fn, returns: Any, **params: Any):
    """Give `fn(**kw)` the keyword signature Litestar reads to parse and document the request."""
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=ann) for name, ann in params.items()],
        return_annotation=returns)
    fn.__annotations__ = {**params, "return": returns}
    return fn


def detail_route(kind: Kind):
    def detail(**kw):
        rt = kw["rt"]
        with rt.read() as session:
            return kind.detail(rt, session, kw["access"], kw[kind.id_param])

    signed(detail, kind.detail_type, rt=RT, access=Who, **{kind.id_param: FromPath[int]})
    return api_get(f"/api/{kind.slug}/{{{kind.id_param}:int}}", name=f"{kind.slug}-detail",
                   summary=f"一个{kind.definition.title}：可执行的操作、办理记录")(detail)


def action_route(kind: Kind):
    def act(**kw):
        rt, access, subject_id = kw["rt"], kw["access"], kw[kind.id_param]
        with rt.write() as session:  # the write alone: its locks are held only as long as the change takes
            kind.fire(rt, session, access, subject_id, str(kw["action"]), kw["data"])
        with rt.read() as session:  # the answer, read after the commit
            return kind.acted(rt, session, access, subject_id)

    signed(act, kind.detail_type, rt=RT, access=Who, **{kind.id_param: FromPath[int]},
           action=FromPath[kind.action_type], data=JSONBody[dict[str, Any]])
    return api_post(f"/api/{kind.slug}/{{{kind.id_param}:int}}/actions/{{action:str}}", name=f"{kind.slug}-act",
                    status_code=200, summary=f"办理{kind.definition.title}：执行工作流中的一项操作")(act)


ROUTES: list = [route(kind) for kind in KINDS for route in (detail_route, action_route)]
