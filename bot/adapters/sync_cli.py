"""`paper-digest-bot sync`: register the slash commands now, one scope at a time.

The running bot registers its own scope at start, and only when its commands changed
since the last registration (`PaperBot.sync_commands`); it never deletes another
scope's. This command is for the rest: register again after commands were removed by
hand, or clear a scope, e.g. the global commands a development run once registered
(`--global --clear`), or a development server's (`--guild ID --clear`). It logs in over
HTTP only (no gateway session), loads the same command tree as the bot, and records what
it registered in the store so the next start does not register it again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.adapters import exitcodes
from bot.adapters.check import NO_TOKEN_FIX, TOKEN_FIX
from bot.config import Settings
from bot.store import Store


def add_sync_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `sync` on the CLI's subcommands."""
    p = sub.add_parser(
        "sync",
        help="register the slash commands with Discord now (one scope; --clear removes them)",
        description="Touches one scope only: the global commands (--global), one server's"
        " (--guild ID), or by default where the bot registers them (DISCORD_GUILD_ID's"
        " server, else global). Safe beside a running bot.",
    )
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "--global", dest="everywhere", action="store_true", help="the global commands"
    )
    scope.add_argument("--guild", type=int, metavar="ID", help="the commands of server ID")
    p.add_argument(
        "--clear", action="store_true", help="remove every command of that scope instead"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """`sync`: one line (or JSON) naming the scope and what it now holds."""
    if not settings.discord_token:
        print(f"error: DISCORD_TOKEN is not set: {NO_TOKEN_FIX}", file=sys.stderr)
        return exitcodes.UNUSABLE
    guild_id = None if args.everywhere else (args.guild or settings.discord_guild_id)
    return asyncio.run(_sync(settings, settings.discord_token, guild_id, args))


async def _sync(
    settings: Settings, token: str, guild_id: int | None, args: argparse.Namespace
) -> int:
    # discord.py loads only for the commands that talk to Discord.
    import discord

    from bot.adapters.discord.app import PaperBot

    class Registrar(PaperBot):
        """The bot's command tree without a gateway session; it registers nothing by
        itself, so the scope is the operator's choice."""

        async def setup_hook(self) -> None:
            await self.load_commands()

    where = "global" if guild_id is None else f"guild {guild_id}"
    async with Store.open(settings.database_path) as store, Registrar(settings, store) as bot:
        try:
            await bot.login(token)
            guild = None if guild_id is None else discord.Object(guild_id)
            await bot.sync_commands(guild, force=True, clear=args.clear)
        except discord.LoginFailure:
            print(f"error: Discord rejected DISCORD_TOKEN: {TOKEN_FIX}", file=sys.stderr)
            return exitcodes.BAD_TOKEN
        except discord.HTTPException as error:
            print(
                f"error: Discord refused the {where} commands ({error.status}: {error.text}):"
                " for a server, is the bot in it with the applications.commands scope?",
                file=sys.stderr,
            )
            return exitcodes.FAILURE
        except OSError as error:
            print(
                f"error: Discord not reachable at {settings.discord_api_base_url} ({error}):"
                " check the network, or DISCORD_API_BASE_URL",
                file=sys.stderr,
            )
            return exitcodes.FAILURE
    names = sorted({name.split(" ")[0] for name in bot.command_mentions})
    if args.json:
        print(json.dumps({"scope": where, "cleared": args.clear, "commands": names}))
    elif args.clear:
        print(f"{where}: every command removed")
    else:
        print(f"{where}: {len(names)} command(s) registered: {', '.join(names)}")
    return exitcodes.OK
