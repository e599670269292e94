"""escalations routes (to be filled)."""

ROUTES: list = []
