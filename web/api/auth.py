"""auth routes (to be filled)."""

ROUTES: list = []
