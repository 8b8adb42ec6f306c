"""The discord.py adapter: the bot, its start-up and shutdown, and one cog per feature.

Cogs live in ``cogs/``; every module there that does not start with ``_`` is loaded at
start-up, so a new feature is a new module ending in ``async def setup(bot)``.
"""
