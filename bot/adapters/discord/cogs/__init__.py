"""Slash-command cogs: one module per user-facing feature, ending in ``async def setup(bot)``."""
