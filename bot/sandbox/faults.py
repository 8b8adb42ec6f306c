"""Fault injection: make the Nth matching REST request fail or wait, like a bad day at Discord."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox import errors
from bot.sandbox.errors import ApiError
from bot.sandbox.ratelimit import RateLimited

FAULT_STATUSES = (429, 500, 403)


@dataclass
class Fault:
    """``status`` 429 / 500 / 403 (Missing Permissions, 50013), or None with delays only.

    ``route`` is a route key such as ``"POST /channels/{channel_id}/messages"`` (None: any);
    ``nth`` counts matching requests from when the fault was added (1 = the next one).
    ``delay`` holds the request before Discord acts on it; ``answer_delay`` holds the answer
    after it acted — a client that gives up (or dies) meanwhile never learns that its
    message was posted, the case a sender must recover from without posting it twice.
    """

    status: int | None = None
    route: str | None = None
    nth: int = 1
    delay: float = 0.0
    answer_delay: float = 0.0
    retry_after: float = 1.0
    seen: int = 0

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in FAULT_STATUSES:
            raise ValueError(f"fault status must be one of {FAULT_STATUSES}, not {self.status}")
        if self.nth < 1:
            raise ValueError("nth counts from 1")

    def error(self) -> ApiError | None:
        if self.status == 429:
            return RateLimited(self.retry_after, {"X-RateLimit-Remaining": "0"}, is_global=False)
        if self.status == 500:
            return ApiError(500, 0, "500: Internal Server Error")
        if self.status == 403:
            return errors.missing_permissions()
        return None


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def take(self, route_key: str) -> Fault | None:
        """Count this request against every matching fault; return the one that fires."""
        fired = None
        for fault in list(self.pending):
            if fault.route not in (None, route_key):
                continue
            fault.seen += 1
            if fault.seen == fault.nth and fired is None:
                self.pending.remove(fault)
                fired = fault
        return fired
