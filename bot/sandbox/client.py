"""The "user" side of the stand-in: a small client of its inspection API.

Tests and the console use it to act as a guild member — run a slash command, ask for
autocomplete, click a button — and to look at what the bot posted, without knowing how the
stand-in works inside. It talks HTTP, so the stand-in may run in-process or as a subprocess.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

INSPECT = "/_sandbox"


class SandboxUserError(Exception):
    """The stand-in refused what the member tried (as a Discord client would not offer it)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the member saw after an interaction.

    ``message`` is the response message (for a deferred response, once it was filled in);
    ``answered`` is False when the bot did not respond in time. Latencies are measured from
    the moment the stand-in dispatched the interaction.
    """

    interaction_id: str
    response_type: int | None
    ack_ms: float | None
    answer_ms: float | None
    answered: bool
    message: dict[str, Any] | None
    ephemeral: bool
    choices: list[dict[str, Any]] | None
    modal: dict[str, Any] | None
    followups: list[dict[str, Any]]

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> Answer:
        return cls(
            interaction_id=report["interaction_id"],
            response_type=report["response_type"],
            ack_ms=report["ack_ms"],
            answer_ms=report["answer_ms"],
            answered=report["answered"],
            message=report["message"],
            ephemeral=report["ephemeral"],
            choices=report["choices"],
            modal=report["modal"],
            followups=report["followups"],
        )

    @property
    def content(self) -> str:
        return str((self.message or {}).get("content", ""))

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list((self.message or {}).get("embeds", []))


class SandboxClient:
    """``async with SandboxClient(url) as user: answer = await user.command("about")``."""

    def __init__(self, base_url: str, *, member: str = "alice", channel: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.member = member
        self.channel = channel
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{self.base_url}{INSPECT}{path}"
        async with self._session.request(method, url, json=body, params=params or None) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                raise SandboxUserError(data.get("error", data) if isinstance(data, dict) else data)
            return data

    # --- looking ----------------------------------------------------------------------

    async def state(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "/state")
        return result

    async def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages visible in ``channel`` (name or id; all channels if None), oldest first."""
        params = {"channel": channel} if channel else {}
        result: list[dict[str, Any]] = await self._call("GET", "/messages", **params)
        return result

    async def requests(self) -> list[dict[str, Any]]:
        """Every REST request the bot made, with status and bodies."""
        result: list[dict[str, Any]] = await self._call("GET", "/requests")
        return result

    async def problems(self) -> list[str]:
        """Unknown routes the bot called, or responses that strayed from Discord's spec."""
        result: list[str] = await self._call("GET", "/problems")
        return result

    async def wait_until_ready(self, within: float = 30.0) -> dict[str, Any]:
        """Until the bot has identified on the gateway and registered its commands."""
        deadline = time.monotonic() + within
        while True:
            state = await self.state()
            if state["identified"] and (state["guild_commands"] or state["global_commands"]):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not become ready within {within} s: {state}")
            await asyncio.sleep(0.05)

    # --- doing ------------------------------------------------------------------------

    async def command(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        member: str | None = None,
        channel: str | None = None,
        within: float = 10.0,
    ) -> Answer:
        """Run ``/command`` (``"name sub"`` for subcommands) as ``member``; wait for the answer.

        ``within``: how long to wait for a deferred answer to be completed."""
        return await self._interact(command, options, None, member, channel, within)

    async def autocomplete(
        self,
        command: str,
        focused: str,
        options: Mapping[str, Any],
        *,
        member: str | None = None,
        channel: str | None = None,
        within: float = 10.0,
    ) -> Answer:
        """Type into option ``focused`` (its partial value is ``options[focused]``)."""
        return await self._interact(command, options, focused, member, channel, within)

    async def _interact(
        self,
        command: str,
        options: Mapping[str, Any] | None,
        focused: str | None,
        member: str | None,
        channel: str | None,
        within: float,
    ) -> Answer:
        body = {
            "command": command,
            "options": dict(options or {}),
            "focused": focused,
            "member": member or self.member,
            "channel": channel or self.channel,
            "timeout": within,
        }
        return Answer.from_report(await self._call("POST", "/interactions", body))

    async def click(
        self,
        message_id: str | int,
        custom_id: str,
        *,
        member: str | None = None,
        values: list[str] | None = None,
        within: float = 10.0,
    ) -> Answer:
        """Click the button (or choose ``values`` in the select menu) ``custom_id``."""
        body = {
            "message_id": str(message_id),
            "custom_id": custom_id,
            "member": member or self.member,
            "values": values,
            "timeout": within,
        }
        return Answer.from_report(await self._call("POST", "/clicks", body))

    async def interaction(self, interaction_id: str) -> Answer:
        """The interaction as it stands now (e.g. followups sent after the answer)."""
        return Answer.from_report(await self._call("GET", f"/interactions/{interaction_id}"))

    # --- breaking ---------------------------------------------------------------------

    async def inject_fault(
        self,
        status: int | None = None,
        *,
        route: str | None = None,
        nth: int = 1,
        delay: float = 0.0,
        answer_delay: float = 0.0,
        retry_after: float = 1.0,
    ) -> None:
        """Make the ``nth`` matching REST request fail with ``status`` (429/500/403) and/or
        wait ``delay`` seconds first, or ``answer_delay`` seconds after it took effect.
        ``route`` like ``"POST /channels/{channel_id}/messages"``."""
        body = {
            "status": status,
            "route": route,
            "nth": nth,
            "delay": delay,
            "answer_delay": answer_delay,
            "retry_after": retry_after,
        }
        await self._call("POST", "/faults", body)

    async def forget_nonces(self) -> int:
        """Let Discord's few-minute nonce window pass: a nonce sent again posts a new message.
        Returns how many nonces were forgotten."""
        result: dict[str, int] = await self._call("POST", "/nonces/forget", {})
        return result["forgotten"]

    async def drop_gateway(self, code: int | None = None) -> int:
        """Break the bot's gateway connection (abruptly, or with close ``code``)."""
        result: dict[str, int] = await self._call("POST", "/gateway/drop", {"code": code})
        return result["dropped"]

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        await self._call("POST", "/gateway/reconnect", {})
