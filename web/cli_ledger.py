"""CLI commands (to be filled)."""


def register(sub) -> None:
    return None
