"""Evidence downloads, the same for the API and the pages: checked per object, sent with its own name."""

from __future__ import annotations

from litestar.response import File

from engine.db import read_session
from engine.decide import Actor
from runtime.core import Runtime
from workflows import evidence


def evidence_file(rt: Runtime, actor: Actor, evidence_id: int) -> File:
    with read_session(rt.engine) as session:
        ev, path = evidence.for_download(session, rt.evidence_store, evidence_id, actor)
    return File(path, filename=ev.filename, media_type=ev.content_type,
                headers={"content-disposition": evidence.content_disposition(ev.filename),
                         "x-content-type-options": "nosniff"})
