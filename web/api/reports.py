"""reports routes (to be filled)."""

ROUTES: list = []
