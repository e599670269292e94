"""APScheduler inside `reform serve` (to be filled by the escalation work)."""

from __future__ import annotations


def start_scheduler(runtime):
    return None
