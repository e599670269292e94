"""measures routes (to be filled)."""

ROUTES: list = []
