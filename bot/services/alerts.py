"""Operator alerts: one short message where admins look, when something needs a person.

Conditions are noticed every minute (a stopped channel stays stopped), so without a
policy the same alert would go out every minute. `AlertPolicy` sends an alert key to a
destination once until its condition clears (`resolve`) or `REPEAT_AFTER` passes, and
at most `PER_HOUR` alerts an hour per destination; what it holds back is counted into
the next one as "…and N more". Its memory is the process's: after a restart a standing
condition is said once more, which is what an operator who just restarted wants.

A server's alerts go to its alert channel and the operator's (ALERT_CHANNEL_ID); global
conditions (notes folder, database) go to the operator's and every server's.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.i18n import t
from bot.core.render import LANGUAGES, Language, Message, truncate
from bot.store import Store

log = logging.getLogger(__name__)

REPEAT_AFTER = timedelta(hours=24)
PER_HOUR = 10
HOUR = timedelta(hours=1)
CONTENT_MAX = 2000  # Discord's limit on a message's content


class AlertSender(Protocol):
    """What sending an alert needs from Discord (the digest sender provides it)."""

    async def send(self, target_id: int, message: Message, nonce: str) -> int:
        """Post a message (mentions never parsed) and return its id."""


@dataclass(frozen=True, slots=True)
class Alert:
    """A condition worth a person's attention.

    `key` names the condition (the same key is one alert); `message` is an i18n key
    formatted with `values`, and `then` another (what to do) appended to it;
    `guild_id` is None for a condition of the whole bot.
    """

    key: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)
    guild_id: int | None = None
    then: str | None = None


class AlertPolicy:
    """Deduplication and rate limiting per destination channel (pure, in memory)."""

    def __init__(self, per_hour: int = PER_HOUR, repeat_after: timedelta = REPEAT_AFTER) -> None:
        self._per_hour = per_hour
        self._repeat_after = repeat_after
        self._said: dict[tuple[int, str], datetime] = {}
        self._recent: dict[int, deque[datetime]] = {}
        self._held: dict[int, int] = {}

    def admit(self, destination: int, key: str, now: datetime) -> int | None:
        """None to stay quiet; else how many held-back alerts to mention with this one.

        A held-back alert counts as said: it is not retried, only counted.
        """
        said = self._said.get((destination, key))
        if said is not None and now - said < self._repeat_after:
            return None
        self._said[(destination, key)] = now
        recent = self._recent.setdefault(destination, deque())
        while recent and now - recent[0] >= HOUR:
            recent.popleft()
        if len(recent) >= self._per_hour:
            self._held[destination] = self._held.get(destination, 0) + 1
            return None
        recent.append(now)
        return self._held.pop(destination, 0)

    def resolve(self, key: str) -> None:
        """The condition cleared: if it comes back, it is said again."""
        for said in [s for s in self._said if s[1] == key]:
            del self._said[said]

    def standing(self, prefix: str) -> set[str]:
        """Keys beginning with `prefix` said and not resolved."""
        return {key for _, key in self._said if key.startswith(prefix)}


def render(alert: Alert, language: Language, held: int) -> str:
    """The alert's text in a server's language ("both": Korean, then English)."""
    languages = ("ko", "en") if language == "both" else (language,)
    keys = (alert.message, alert.then) if alert.then else (alert.message,)
    lines = [" ".join(t(key, lang, **alert.values) for key in keys) for lang in languages]
    if held:
        lines += [t("alert.more", lang, count=held) for lang in languages]
    return truncate("\n".join(lines), CONTENT_MAX)


def alert_nonce(destination: int, key: str, now: datetime) -> str:
    """A nonce per (destination, alert, moment): a retried request lands once."""
    seed = f"alert:{destination}:{key}:{now.isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:25]


class Alerts:
    """Sends alerts through the policy to the channels that should hear of them."""

    def __init__(
        self,
        store: Store,
        sender: AlertSender,
        global_channel: int | None,
        default_language: Language,
        policy: AlertPolicy | None = None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._global = global_channel
        self._default_language = default_language
        self.policy = policy or AlertPolicy()

    async def destinations(self, guild_id: int | None) -> dict[int, Language]:
        """Alert channels for a server's alert (None: every server's), with their language."""
        found: dict[int, Language] = {}
        for row in await self._store.digests.alert_channels():
            if guild_id is None or row.guild_id == guild_id:
                language = row.language
                found[row.channel_id] = (
                    language if language in LANGUAGES else self._default_language
                )
        if self._global is not None:
            found.setdefault(self._global, self._default_language)
        return found

    async def notify(self, alert: Alert, now: datetime | None = None) -> int:
        """Send the alert wherever the policy lets it through; returns how many were sent.

        Never raises for Discord: an alert that cannot be posted is one log line, and
        the digest or check that raised it carries on.
        """
        now = now or datetime.now(UTC)
        sent = 0
        for channel_id, language in (await self.destinations(alert.guild_id)).items():
            held = self.policy.admit(channel_id, alert.key, now)
            if held is None:
                continue
            text = render(alert, language, held)
            try:
                await self._sender.send(
                    channel_id, Message(content=text), alert_nonce(channel_id, alert.key, now)
                )
            except Exception as error:  # an alert must never stop what raised it
                log.warning(
                    "could not post alert %s in channel %s: %s", alert.key, channel_id, error
                )
                continue
            log.info("alert %s posted in channel %s", alert.key, channel_id)
            sent += 1
        return sent

    def resolve(self, key: str) -> None:
        """The condition behind `key` cleared."""
        self.policy.resolve(key)

    def resolve_others(self, prefix: str, standing: Iterable[str]) -> None:
        """Of the keys beginning with `prefix`, resolve those not in `standing`."""
        keep = set(standing)
        for key in self.policy.standing(prefix) - keep:
            self.policy.resolve(key)
