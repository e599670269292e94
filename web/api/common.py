"""What every API module shares: dependency types and route decorators that document the error answers."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from litestar import delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from engine.db import MAX_ID
from runtime.core import Runtime
from web.errors import error_responses
from workflows.access import Access

RT = NamedDependency[Runtime]
Who = NamedDependency[Access]
TEXT_PARAM_MAX = 200  # a filter or a search word, never a document
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in any text)
Text = Annotated[str | None, QueryParameter(max_length=TEXT_PARAM_MAX, pattern=PRINTABLE)]
IdParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]  # an id the database can hold, else 400
ERRORS = error_responses()

# Sync handlers run in a worker thread; every operation documents the error shape it may answer with.
api_get = partial(get, sync_to_thread=True, responses=ERRORS)
api_post = partial(post, sync_to_thread=True, responses=ERRORS)
api_patch = partial(patch, sync_to_thread=True, responses=ERRORS)
api_delete = partial(delete, sync_to_thread=True, responses=ERRORS)
