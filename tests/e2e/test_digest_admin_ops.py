"""Operating the digest end to end: alerts, the notes watcher's refusals, a lost database,
`/digest-admin why`, SIGHUP. The real bot process against the stand-in."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.test_digest import MESSAGES, admin_session, eventually, papers_channel

BROKEN = "2024년 6월 20\nA Paper Under A Broken Header\n(A. Author)\n#x\n"


def alert_channel(sandbox: Sandbox) -> str:
    """ALERT_CHANNEL_ID for #announcements."""
    return str(sandbox.config.announcement_channel_id)


async def test_a_stopped_channel_is_alerted_once_in_the_alert_channel(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    session = admin_session(sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox))
    async with session as (_, user):
        answer = await user.command("digest-admin alerts", {"channel": "announcements"})
        assert answer.ephemeral and f"<#{alert_channel(sandbox)}>" in answer.content
        await user.inject_fault(403, route=MESSAGES, nth=1)
        assert "Missing Permissions" in (await user.command("digest-admin post-now")).content
        assert "stopped" in (await user.command("digest-admin post-now")).content
        [alert] = await eventually(lambda: user.messages("announcements"))
        assert "stopped" in alert["content"] and "/digest-admin resume" in alert["content"]
        failed = (await user.command("digest-admin why", {"query": "2024-06-12"})).content
        assert "failed; Discord said 403 Missing Permissions" in failed
        assert failed.count("/digest-admin resume") == 1
        assert alert["mentions"] == [] and not alert["mention_everyone"]
        [posted] = [
            r
            for r in await user.requests()
            if r["route"] == MESSAGES.split()[1] and alert_channel(sandbox) in r["path"]
        ]
        assert posted["body"]["allowed_mentions"] == {"parse": []}
        await asyncio.sleep(1)  # nothing more to say about it
        assert len(await user.messages("announcements")) == 1
        status = await user.command("digest-admin status")
        fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
        assert fields["Alert channel"] == f"<#{alert_channel(sandbox)}>"
        assert "off" in (await user.command("digest-admin alerts")).content


async def test_a_mass_removal_in_the_notes_folder_is_refused_and_alerted(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with admin_session(
        sandbox, tmp_path, ALERT_CHANNEL_ID=alert_channel(sandbox), NOTES_WATCH_SECONDS="0.5"
    ) as (bot, user):
        before = (await user.command("about")).embeds
        [notes] = (tmp_path / "notes").iterdir()
        notes.unlink()
        [alert] = await eventually(lambda: user.messages("announcements"))
        assert "refused to remove 6 of 6 papers" in alert["content"]
        await asyncio.sleep(1.5)  # three more checks: still one alert
        assert len(await user.messages("announcements")) == 1
        assert (await user.command("about")).embeds == before
    refusals = [line for line in bot.log().splitlines() if "refusing to remove" in line]
    assert len(refusals) == 1 and "ERROR" in refusals[0]
    assert "Traceback" not in bot.log()


async def test_a_deleted_database_is_critical_and_nothing_is_delivered(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with admin_session(
        sandbox,
        tmp_path,
        DIGEST_CHANNEL_ID=papers_channel(sandbox),
        ALERT_CHANNEL_ID=alert_channel(sandbox),
        NOTES_WATCH_SECONDS="0.5",
    ) as (bot, user):
        (tmp_path / "bot.sqlite3").unlink()

        async def critical() -> bool:
            return "CRITICAL" in bot.log()

        await eventually(critical, within=5)
        refused = await user.command("digest-admin post-now")
        assert "database" in refused.content
        assert await user.messages("papers") == []
        [alert] = await eventually(lambda: user.messages("announcements"))
        assert "Digests are stopped" in alert["content"] and "deleted" in alert["content"]
    assert len([line for line in bot.log().splitlines() if "CRITICAL" in line]) == 1


async def test_why_posted_waiting_and_unparsed(sandbox: Sandbox, tmp_path: Path) -> None:
    async with admin_session(
        sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox), NOTES_WATCH_SECONDS="0.5"
    ) as (_, user):
        title = "Simple and Effective Masked Diffusion Language Models"
        waiting = await user.command("digest-admin why", {"query": title})
        assert waiting.ephemeral and "1st in line" in waiting.content
        assert "next run <t:" in waiting.content
        await user.command("digest-admin post-now")
        posted = await user.command("digest-admin why", {"query": "2024-06-12"})
        first = (await user.messages("papers"))[0]
        guild, channel = sandbox.config.guild_id, sandbox.config.text_channel_id
        assert f"https://discord.com/channels/{guild}/{channel}/{first['id']}" in posted.content
        (tmp_path / "notes" / "902_undated.txt").write_text(BROKEN)
        text = await eventually(lambda: _unparsed(user, "alice"))
        assert "Not read from the notes" in text and "unreadable date header" in text
        assert "노트에서 읽지 못했어요" in await _unparsed(user, "minji")
        unknown = await user.command("digest-admin why", {"query": "qqq zzz"})
        assert "Nothing in the notes matches" in unknown.content


async def _unparsed(user: SandboxClient, member: str) -> str:
    """`why` of the broken file's day, once the watcher has read the file."""
    answer = await user.command("digest-admin why", {"query": "2024-06-20"}, member=member)
    return answer.content if "902_undated.txt:1" in answer.content else ""


async def test_why_autocomplete_offers_days_and_titles(user: SandboxClient) -> None:
    await user.command("digest-admin channel", {"channel": "papers"})
    days = await user.autocomplete("digest-admin why", "query", {"query": "2024"})
    assert days.choices and days.choices[0]["value"] == "2024-06-12"
    titles = await user.autocomplete("digest-admin why", "query", {"query": "image worth"})
    assert titles.choices and titles.choices[0]["name"].startswith("An Image is Worth")
    assert titles.choices[0]["value"].startswith("paper:")
    chosen = await user.command("digest-admin why", {"query": titles.choices[0]["value"]})
    assert "An Image is Worth 32 Tokens" in chosen.content
    for answer in (days, titles):
        assert answer.choices is not None and len(answer.choices) <= 25
        assert all(1 <= len(c["name"]) <= 100 for c in answer.choices)


async def test_sighup_reads_the_notes_folder_at_once(sandbox: Sandbox, tmp_path: Path) -> None:
    async with admin_session(
        sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox), NOTES_WATCH_SECONDS="3600"
    ) as (bot, user):
        (tmp_path / "notes" / "902_undated.txt").write_text(BROKEN)
        bot.process.send_signal(signal.SIGHUP)
        await eventually(lambda: _unparsed(user, "alice"))
    assert "SIGHUP: re-reading the notes folder" in bot.log()
