"""Web pages (to be filled)."""

ROUTES: list = []
