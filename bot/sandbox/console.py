"""``python -m bot.sandbox``: the stand-in plus the real bot process, in one terminal.

Starts the stand-in, starts ``python -m bot run`` against it exactly as an operator would,
prints what the bot posts, and reads commands — from the keyboard, a pipe, or ``--script`` —
so a newcomer sees the bot work without a Discord application, and tests can drive it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.sandbox.interactions import UserError
from bot.sandbox.render import render_answer, render_message
from bot.sandbox.server import Sandbox

HELP = """\
Type what a member would type in Discord:
  /about                          run a slash command
  /paper title:samba              options as name:value (quote values with spaces, or not)
  /digest-admin post-now          subcommands as words after the command
  complete /paper title:sam       ask for autocomplete on the last option
  click <custom_id> [message_id]  click a button (default: the newest message that has it)
  as <member>                     act as another member ({members})
  in <channel>                    act in another channel ({channels})
  messages [channel]              show what is in a channel
  drop                            drop the bot's gateway connection (it should resume)
  help, quit"""


@dataclass
class Prompt:
    """Who types where; the console's only state besides the stand-in."""

    member: str
    channel: str
    seen: list[dict[str, Any]] = field(default_factory=list)  # answers, newest last


@dataclass
class ParsedCommand:
    path: str
    options: dict[str, str]
    last_option: str | None


def parse_command(line: str) -> ParsedCommand:
    """``/name sub opt:value more words opt2:"x"`` → path ``name sub`` and options.

    Words after an option without a ``name:`` prefix continue its value, so multi-word
    values need no quotes (as in Discord's own input box).
    """
    tokens = shlex.split(line.strip().lstrip("/"))
    if not tokens:
        raise UserError("type a command after /")
    path = [tokens[0]]
    options: dict[str, str] = {}
    last: str | None = None
    for token in tokens[1:]:
        name, sep, value = token.partition(":")
        if sep and name.replace("-", "").replace("_", "").isalnum():
            options[name] = value
            last = name
        elif last is not None:
            options[last] = f"{options[last]} {token}"
        else:
            path.append(token)
    return ParsedCommand(" ".join(path), options, last)


class Console:
    def __init__(self, sandbox: Sandbox, out: TextIO, prompt: Prompt) -> None:
        self.sandbox = sandbox
        self.out = out
        self.prompt = prompt

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def on_event(self, kind: str, payload: dict[str, Any]) -> None:
        """Print what the bot does in channels as it happens."""
        if kind in ("message_create", "message_update"):
            channel = self._channel_label(payload.get("channel_id"))
            verb = "posted" if kind == "message_create" else "updated"
            self.say(f"◆ bot {verb}:\n" + render_message(payload, channel))
        elif kind == "message_delete":
            self.say(f"◆ bot deleted message {payload['id']}")
        elif kind == "thread":
            self.say(f"◆ bot started thread {payload['name']!r}")
        elif kind == "commands":
            where = "guild" if payload["guild_id"] else "global"
            names = ", ".join(f"/{n}" for n in payload["names"]) or "(none)"
            self.say(f"◆ bot registered {where} commands: {names}")

    def _channel_label(self, channel_id: Any) -> str:
        channel = self.sandbox.world.channel_by_name(str(channel_id))
        return f"#{channel.name}" if channel else str(channel_id)

    def help(self) -> str:
        world = self.sandbox.world
        members = ", ".join(
            f"{m.username}{' (Manage Server)' if m.manage_guild else ''}"
            for m in world.members.values()
        )
        channels = ", ".join(f"#{c.name}" for c in world.channels.values() if c.guild_id)
        return HELP.format(members=members, channels=channels)

    async def handle(self, line: str) -> bool:
        """Run one input line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        word, _, rest = line.partition(" ")
        try:
            if word in ("quit", "exit"):
                return False
            if word == "help":
                self.say(self.help())
            elif word == "as":
                self._switch_member(rest.strip())
            elif word == "in":
                self._switch_channel(rest.strip())
            elif word == "messages":
                self._show_messages(rest.strip() or self.prompt.channel)
            elif word == "drop":
                dropped = await self.sandbox.gateway.drop()
                self.say(f"dropped {dropped} gateway connection(s); the bot should resume")
            elif word == "click":
                await self._click(rest.split())
            elif word == "complete":
                await self._command(rest, autocomplete=True)
            elif line.startswith("/"):
                await self._command(line, autocomplete=False)
            else:
                self.say(f"unknown input {line!r}; type help")
        except (UserError, ValueError) as exc:
            self.say(f"✗ {exc}")
        return True

    def _switch_member(self, name: str) -> None:
        member = self.sandbox.world.member_by_name(name)
        if member is None:
            raise UserError(f"no member {name!r}")
        self.prompt.member = member.username
        self.say(f"you are now {member.username}")

    def _switch_channel(self, name: str) -> None:
        channel = self.sandbox.world.channel_by_name(name.lstrip("#"))
        if channel is None:
            raise UserError(f"no channel {name!r}")
        self.prompt.channel = channel.name
        self.say(f"you are now in #{channel.name}")

    def _show_messages(self, name: str) -> None:
        channel = self.sandbox.world.channel_by_name(name.lstrip("#"))
        if channel is None:
            raise UserError(f"no channel {name!r}")
        if not channel.messages:
            self.say(f"#{channel.name} is empty")
        for message in channel.messages.values():
            self.say(render_message(message, f"#{channel.name}"))

    async def _command(self, text: str, *, autocomplete: bool) -> None:
        parsed = parse_command(text)
        world = self.sandbox.world
        member = world.member_by_name(self.prompt.member)
        channel = world.channel_by_name(self.prompt.channel)
        if member is None or channel is None:
            raise UserError("pick a member and a channel first (as …, in …)")
        focused = parsed.last_option if autocomplete else None
        if autocomplete and focused is None:
            raise UserError("complete needs an option to type into, e.g. complete /paper title:sam")
        interaction = self.sandbox.interactions.command(
            parsed.path, parsed.options, member, channel, focused=focused
        )
        report = await self.sandbox.run(interaction, within=30.0)
        self.prompt.seen.append(report)
        self.say(render_answer(text.strip(), member.username, report, f"#{channel.name}"))

    async def _click(self, args: list[str]) -> None:
        if not args:
            raise UserError("click <custom_id> [message_id]")
        custom_id = args[0]
        message_id = int(args[1]) if len(args) > 1 else self._newest_with(custom_id)
        member = self.sandbox.world.member_by_name(self.prompt.member)
        if member is None:
            raise UserError("pick a member first (as …)")
        interaction = self.sandbox.interactions.click(message_id, custom_id, member)
        report = await self.sandbox.run(interaction, within=30.0)
        self.prompt.seen.append(report)
        channel = f"#{interaction.channel.name}"
        self.say(render_answer(f"click {custom_id}", member.username, report, channel))

    def _newest_with(self, custom_id: str) -> int:
        candidates = [
            m for c in self.sandbox.world.channels.values() for m in c.messages.values()
        ] + [r["message"] for r in self.prompt.seen if r["message"]]
        for message in sorted(candidates, key=lambda m: int(m["id"]), reverse=True):
            rows = message.get("components", [])
            if any(
                item.get("custom_id") == custom_id
                for row in rows
                for item in row.get("components", [])
            ):
                return int(message["id"])
        raise UserError(f"no message has a component {custom_id!r}")


async def _pump(stream: asyncio.StreamReader, say: Callable[[str], None], prefix: str) -> None:
    while line := await stream.readline():
        say(prefix + line.decode(errors="replace").rstrip())


async def _lines(
    script: Path | None, interactive: bool, prompt: Prompt, out: TextIO
) -> AsyncIterator[str]:
    """Input lines from the script file or stdin (a terminal or a pipe)."""
    if script is not None:
        text = await asyncio.to_thread(script.read_text, "utf-8")
        for line in text.splitlines():
            print(f"> {line}", file=out, flush=True)
            yield line
        return
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print(f"{prompt.member} in #{prompt.channel}> ", end="", file=out, flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


@dataclass(frozen=True)
class Options:
    script: Path | None
    member: str
    channel: str | None
    notes_dir: str | None
    database: str
    ready_timeout: float
    bot_command: tuple[str, ...]


async def run_console(options: Options, out: TextIO = sys.stdout) -> int:
    """Start the stand-in and the bot, run the input, stop both; returns the bot's exit code."""
    sandbox = Sandbox()
    await sandbox.start()
    env = {**os.environ, **sandbox.bot_env(), "DATABASE_PATH": options.database}
    if options.notes_dir:
        env["NOTES_DIR"] = options.notes_dir
    prompt = Prompt(options.member, options.channel or sandbox.config.text_channel_name)
    console = Console(sandbox, out, prompt)
    sandbox.journal.listeners.append(console.on_event)
    console.say(
        f"Discord stand-in on {sandbox.url}; starting the bot: {' '.join(options.bot_command)}"
    )
    process = await asyncio.create_subprocess_exec(
        *options.bot_command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None  # PIPE was requested above
    pump = asyncio.create_task(_pump(process.stdout, console.say, "  bot │ "))
    try:
        if not await _wait_ready(sandbox, process, options.ready_timeout):
            code = process.returncode
            console.say(f"✗ the bot did not come up (exit code {code}); its output is above")
            return code if code else 1
        console.say(f"\nThe bot is online in {sandbox.config.guild_name!r}.\n{console.help()}\n")
        async for line in _lines(options.script, sys.stdin.isatty(), prompt, out):
            if process.returncode is not None or not await console.handle(line):
                break
    finally:
        code = await _stop(process)
        await pump
        await sandbox.stop()
    console.say(f"bot exited with code {code}")
    return code


async def _wait_ready(sandbox: Sandbox, process: asyncio.subprocess.Process, within: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    world = sandbox.world
    while loop.time() < deadline and process.returncode is None:
        if sandbox.gateway.identified.is_set() and (world.global_commands or world.guild_commands):
            return True
        await asyncio.sleep(0.05)
    return False


async def _stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, as an operator's service manager would; SIGKILL after 10 s."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    return await process.wait()
