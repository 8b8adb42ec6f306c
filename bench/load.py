"""A busy server through the local Discord stand-in: `python -m bench.load`.

N simulated members act at once for S seconds against the real bot process (`python -m
bot run`) on a synthetic 10-year archive (`bench.synth`, as `bench.interactions` builds
it) or the seeds. Each member does what people do — types a title into `/paper` and picks
a suggestion, types a tag and pages through `/tag`, runs `/search` and pages on, opens a
day's `/digest`, now and then pastes something hostile — about `--rate` interactions a
second, waiting for each answer before the next pause, as a person reading it does. An
overloaded bot therefore slows its members down: the throughput line shows how far.

In the middle of the run the day's digest is due (set with `/digest-admin schedule` and
`channel` for the next whole minute, so the run waits for it to come round) and the
gateway connection is dropped; the report gives the digest's lateness (its scheduled
minute to its first message in the stand-in) and how long the bot took to resume.

Latencies are the stand-in's, from dispatching INTERACTION_CREATE to the first response
(Discord's 3 s deadline is about that one) and to the answer the member reads (after a
deferral, its followup). The bot's CPU and memory come from /proc: all threads, and the
main thread alone, where the event loop runs. `--profile OUT` profiles that thread
(cProfile, thread CPU time) from the first measured interaction to the last and prints
where its time goes per interaction. The stand-in and the members share this process; its
CPU is printed too, so a saturated driver shows (the stand-in's OpenAPI checks, most of its
cost, are off unless `--check-spec`). Figures depend on what else the machine runs: the
time the event loop waited for a CPU is printed with the load average; compare ratios and
CPU per interaction rather than latencies across machines or busy hours.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import marshal
import math
import os
import random
import re
import shutil
import signal
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from bench import synth
from bench.ingest import SIZES, _table, _verdict, machine
from bench.interactions import REPO, Plan, _button, _papers_in, library, log, plan
from bot.core.i18n import t
from bot.core.render import LABELS
from bot.sandbox import MemberSpec, Sandbox, SandboxConfig
from bot.sandbox.errors import FormErrors
from bot.sandbox.interactions import DEFERRED_MESSAGE, DEFERRED_UPDATE, Interaction, UserError
from bot.sandbox.spec import OpenApiSpec
from bot.sandbox.world import Channel
from bot.services.ingest import ingest
from bot.store import Store

Json = dict[str, Any]
ARCHIVES = ("10y", "seeds")
# What Discord lets a member type into each option (the lookup cog's `Range`s).
QUERY_CHARS, TAG_CHARS, DAY_CHARS = 200, 100, 40
ANSWER_WITHIN = 30.0  # seconds a member waits for a deferred answer
# The targets on a 2-core machine.
AUTOCOMPLETE_P99_TARGET_MS = 250.0  # with 50 members, and no deferral
FIRST_ANSWER_TARGET_MS = 1000.0  # with 100 members, and the digest on time
ON_TIME_MS = 1000.0
# Where in the measured run things happen (fractions of --seconds).
DROP_AT = 0.4
DIGEST_AT = 0.5
# Before the measured run: a few members warm the caches while the digest minute comes round.
WARMUP_MEMBERS = 5
WARMUP_MIN_SECONDS = 10.0
FIRST_MEMBER_ID = 1_200_000_000_000_001_000

# ---- what members do -------------------------------------------------------------------

AC_PAPER, AC_TAG, AC_DIGEST = "autocomplete /paper", "autocomplete /tag", "autocomplete /digest"
TAG_NEXT, SEARCH_NEXT, HOSTILE = "/tag → Next", "/search → Next", "hostile"
# How often a member sets out to do each thing (an action is several interactions).
ACTIONS = {"paper": 45, "tag": 22, "search": 25, "digest": 3, "hostile": 5}
# Pasted or typed to break things: FTS5 syntax, SQL, wildcards, Unicode that grows under
# normalisation or hides, mentions, ids no paper has, a whole line of one character.
HOSTILE_TEXTS = (
    '"',
    'NEAR(attention "state space", 2) OR title:* AND NOT ^x',
    "'; DROP TABLE papers; --",
    "%_\\%",
    "*" * QUERY_CHARS,
    "x" * QUERY_CHARS,
    "\ufdfa" * QUERY_CHARS,
    "코드북을, " * 33,
    "ＳＡＭＢＡ" * 40,
    "a\u0301" * 100,
    "\u202eevil\u202c \u200b\u200b",
    "@everyone <@1> <#2> <@&3>",
    "id:" + "9" * 30,
    "id:-1",
    "#" * TAG_CHARS,
    "   ",
    "😀" * 100,
)
HOSTILE_DAYS = ("2024-13-45", "0000-00-00", "9999-12-31", "yesterday", "2024년 13월 40일", "-1")


@dataclass(frozen=True, slots=True)
class Step:
    """One interaction of an action. A step without a command clicks the previous answer's
    Next button (the action ends when there is none)."""

    kind: str  # the row it is reported in
    command: str = ""
    option: str = ""
    text: str = ""
    typing: bool = False  # autocomplete: `text` is what is typed so far
    pick: bool = False  # submit a suggestion of the keystroke before, if it offered one


def keystrokes(text: str, rng: random.Random, most: int) -> list[str]:
    """What autocomplete sees while `text` is typed: 1 to `most` growing prefixes, the
    last one whole (Discord asks again after each pause in typing, not each key)."""
    count = rng.randint(1, max(1, min(most, len(text))))
    lengths = sorted({max(1, round(len(text) * (i + 1) / count)) for i in range(count)})
    return [text[:n] for n in lengths]


def _pages(kind: str, rng: random.Random, first: float, more: float) -> list[Step]:
    """Next clicks: the first with probability `first`, each further one with `more`."""
    steps: list[Step] = []
    chance = first
    while len(steps) < 3 and rng.random() < chance:
        steps.append(Step(kind))
        chance = more
    return steps


@dataclass(frozen=True, slots=True)
class Mix:
    """What members type (drawn from the library) and how often they do what."""

    titles: Sequence[str]
    tags: Sequence[str]
    searches: Sequence[str]
    days: Sequence[str]

    @classmethod
    def of(cls, p: Plan) -> Mix:
        return cls(
            titles=[q.text for q in p.typed if q.op == "paper"],
            tags=list(p.tags),
            searches=[q.text for q in p.searches],
            days=list(p.days),
        )

    def action(self, rng: random.Random) -> list[Step]:
        """One thing a member sets out to do, as the interactions it takes."""
        what = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        if what == "paper":
            title = rng.choice(self.titles)[:QUERY_CHARS]
            typed = [
                Step(AC_PAPER, "paper", "title", s, typing=True) for s in keystrokes(title, rng, 6)
            ]
            return [*typed, Step("/paper", "paper", "title", title, pick=True)]
        if what == "tag":
            tag = rng.choice(self.tags)[:TAG_CHARS]
            typed = [Step(AC_TAG, "tag", "name", s, typing=True) for s in keystrokes(tag, rng, 3)]
            return [
                *typed,
                Step("/tag", "tag", "name", tag, pick=True),
                *_pages(TAG_NEXT, rng, 0.5, 0.4),
            ]
        if what == "search":
            query = rng.choice(self.searches)[:QUERY_CHARS]
            return [Step("/search", "search", "query", query), *_pages(SEARCH_NEXT, rng, 0.3, 0.3)]
        if what == "digest":
            day = rng.choice(self.days)
            typed = [Step(AC_DIGEST, "digest", "date", day[:n], typing=True) for n in (4, 7)]
            return [*typed[: rng.randint(1, 2)], Step("/digest", "digest", "date", day, pick=True)]
        return [hostile(rng)]


def hostile(rng: random.Random) -> Step:
    """One hostile input, typed into autocomplete or submitted, as long as Discord allows."""
    command, option, limit = rng.choice(
        (
            ("paper", "title", QUERY_CHARS),
            ("search", "query", QUERY_CHARS),
            ("tag", "name", TAG_CHARS),
            ("digest", "date", DAY_CHARS),
        )
    )
    texts = HOSTILE_TEXTS + HOSTILE_DAYS if command == "digest" else HOSTILE_TEXTS
    typing = command != "search" and rng.random() < 0.5  # /search has no autocomplete
    return Step(HOSTILE, command, option, rng.choice(texts)[:limit], typing=typing)


# ---- what was measured ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One interaction as the member experienced it."""

    kind: str
    at: float  # seconds into the measured run
    first_ms: float | None  # the first response; None: none within Discord's 3 s
    answer_ms: float | None  # the answer read (after a deferral, its followup); None: never
    deferred: bool
    error: str | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value with at least `q` % of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


@dataclass(frozen=True, slots=True)
class KindStats:
    """Per-kind figures; an interaction without a response counts as infinitely slow."""

    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    answer_p99_ms: float
    answer_max_ms: float
    deferred: int
    errors: int


def summarise(samples: Sequence[Sample]) -> KindStats:
    """Percentiles of the first response and of the answer, deferrals and errors."""
    first = [math.inf if s.first_ms is None else s.first_ms for s in samples]
    answer = [math.inf if s.answer_ms is None else s.answer_ms for s in samples]
    return KindStats(
        n=len(samples),
        p50_ms=percentile(first, 50),
        p95_ms=percentile(first, 95),
        p99_ms=percentile(first, 99),
        max_ms=max(first),
        answer_p99_ms=percentile(answer, 99),
        answer_max_ms=max(answer),
        deferred=sum(s.deferred for s in samples),
        errors=sum(s.error is not None for s in samples),
    )


def sample_of(kind: str, at: float, report: Json, locale: str) -> Sample:
    """A stand-in report as a sample: late, never completed and error answers are errors."""
    deferred = report["response_type"] in (DEFERRED_MESSAGE, DEFERRED_UPDATE)
    error = None
    if report["response_type"] is None:
        error = "no response within 3 s"
    elif not report["answered"]:
        error = "deferred, never completed"
    else:
        head = t("error.unexpected", locale, error_id="\0").partition("\0")[0]
        if head in ((report.get("message") or {}).get("content") or ""):
            error = "the bot's error answer"
    return Sample(kind, at, report["ack_ms"], report["answer_ms"], deferred, error)


# ---- the bot's process -----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stat: str) -> float:
    """utime + stime of a /proc/…/stat line (the fields after the command name)."""
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass(frozen=True, slots=True)
class ProcStat:
    """CPU seconds so far (every thread; the main one, the event loop's), the seconds the
    event loop was ready to run but waited for a CPU (other processes had them), memory."""

    cpu_s: float
    loop_cpu_s: float
    loop_wait_s: float
    rss_mb: float
    peak_rss_mb: float  # since the process started

    @classmethod
    def of(cls, pid: int) -> ProcStat:
        proc = Path(f"/proc/{pid}")
        status = dict(
            line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
        )
        loop = proc / "task" / str(pid)
        return cls(
            cpu_seconds((proc / "stat").read_text()),
            cpu_seconds((loop / "stat").read_text()),
            int((loop / "schedstat").read_text().split()[1]) / 1e9,  # run-queue wait, ns
            int(status["VmRSS"].split()[0]) / 1024,
            int(status["VmHWM"].split()[0]) / 1024,
        )


def profiled_bot(out: str) -> int:
    """`python -m bot run` whose main thread is profiled from SIGUSR1 to SIGUSR2 (written to
    `out` then), in thread CPU time: idle waits and other processes do not count."""
    from bot.adapters.cli import main  # here: the driver itself never runs the bot

    profiler = cProfile.Profile(time.thread_time_ns, 1e-9)

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    return main(["run"])


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_lines(self, level: str) -> list[str]:
        """Lines of the bot's log at `level` (the plain format names it after the time)."""
        text = self.log_path.read_text("utf-8", errors="replace")
        return [line for line in text.splitlines() if f" {level} " in line]

    async def stop(self) -> int:
        """SIGTERM, as an operator's service manager sends it; the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()


@asynccontextmanager
async def bot_process(
    sandbox: Sandbox, notes: Path, db_path: Path, workdir: Path, profile: Path | None
) -> AsyncIterator[BotProcess]:
    """The bot against the stand-in (profiled with `profile`), once it is on the gateway
    with its commands; no digest settings from the environment, so none is caught up."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DIGEST_"))},
        "PYTHONPATH": str(REPO),
        **sandbox.bot_env(),
        "NOTES_DIR": str(notes),
        "DATABASE_PATH": str(db_path),
        "LOG_LEVEL": "WARNING",
        "NOTES_WATCH_SECONDS": "86400",  # no folder scans in the middle of the run
    }
    command = ["-m", "bot", "run"]
    if profile is not None:
        command = [
            "-c",
            f"import bench.load as b; raise SystemExit(b.profiled_bot({str(profile)!r}))",
        ]
    log_path = workdir / "bot.log"
    with log_path.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=workdir, env=env, stdout=out, stderr=out
        )
    bot = BotProcess(process, log_path)
    try:
        deadline = time.monotonic() + 600
        while not (
            sandbox.gateway.identified.is_set()
            and sandbox.world.guild_commands.get(sandbox.config.guild_id)
            and any(s.connection is not None for s in sandbox.gateway.sessions.values())
        ):
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the bot did not come up")
            await asyncio.sleep(0.1)
        yield bot
    except Exception:
        text = log_path.read_text("utf-8", errors="replace")
        log(f"the bot's log, to the failure:\n{text[-4000:]}")
        raise
    finally:
        await bot.stop()


# ---- members -----------------------------------------------------------------------------


@dataclass
class Member:
    """One simulated member: actions one after another, a pause before each interaction."""

    sandbox: Sandbox
    spec: MemberSpec
    channel: Channel
    mix: Mix
    rng: random.Random
    rate: float  # interactions a second, were answers instant
    started: float  # monotonic start of the measured run
    samples: list[Sample] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what the stand-in would not let it do

    async def run(self, until: float) -> None:
        """Act until `until` (monotonic); the interaction under way is finished."""
        while True:
            last: Json | None = None
            for step in self.mix.action(self.rng):
                if not step.command and self._next(last) is None:
                    break  # no further page
                await asyncio.sleep(self.rng.expovariate(self.rate))
                if time.monotonic() >= until:
                    return
                last = await self._do(step, last)

    def _next(self, last: Json | None) -> str | None:
        if last is None or not last.get("message"):
            return None
        return _button(last, t("lookup.next", self.spec.locale))

    def _interaction(self, step: Step, last: Json | None) -> Interaction:
        made = self.sandbox.interactions
        if not step.command:
            assert last is not None
            custom_id = self._next(last)
            assert custom_id is not None
            return made.click(int(last["message"]["id"]), custom_id, self.spec)
        value = step.text
        if step.pick and last is not None and last.get("choices"):
            value = str(self.rng.choice(last["choices"][:3])["value"])
        focused = step.option if step.typing else None
        return made.command(
            step.command, {step.option: value}, self.spec, self.channel, focused=focused
        )

    async def _do(self, step: Step, last: Json | None) -> Json | None:
        """One interaction, timed; its report, or None when the stand-in refused it."""
        try:
            interaction = self._interaction(step, last)
        except UserError as refused:
            self.refused.append(f"{step.kind} {step.text[:40]!r}: {refused}")
            return None
        at = time.monotonic() - self.started
        try:
            report = await self.sandbox.run(interaction, within=ANSWER_WITHIN)
        except ConnectionResetError as lost:  # the gateway dropped during the dispatch
            self.samples.append(Sample(step.kind, at, None, None, False, f"not dispatched: {lost}"))
            return None
        self.samples.append(sample_of(step.kind, at, report, self.spec.locale))
        return report


class UncheckedSpec(OpenApiSpec):
    """The stand-in without its OpenAPI checks of every request and response: ~10 ms of
    jsonschema per request in this process, which would make the stand-in, not the bot,
    the bottleneck on two cores. Discord's limits (`limits.py`) are still checked."""

    def __init__(self) -> None:
        super().__init__({"paths": {}})

    def request_errors(self, method: str, template: str, body: Any) -> FormErrors:
        return FormErrors()

    def response_problems(self, method: str, template: str, status: int, body: Any) -> list[str]:
        return []


def members_config(count: int) -> SandboxConfig:
    """The stand-in's guild with alice (an admin, for /digest-admin) and `count` members,
    every fifth with Discord set to Korean."""
    people = [
        MemberSpec(FIRST_MEMBER_ID + i, f"member{i:03d}", locale="ko" if i % 5 == 4 else "en-US")
        for i in range(count)
    ]
    admin = MemberSpec(FIRST_MEMBER_ID - 1, "alice", manage_guild=True)
    return SandboxConfig(members=(admin, *people))


async def act(
    sandbox: Sandbox, mix: Mix, count: int, rate: float, seed: int, until: float
) -> list[Member]:
    """`count` members (the first `count` of the guild's) acting until `until`."""
    channel = sandbox.world.channel_by_name(sandbox.config.text_channel_name)
    assert channel is not None
    people = [m for m in sandbox.world.members.values() if not m.manage_guild][:count]
    started = time.monotonic()
    members = [
        Member(sandbox, spec, channel, mix, random.Random(seed * 100_003 + i), rate, started)
        for i, spec in enumerate(people)
    ]
    await asyncio.gather(*(m.run(until) for m in members))
    return members


# ---- the digest and the gateway ------------------------------------------------------------


def digest_minute(now: datetime, lead: float) -> datetime:
    """The first whole minute at least `lead` seconds after `now`."""
    earliest = now + timedelta(seconds=lead)
    minute = earliest.replace(second=0, microsecond=0)
    return minute if minute >= earliest else minute + timedelta(minutes=1)


async def schedule_digest(sandbox: Sandbox, due: datetime) -> None:
    """As alice: the digest in #papers every day at `due`'s minute (UTC)."""
    admin = sandbox.world.member_by_name("alice")
    channel = sandbox.world.channel_by_name(sandbox.config.text_channel_name)
    assert admin is not None and channel is not None
    hhmm = due.strftime("%H:%M")
    for name, options in (
        ("digest-admin schedule", {"time": hhmm, "timezone": "UTC"}),
        ("digest-admin channel", {"channel": channel.name}),
    ):
        interaction = sandbox.interactions.command(name, options, admin, channel)
        report = await sandbox.run(interaction, within=ANSWER_WITHIN)
        content = (report["message"] or {}).get("content", "")
        if hhmm not in content:
            raise RuntimeError(f"/{name} did not take: {content!r}")


def snowflake_time(snowflake: str) -> datetime:
    """When a snowflake was made (Discord's epoch, millisecond resolution)."""
    return datetime.fromtimestamp(((int(snowflake) >> 22) + 1_420_070_400_000) / 1000, UTC)


@dataclass(frozen=True, slots=True)
class DigestSeen:
    due: str
    lateness_ms: float | None  # from the scheduled minute to its first message
    messages: int
    duplicates: int  # messages whose nonce another message already carried
    marked_late: bool


def digest_seen(channel: Channel, due: datetime) -> DigestSeen:
    """The digest messages in `channel`: posted by the bot itself, not as an answer."""
    posted = sorted(
        (m for m in channel.messages.values() if "interaction_metadata" not in m),
        key=lambda m: int(m["id"]),
    )
    nonces = [m.get("nonce") for m in posted]
    late = LABELS["en"]["late"]
    return DigestSeen(
        due=due.isoformat(),
        lateness_ms=(snowflake_time(posted[0]["id"]) - due).total_seconds() * 1000
        if posted
        else None,
        messages=len(posted),
        duplicates=len(nonces) - len(set(nonces)),
        marked_late=any(late in json.dumps(m, ensure_ascii=False) for m in posted),
    )


async def digest_complete(channel: Channel, quiet: float = 3.0, within: float = 60.0) -> None:
    """Until the channel has had no new message for `quiet` seconds (at most `within`)."""
    deadline = time.monotonic() + within
    seen, since = len(channel.messages), time.monotonic()
    while time.monotonic() < deadline and (not seen or time.monotonic() - since < quiet):
        await asyncio.sleep(0.2)
        if len(channel.messages) != seen:
            seen, since = len(channel.messages), time.monotonic()


@dataclass(frozen=True, slots=True)
class GatewayDrop:
    at_s: float  # into the measured run
    connections: int
    back_ms: float | None  # until the bot was connected again
    resumed: bool  # RESUMEd its session (not a new IDENTIFY)


async def drop_gateway(sandbox: Sandbox, at: float, started: float) -> GatewayDrop:
    """Break the bot's gateway connection at `at` (monotonic) and time its return."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    gateway = sandbox.gateway
    before = {s.id: (s.connection, s.resumes) for s in gateway.sessions.values()}
    dropped_at = time.monotonic()
    dropped = await gateway.drop()
    # Events for a dropped session wait for its RESUME; the stand-in would otherwise write
    # them to the closing socket until its handler notices.
    for session in gateway.sessions.values():
        session.connection = None
    while time.monotonic() - dropped_at < 60:
        for session in gateway.sessions.values():
            old, resumes = before.get(session.id, (None, -1))
            if session.connection is not None and session.connection is not old:
                back = (time.monotonic() - dropped_at) * 1000
                return GatewayDrop(dropped_at - started, dropped, back, session.resumes > resumes)
        await asyncio.sleep(0.005)
    return GatewayDrop(dropped_at - started, dropped, None, False)


# ---- a run -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotFigures:
    cpu_s: float
    loop_cpu_s: float  # the main thread: the event loop
    loop_wait_s: float  # ready to run, waiting for a CPU
    rss_start_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    exit_code: int
    log_errors: list[str]
    log_warnings: int


@dataclass(frozen=True, slots=True)
class Result:
    members: int
    seconds: float
    rate: float
    archive: str
    papers: int
    seed: int
    machine: Json
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    elapsed_s: float
    kinds: dict[str, KindStats]
    total: KindStats
    errors: dict[str, int]
    refused: list[str]
    bot: BotFigures
    driver_cpu_s: float  # this process: the stand-in and the members
    digest: DigestSeen
    gateway: GatewayDrop
    stand_in_problems: list[str]
    profile: str | None


async def notes_and_store(args: argparse.Namespace, workdir: Path) -> tuple[Path, Path, int]:
    """The notes folder, a fresh copy of its store in `workdir` and how many papers it holds."""
    db_path = workdir / "bot.sqlite3"
    if args.archive == "seeds":
        notes = REPO / "seeds"
        async with Store.open(db_path) as store:
            await ingest(store, notes)
        return notes, db_path, _papers_in(db_path) or 0
    spec = synth.ArchiveSpec(**{**asdict(SIZES["36k"]), "seed": args.seed})
    archive, built = await library("36k", spec, args.out)
    shutil.copyfile(built, db_path)  # the run writes digest state; the built store stays as is
    return archive.root, db_path, archive.papers


async def run(args: argparse.Namespace) -> Result:
    """One measured run, with its warm-up, digest and gateway drop."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        notes, db_path, papers = await notes_and_store(args, workdir)
        mix = Mix.of(plan(db_path, 200, args.seed))
        load_before = os.getloadavg()
        async with (
            Sandbox(members_config(max(args.members, WARMUP_MEMBERS))) as sandbox,
            bot_process(sandbox, notes, db_path, workdir, args.profile) as bot,
        ):
            if not args.check_spec:
                sandbox.rest.spec = UncheckedSpec()
            half = args.seconds * DIGEST_AT
            due = digest_minute(datetime.now(UTC), WARMUP_MIN_SECONDS + half)
            await schedule_digest(sandbox, due)
            start = time.monotonic() + (due - datetime.now(UTC)).total_seconds() - half
            wait = start - time.monotonic()
            log(f"warming up with {WARMUP_MEMBERS} members; the run starts in {wait:.0f} s")
            await act(sandbox, mix, WARMUP_MEMBERS, args.rate, args.seed + 1, start - 1)
            log(f"{args.members} members for {args.seconds:g} s; digest due {due:%H:%M:%S} UTC …")
            channel = sandbox.world.channels[sandbox.config.text_channel_id]
            started = time.monotonic()
            before, cpu_before = ProcStat.of(bot.pid), time.process_time()
            if args.profile:
                bot.process.send_signal(signal.SIGUSR1)
            until = started + args.seconds
            drop = asyncio.create_task(
                drop_gateway(sandbox, started + DROP_AT * args.seconds, started)
            )
            members = await act(sandbox, mix, args.members, args.rate, args.seed, until)
            elapsed = time.monotonic() - started
            after, driver_cpu = ProcStat.of(bot.pid), time.process_time() - cpu_before
            if args.profile:
                bot.process.send_signal(signal.SIGUSR2)
            gateway = await drop
            await digest_complete(channel)
            digest = digest_seen(channel, due)
            exit_code = await bot.stop()  # after SIGUSR2: the profile is written by now
        samples = [s for m in members for s in m.samples]
        by_kind: dict[str, list[Sample]] = {}
        for s in samples:
            by_kind.setdefault(s.kind, []).append(s)
        return Result(
            members=args.members,
            seconds=args.seconds,
            rate=args.rate,
            archive=args.archive,
            papers=papers,
            seed=args.seed,
            machine=machine(),
            load_before=load_before,
            load_after=os.getloadavg(),
            elapsed_s=elapsed,
            kinds={k: summarise(v) for k, v in sorted(by_kind.items())},
            total=summarise(samples),
            errors=dict(Counter(s.error for s in samples if s.error is not None)),
            refused=[r for m in members for r in m.refused],
            bot=BotFigures(
                cpu_s=after.cpu_s - before.cpu_s,
                loop_cpu_s=after.loop_cpu_s - before.loop_cpu_s,
                loop_wait_s=after.loop_wait_s - before.loop_wait_s,
                rss_start_mb=before.rss_mb,
                rss_end_mb=after.rss_mb,
                rss_peak_mb=after.peak_rss_mb,
                exit_code=exit_code,
                log_errors=bot.log_lines("ERROR") + bot.log_lines("CRITICAL"),
                log_warnings=len(bot.log_lines("WARNING")),
            ),
            driver_cpu_s=driver_cpu,
            digest=digest,
            gateway=gateway,
            stand_in_problems=list(sandbox.journal.problems),
            profile=str(args.profile) if args.profile else None,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---- the profile --------------------------------------------------------------------------------

# cProfile's entries: (file, line, function) →
# (primitive calls, calls, self seconds, cumulative seconds, callers)
ProfileKey = tuple[str, int, str]
ProfileRow = tuple[int, int, float, float, Any]
_C_NAME = re.compile(r"of '([\w.]+)' objects|built-in method ([\w.]+)")
_PLACES = (
    sysconfig.get_paths()["purelib"] + "/",
    f"{REPO}/",
    sysconfig.get_paths()["stdlib"] + "/",
)


def short(filename: str) -> str:
    """A profiled file relative to site-packages, the repository or the standard library."""
    for prefix in _PLACES:
        if filename.startswith(prefix):
            return filename[len(prefix) :]
    return filename


def area(filename: str, function: str) -> str:
    """Where a function belongs: a package, a module of the bot, a stdlib module, a C type."""
    if filename == "~":
        found = _C_NAME.search(function)
        dotted = next((g for g in found.groups() if g), "") if found else ""
        return f"C {dotted.split('.')[0] if '.' in dotted else 'builtins'}"
    path = short(filename)
    if path.startswith("bot/"):
        return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return path.split("/")[0].removesuffix(".py")


def profile_report(path: Path, interactions: int, top: int = 25) -> str:
    """Self time by area, then the top functions by self and by cumulative time, per interaction."""
    stats: dict[ProfileKey, ProfileRow] = marshal.loads(path.read_bytes())
    total = sum(row[2] for row in stats.values())
    per = 1e6 / max(1, interactions)  # seconds in the whole window → µs per interaction
    areas: dict[str, float] = {}
    for (filename, _, function), row in stats.items():
        key = area(filename, function)
        areas[key] = areas.get(key, 0.0) + row[2]
    lines = [
        f"profile {path}: event-loop thread CPU {total:.1f} s (profiler overhead included) over "
        f"{interactions:,} interactions = {total * per / 1000:.2f} ms per interaction",
        "",
        _table(
            ("self time by area", "µs/interaction", "share"),
            [
                (a, f"{s * per:.0f}", f"{s / total:.1%}")
                for a, s in sorted(areas.items(), key=lambda item: -item[1])[:top]
            ],
        ),
    ]
    headers = ("self µs/int.", "cumulative µs/int.", "calls/int.", "function")
    for title, column in (("self", 2), ("cumulative", 3)):
        ranked = sorted(stats.items(), key=lambda item: item[1][column], reverse=True)[:top]
        rows = [
            (
                f"{row[2] * per:.0f}",
                f"{row[3] * per:.0f}",
                f"{row[1] / max(1, interactions):.2f}",
                f"{short(filename)}:{line}({function})"[:110],
            )
            for (filename, line, function), row in ranked
        ]
        lines += ["", f"top {top} by {title} time:", _table(headers, rows)]
    return "\n".join(lines)


# ---- report ---------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "none" if math.isinf(value) else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _took(ms: float | None) -> str:
    return "never" if ms is None or math.isinf(ms) else f"{_ms(ms)} ms"


def _load(avg: Sequence[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in avg)


def render(r: Result) -> str:
    """The per-kind table, then throughput, CPU, memory, digest, gateway and the targets."""
    headers = (
        "interaction",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "answer p99/max",
        "deferred",
        "errors",
    )
    rows = [
        (
            kind,
            str(s.n),
            _ms(s.p50_ms),
            _ms(s.p95_ms),
            _ms(s.p99_ms),
            _ms(s.max_ms),
            f"{_ms(s.answer_p99_ms)} / {_ms(s.answer_max_ms)}",
            str(s.deferred),
            str(s.errors),
        )
        for kind, s in [*r.kinds.items(), ("all", r.total)]
    ]
    n, b, d, g = r.total.n, r.bot, r.digest, r.gateway
    per_ms = 1000 / max(1, n)
    autocomplete = [s for k, s in r.kinds.items() if k.startswith("autocomplete")]
    ac_p99 = max((s.p99_ms for s in autocomplete), default=0.0)
    on_time = d.lateness_ms is not None and d.lateness_ms < ON_TIME_MS
    lines = [
        f"{r.members} members × {r.seconds:g} s at {r.rate:g}/s each, {r.archive} archive "
        f"({r.papers:,} papers), seed {r.seed}; {r.machine['cpus']} CPUs, code {r.machine['code']}",
        f"load average before {_load(r.load_before)}, after {_load(r.load_after)}",
        "latencies: first response (p50…max) and the answer read; no response counts as 'none'",
        "",
        _table(headers, rows),
        "",
        f"throughput {n / r.elapsed_s:.1f} interactions/s ({n:,} in {r.elapsed_s:.1f} s); "
        f"deferred {r.total.deferred}; errors {r.total.errors}{f' {r.errors}' * bool(r.errors)}; "
        f"refused by the stand-in {len(r.refused)}; stand-in problems {len(r.stand_in_problems)}",
        f"bot CPU {b.cpu_s:.1f} s = {b.cpu_s / r.elapsed_s:.0%} of a core, "
        f"{b.cpu_s * per_ms:.2f} ms per interaction (event-loop thread {b.loop_cpu_s * per_ms:.2f} "
        f"ms, other threads {(b.cpu_s - b.loop_cpu_s) * per_ms:.2f} ms)",
        f"the event loop waited {b.loop_wait_s:.1f} s ({b.loop_wait_s / r.elapsed_s:.0%} of the "
        "run) for a CPU other processes held; stand-in + members (this process) CPU "
        f"{r.driver_cpu_s / r.elapsed_s:.0%} of a core",
        f"bot memory: RSS {b.rss_start_mb:.0f} MB at the start, {b.rss_end_mb:.0f} MB at the end, "
        f"at most {b.rss_peak_mb:.0f} MB; exit code {b.exit_code}; "
        f"log: {len(b.log_errors)} errors, {b.log_warnings} warnings",
        f"digest due {d.due}: first message {_took(d.lateness_ms)} late, {d.messages} messages, "
        f"{d.duplicates} duplicates, "
        f"{'marked late' if d.marked_late else 'not marked late'}",
        f"gateway dropped at {g.at_s:.1f} s ({g.connections} connection): back after "
        f"{_took(g.back_ms)}, "
        f"{'resumed' if g.resumed else 'NOT resumed (new session)'}",
        "",
        f"target (50 members): autocomplete p99 < {AUTOCOMPLETE_P99_TARGET_MS:g} ms and no "
        f"deferral: {_verdict(ac_p99 < AUTOCOMPLETE_P99_TARGET_MS and not r.total.deferred)} "
        f"(p99 {_ms(ac_p99)} ms, {r.total.deferred} deferred)",
        f"target (100 members): every first answer < {FIRST_ANSWER_TARGET_MS:g} ms and the digest "
        f"on time: {_verdict(r.total.max_ms < FIRST_ANSWER_TARGET_MS and on_time)} "
        f"(slowest first response: {_took(r.total.max_ms)})",
    ]
    lines += [f"  bot log: {line}" for line in b.log_errors[:5]]
    lines += [f"  refused: {line}" for line in r.refused[:5]]
    lines += [f"  stand-in problem: {p}" for p in r.stand_in_problems[:5]]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--members", type=int, default=20, help="simulated members at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured run")
    parser.add_argument("--rate", type=float, default=3.5, help="interactions a second per member")
    parser.add_argument(
        "--archive", choices=ARCHIVES, default="10y", help="36,500 synthetic entries, or seeds/"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the archive, its store and load-N.json, reused by later runs "
        "(also the other benchmarks' --out); default: a temporary folder",
    )
    parser.add_argument("--profile", type=Path, help="profile the bot's event loop into this file")
    parser.add_argument("--seed", type=int, default=0, help="archive and members' seed")
    parser.add_argument(
        "--check-spec",
        action="store_true",
        help="keep the stand-in's OpenAPI checks (~10 ms of this process's CPU per request)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; missed targets still exit 0."""
    args = build_parser().parse_args(argv)
    if args.members < 1 or args.seconds <= 0 or args.rate <= 0:
        print("--members, --seconds and --rate must be positive", file=sys.stderr)
        return 2
    args.out = (args.out or Path(tempfile.mkdtemp(prefix="paper-bench-"))).resolve()
    if args.out.is_relative_to(REPO):
        print(
            f"--out {args.out} is inside the repository; pick a folder outside it", file=sys.stderr
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.unlink(missing_ok=True)
    result = asyncio.run(run(args))
    print(render(result))
    if result.profile:
        print("\n" + profile_report(Path(result.profile), result.total.n))
    path = args.out / f"load-{args.members}.json"
    path.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
