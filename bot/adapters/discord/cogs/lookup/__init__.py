"""Looking papers up without leaving Discord.

``/paper``, ``/tag``, ``/tags``, ``/search``, ``/digest``, ``/random`` and ``/related``,
with autocomplete, pagination, a select menu to open a paper, Share and 한/EN.

- ``_cog``: the commands and their autocomplete; clicks arrive in ``Lookup.clicked``
- ``_screens``: a screen (what an answer shows) → a page (what a message holds)
- ``_components``: buttons and select menus that keep working after a restart
- ``_reply``: answering within Discord's 3 seconds, errors included
"""

from __future__ import annotations

from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.cogs.lookup._cog import Lookup


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Lookup(bot))
