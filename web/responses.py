"""Responses the API and the pages share: a workbook or document as an attachment with its Chinese name."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Response


def attachment(doc) -> Response:
    """An attachment with a Chinese name (RFC 5987) and an ASCII fallback; `doc` has content, names, media type."""
    disposition = f"attachment; filename=\"{doc.ascii_name}\"; filename*=UTF-8''{quote(doc.filename)}"
    return Response(doc.content, media_type=doc.media_type, headers={"Content-Disposition": disposition})
