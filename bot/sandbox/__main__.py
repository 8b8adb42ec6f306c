"""``python -m bot.sandbox``: the bot against a local Discord (see ``console.py``).

``--serve`` runs only the stand-in and prints the environment that points a bot at it, for
a bot started separately (under a debugger, or by a test harness).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.sandbox.console import Options, run_console
from bot.sandbox.server import Sandbox


async def serve(port: int) -> int:
    """Run the stand-in until SIGTERM/SIGINT; print ``KEY=value`` lines for the bot first."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sandbox = Sandbox()
    await sandbox.start(port=port)
    for key, value in sandbox.bot_env().items():
        print(f"{key}={value}", flush=True)
    print(f"SANDBOX_URL={sandbox.url}", flush=True)
    await stop.wait()
    await sandbox.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot sandbox",
        description="Run the bot against a local stand-in for Discord and talk to it as a member.",
    )
    parser.add_argument("--script", type=Path, help="read commands from this file instead of stdin")
    parser.add_argument("--member", default="alice", help="act as this member (default: alice)")
    parser.add_argument("--channel", help="act in this channel (default: the text channel)")
    parser.add_argument("--notes", help="NOTES_DIR for the bot (default: from .env / environment)")
    parser.add_argument(
        "--database",
        default="data/sandbox.sqlite3",
        help="DATABASE_PATH for the bot; kept apart from the real one (default: %(default)s)",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds to wait for the bot to connect"
    )
    parser.add_argument("--serve", action="store_true", help="run only the stand-in")
    parser.add_argument(
        "--port", type=int, default=0, help="with --serve: port (default: any free)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log the stand-in's requests")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="  sandbox │ %(levelname)s %(name)s: %(message)s",
    )
    if args.serve:
        return asyncio.run(serve(args.port))
    options = Options(
        script=args.script,
        member=args.member,
        channel=args.channel,
        notes_dir=args.notes,
        database=args.database,
        ready_timeout=args.ready_timeout,
        bot_command=(sys.executable, "-m", "bot", "run"),
    )
    try:
        return asyncio.run(run_console(options))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
