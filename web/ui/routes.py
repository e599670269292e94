"""Web pages for people: one module per area, collected here for the app.

They are registered through one Router: Litestar 2.25 wraps a sync_to_thread handler twice when
another handler for the same path is registered on the app separately (a GET page and its POST
form), and the page then fails with "'coroutine' object has no attribute 'to_asgi_response'".
"""

from litestar import Router

from web.ui import (
         admin,
         admin_audit,
         admin_robots,
         auth,
         cockpit,
         documents,
         help,
         ledger,
         mail,
         measure,
         overview,
         preferences,
         problems,
         supervision,
         workbench,
)

PAGES = [*auth.ROUTES, *workbench.ROUTES, *ledger.ROUTES, *measure.ROUTES, *overview.ROUTES, *help.ROUTES,
         *mail.ROUTES, *admin.ROUTES, *admin_audit.ROUTES,
         *admin_robots.ROUTES, *preferences.ROUTES,
         *problems.ROUTES, *supervision.ROUTES, *documents.ROUTES, *cockpit.ROUTES]
ROUTES: list = [Router(path="/", route_handlers=PAGES, include_in_schema=False)]
