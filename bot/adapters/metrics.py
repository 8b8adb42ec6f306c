"""Prometheus metrics: what the bot did and how it stands, served on /metrics.

Everything lives in the bot's own `CollectorRegistry` rather than the process-wide
one, so two bots (or two tests) in one process never share counts. Label values
come from fixed sets or from the bot's own command names, never from user text:
each distinct value is a new series the operator's Prometheus stores forever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

Kind = Literal["command", "autocomplete", "component"]
Outcome = Literal["ok", "user_error", "error"]
IngestOutcome = Literal["ok", "refused", "error"]
# Seconds from an interaction's creation to its first response; Discord's deadline is 3 s.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)


class Metrics:
    """The bot's metrics, one instance per bot (`bot.metrics`), with the calls that move them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._interactions = Counter(
            "paperbot_interactions",
            "Interactions handled, by kind, command and how they ended",
            ["kind", "command", "outcome"],
            registry=r,
        )
        self._latency = Histogram(
            "paperbot_interaction_latency_seconds",
            "Seconds from an interaction's creation (its snowflake) to the bot's first response",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._delivered = Counter(
            "paperbot_digest_messages_delivered", "Digest messages posted to Discord", registry=r
        )
        self._failed = Counter(
            "paperbot_digest_messages_failed",
            "Attempts to post a digest message that failed (retried ones included)",
            registry=r,
        )
        self._stopped = Gauge(
            "paperbot_digest_channels_stopped",
            "Digest channels stopped by a permanent failure until an admin resumes them",
            registry=r,
        )
        self._pending = Gauge(
            "paperbot_ledger_parts_pending",
            "Digest message parts in the ledger not yet confirmed sent",
            registry=r,
        )
        self._ingests = Counter(
            "paperbot_ingest_runs", "Notes ingest runs, by outcome", ["outcome"], registry=r
        )
        self._problems = Gauge(
            "paperbot_notes_problems", "Problems the last ingest found in the notes", registry=r
        )
        self._gateway = Gauge(
            "paperbot_gateway_latency_seconds",
            "Discord gateway heartbeat latency (NaN before the first heartbeat)",
            registry=r,
        )
        self._last_digest = Gauge(
            "paperbot_last_digest_success_timestamp_seconds",
            "Unix time the last digest was fully delivered (0: none since start)",
            registry=r,
        )
        # Series that exist from the start, so a rate or an alert has a zero to begin from.
        for kind in get_args(Kind):
            self._latency.labels(kind)
        for outcome in get_args(IngestOutcome):
            self._ingests.labels(outcome)

    def interaction(self, kind: Kind, command: str, outcome: Outcome) -> None:
        """Count one handled interaction (`command`: a registered command's name)."""
        self._interactions.labels(kind, command, outcome).inc()

    def interaction_latency(self, kind: Kind, seconds: float) -> None:
        """Record how long an interaction waited for its first response."""
        self._latency.labels(kind).observe(max(seconds, 0.0))

    def delivered(self, n: int = 1) -> None:
        """`n` digest messages reached Discord."""
        self._delivered.inc(n)

    def failed(self, n: int = 1) -> None:
        """`n` attempts to post a digest message failed."""
        self._failed.inc(n)

    def digest_succeeded(self, when: datetime) -> None:
        """A digest was delivered completely at `when` (timezone-aware)."""
        self._last_digest.set(when.timestamp())

    def ingest(self, outcome: IngestOutcome, problems: int | None = None) -> None:
        """Count an ingest run; `problems` (when it read the notes) sets the problems gauge."""
        self._ingests.labels(outcome).inc()
        if problems is not None:
            self._problems.set(problems)

    def gateway_latency(self, seconds: float) -> None:
        """The gateway's current heartbeat latency (`bot.latency`)."""
        self._gateway.set(seconds)

    def store_gauges(self, stopped_channels: int, pending_parts: int) -> None:
        """The gauges read from the store when /metrics is scraped."""
        self._stopped.set(stopped_channels)
        self._pending.set(pending_parts)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)
