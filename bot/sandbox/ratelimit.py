"""Per-route rate-limit buckets and the global limit, with Discord's headers (topics/rate-limits).

Discord does not publish per-route numbers; the defaults below are the commonly reported ones
(DISCORD.md, "Rate limits"). What matters for the bot is the mechanism: the headers tell a
well-behaved client when to wait, and a client that ignores them gets ``429`` with
``retry_after`` — which discord.py honours only if the ``Via`` header is present.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.sandbox.errors import ApiError


@dataclass(frozen=True, slots=True)
class Rule:
    limit: int
    window: float  # seconds


DEFAULT_RULE = Rule(50, 1.0)
ROUTE_RULES: Mapping[str, Rule] = {
    "POST /channels/{channel_id}/messages": Rule(5, 5.0),
    "PATCH /channels/{channel_id}/messages/{message_id}": Rule(5, 5.0),
    "DELETE /channels/{channel_id}/messages/{message_id}": Rule(5, 1.0),
    "POST /channels/{channel_id}/messages/{message_id}/crosspost": Rule(10, 3600.0),
    "POST /channels/{channel_id}/messages/{message_id}/threads": Rule(5, 5.0),
    "POST /webhooks/{webhook_id}/{webhook_token}": Rule(5, 2.0),
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original": Rule(5, 2.0),
    "PUT /applications/{application_id}/commands": Rule(2, 10.0),
    "PUT /applications/{application_id}/guilds/{guild_id}/commands": Rule(2, 10.0),
}
GLOBAL_RULE = Rule(50, 1.0)


class RateLimited(ApiError):
    """A 429 with Discord's body and headers."""

    def __init__(
        self,
        retry_after: float,
        headers: dict[str, str],
        *,
        is_global: bool,
        code: int = 0,
        message: str = "You are being rate limited.",
    ) -> None:
        super().__init__(
            429,
            code,
            message,
            extra={"retry_after": round(retry_after, 3), "global": is_global},
        )
        self.headers = {
            **headers,
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            self.headers["X-RateLimit-Global"] = "true"


@dataclass
class _Window:
    rule: Rule
    started: float
    used: int = 0


class RateLimiter:
    """Fixed-window buckets keyed by bucket hash + major parameters, as Discord keys them."""

    def __init__(
        self,
        clock: Callable[[], float],
        overrides: Mapping[str, Rule] | None = None,
        *,
        enabled: bool = True,
    ) -> None:
        self._clock = clock
        self._rules = {**ROUTE_RULES, **(overrides or {})}
        self._windows: dict[str, _Window] = {}
        self._global = _Window(GLOBAL_RULE, clock())
        self.enabled = enabled

    def hit(self, route_key: str, major: str, *, counts_globally: bool) -> dict[str, str]:
        """Count one request; return the headers to send, or raise ``RateLimited``."""
        now = self._clock()
        rule = self._rules.get(route_key, DEFAULT_RULE)
        bucket = hashlib.sha1(route_key.encode()).hexdigest()[:32]
        window = self._windows.get(f"{bucket}:{major}")
        if window is None or now - window.started >= rule.window:
            window = self._windows[f"{bucket}:{major}"] = _Window(rule, now)
        reset_after = max(0.0, rule.window - (now - window.started))
        headers = {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        }
        if not self.enabled:
            headers["X-RateLimit-Remaining"] = str(rule.limit)
            return headers
        if counts_globally:
            if now - self._global.started >= GLOBAL_RULE.window:
                self._global = _Window(GLOBAL_RULE, now)
            if self._global.used >= GLOBAL_RULE.limit:
                retry = GLOBAL_RULE.window - (now - self._global.started)
                raise RateLimited(retry, {}, is_global=True)
        if window.used >= rule.limit:
            headers["X-RateLimit-Remaining"] = "0"
            raise RateLimited(reset_after, headers, is_global=False)
        window.used += 1
        if counts_globally:
            self._global.used += 1
        headers["X-RateLimit-Remaining"] = str(rule.limit - window.used)
        return headers
