"""A measure's form sent without the page's script, with files over the request's size limit: Litestar refuses
it before any handler runs, and the text typed into the form went with it. This middleware reads such a body
as it arrives, keeps its text fields (files are read past, never kept), and lets the refusal go on; the refusal's
page (web.ui.errors.too_large_on_form) puts the text back into the form.

Only for a browser with a session (the cookie is there; who it is, is checked by the refusal's page), on the
upload paths, for a multipart body whose announced length is over the limit, reading at most READ_AT_MOST times
the limit: a larger body is refused as before, without its text.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from web.sessions import SESSION_COOKIE

SALVAGED = "reform.oversize_form"  # scope["state"] key: the form's text fields, a FormMultiDict
READ_AT_MOST = 4  # times the request limit: what is read to find the text
FIELD_BYTES = 256 * 1024  # a text field longer than this is cut (the form's own limit is 5,000 characters)
FIELDS = 64


def salvaged(scope: Any) -> FormMultiDict | None:
    """The refused form's text fields, when this middleware read them."""
    return scope.get("state", {}).get(SALVAGED)


def oversize_forms(limit: int, paths) -> Any:
    """The middleware factory (Litestar's `middleware=[...]` takes it): `limit` is the app's request body limit,
    `paths` a compiled pattern of the paths whose forms carry files."""

    def middleware(app: Any) -> Any:
        async def handle(scope: Any, receive: Any, send: Any) -> None:
            boundary = _oversize_form(scope, limit, paths)
            if boundary is None:
                await app(scope, receive, send)
                return
            # Litestar refuses on the announced length and reads none of the body: what is left here stays unread
            scope.setdefault("state", {})[SALVAGED] = FormMultiDict(await _read_text(receive, boundary,
                                                                                     limit * READ_AT_MOST))
            await app(scope, receive, send)

        return handle

    return middleware


def _oversize_form(scope: Any, limit: int, paths) -> bytes | None:
    """The multipart boundary of a form body announced over `limit`, on an upload path, with a session cookie."""
    if scope["type"] != "http" or scope["method"] != "POST" or not paths.match(scope["path"]):
        return None
    headers = {k.lower(): v for k, v in scope["headers"] if k.lower() in (b"content-length", b"content-type",
                                                                         b"cookie")}
    length = headers.get(b"content-length", b"")
    if not length.isdigit() or int(length) <= limit or SESSION_COOKIE.encode() not in headers.get(b"cookie", b""):
        return None
    kind, _, params = headers.get(b"content-type", b"").decode("latin-1").partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


async def _read_text(receive: Any, boundary: bytes, budget: int) -> list[tuple[str, str]]:
    """The text fields of the body, as (name, value), from at most `budget` bytes of it."""
    fields: list[tuple[str, str]] = []
    segment: MultipartSegment | None = None
    data = bytearray()
    read = 0
    try:
        with PushMultipartParser(boundary, max_segment_count=FIELDS + 16) as parser:
            while not parser.closed:
                message = await receive()
                if message["type"] != "http.request":
                    break  # the browser went away
                chunk = message.get("body", b"")[:budget - read]  # never past the budget, however it comes
                read += len(chunk)
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        segment, data = part, bytearray()
                    elif part:
                        if segment is not None and not segment.filename and len(data) < FIELD_BYTES:
                            data.extend(part[:FIELD_BYTES - len(data)])
                    elif segment is not None:  # the end of a part
                        if not segment.filename and len(fields) < FIELDS:
                            fields.append((segment.name, data.decode(segment.charset or "utf-8", "replace")))
                        segment = None
                if not message.get("more_body", False) or read >= budget:
                    break
    except MultipartError:  # not a well-formed form, or too many parts: the refusal goes on with what was read
        pass
    return fields
