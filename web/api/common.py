"""What every API module shares: dependency types and route decorators that document the error answers."""

from __future__ import annotations

from functools import partial

from litestar import delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from runtime.core import Runtime
from web.errors import error_responses
from workflows.access import Access

RT = NamedDependency[Runtime]
Who = NamedDependency[Access]
Text = FromQuery[str | None]
ERRORS = error_responses()

# Sync handlers run in a worker thread; every operation documents the error shape it may answer with.
api_get = partial(get, sync_to_thread=True, responses=ERRORS)
api_post = partial(post, sync_to_thread=True, responses=ERRORS)
api_patch = partial(patch, sync_to_thread=True, responses=ERRORS)
api_delete = partial(delete, sync_to_thread=True, responses=ERRORS)
