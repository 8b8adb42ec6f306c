"""A local stand-in for Discord, at the protocol level: REST, gateway, interactions.

The real bot process — real discord.py, real websocket, real HTTP — runs against it when
``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` point here. The bot never imports this
package. Entry points: ``python -m bot.sandbox`` (console), ``Sandbox`` (in-process, tests)
and ``SandboxClient`` (act as a guild member over HTTP).
"""

from bot.sandbox.client import Answer, SandboxClient, SandboxUserError
from bot.sandbox.server import Sandbox
from bot.sandbox.world import MemberSpec, SandboxConfig

__all__ = ["Answer", "MemberSpec", "Sandbox", "SandboxClient", "SandboxConfig", "SandboxUserError"]
