"""/schema: the API's operations as a plain page, rendered here from the OpenAPI document.

Litestar's default page at /schema loads Redoc from a CDN and runs inline script: our Content-Security-Policy
(script-src 'self') blocks both, and a government intranet reaches no CDN anyway, so operators found a blank
page. This one needs no script: each operation with its method, path, summary, parameters and answers, grouped
by tag, and a link to the document itself (/schema/openapi.json) for tools.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

METHODS = ("get", "post", "put", "patch", "delete")


def operations(schema: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(heading, operations) in the document's order of paths: an operation's tags, or without one the path's
    first two segments (/api/measures)."""
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for path, item in (schema.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [(p.get("in", ""), p.get("name", ""), bool(p.get("required")), p.get("description") or "")
                      for p in [*shared, *(op.get("parameters") or [])]]
            codes = sorted(op.get("responses") or {})
            entry = {"method": method.upper(), "path": path, "summary": op.get("summary") or "",
                     "description": op.get("description") or "", "parameters": params,
                     "success": [c for c in codes if c.startswith("2")],
                     "errors": [c for c in codes if not c.startswith("2")],
                     "body": "requestBody" in op}
            for tag in op.get("tags") or [_section(path)]:
                by_tag.setdefault(tag, []).append(entry)
    return list(by_tag.items())


def _section(path: str) -> str:
    return "/" + "/".join(path.strip("/").split("/")[:2])


class ApiIndexPlugin(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        info = openapi_schema.get("info") or {}
        template = request.app.template_engine.get_template("api_index.html")  # the pages' own engine
        return template.render(title=info.get("title", ""), version=info.get("version", ""),
                                  json_url=self.get_openapi_json_route(request),
                                  groups=operations(openapi_schema)).encode()
