"""Paper digest bot: daily paper notes → a Discord digest and a searchable library.

Layers, one direction (callers above, what they use below):

- ``bot.adapters`` — CLI, discord.py bot and cogs, APScheduler jobs
- ``bot.services`` — ingest, lookup, digest: orchestrate store + core
- ``bot.store`` — aiosqlite store: schema, migrations, FTS, ledger
- ``bot.core`` — pure: notes parser, text normalisation, query building, rendering

``bot.sandbox`` is a local stand-in for Discord; the bot never imports it.
"""
