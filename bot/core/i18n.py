"""The bot's own words in English and Korean, chosen by the member's Discord locale.

Notes text is never translated here: its language follows the server's setting.
Missing Korean falls back to English rather than showing a key.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "admin.need_manage": {
        "en": "Only members with the Manage Server permission can change digest settings.",
        "ko": "서버 관리 권한이 있는 멤버만 다이제스트 설정을 바꿀 수 있어요.",
    },
    "admin.guild_only": {
        "en": "Digest settings belong to a server: run this command in one.",
        "ko": "다이제스트 설정은 서버에서만 바꿀 수 있어요.",
    },
    "admin.cannot_post": {
        "en": "I can't post in {channel}: I need {missing} there. Nothing was changed.",
        "ko": "{channel} 채널에 글을 올릴 수 없어요 ({missing} 권한 필요)."
        " 아무것도 바뀌지 않았어요.",
    },
    "admin.channel_set": {
        "en": "Digests will be posted in {channel}. Next: {next}.",
        "ko": "이제 {channel} 채널에 다이제스트를 올려요. 다음 게시: {next}.",
    },
    "admin.bad_time": {
        "en": "{value!r} is not a time. Use 24-hour HH:MM, e.g. 09:00 or 21:30."
        " Nothing was changed.",
        "ko": "{value!r}는 올바른 시간이 아니에요. 09:00, 21:30처럼 24시간 HH:MM으로 적어 주세요.",
    },
    "admin.bad_timezone": {
        "en": "{value!r} is not a time zone. Pick one from the list, e.g. Asia/Seoul or UTC."
        " Nothing was changed.",
        "ko": "{value!r}는 알 수 없는 시간대예요. 목록에서 골라 주세요 (예: Asia/Seoul, UTC).",
    },
    "admin.schedule_set": {
        "en": "Digests go out every day at {time} ({timezone}). Next: {next}.",
        "ko": "매일 {time} ({timezone})에 다이제스트를 올려요. 다음 게시: {next}.",
    },
    "admin.language_set": {
        "en": "Commentary will be shown in: {value}.",
        "ko": "코멘트 언어: {value}.",
    },
    "admin.style_set": {
        "en": "Digest style: {value}.",
        "ko": "다이제스트 형식: {value}.",
    },
    "admin.bad_start": {
        "en": "{value!r} is not a start. Use first, latest or a date like 2024-06-12."
        " Nothing was changed.",
        "ko": "{value!r}는 시작점이 아니에요."
        " first, latest 또는 2024-06-12 같은 날짜를 적어 주세요.",
    },
    "admin.start_set": {
        "en": "The next digest will be {day}.",
        "ko": "다음 다이제스트는 {day} 노트예요.",
    },
    "admin.no_channel": {
        "en": "No digest channel yet: choose one with /digest-admin channel.",
        "ko": "아직 다이제스트 채널이 없어요. /digest-admin channel 로 정해 주세요.",
    },
    "admin.paused": {
        "en": "Digests are paused. /digest-admin resume starts them again.",
        "ko": "다이제스트를 멈췄어요. /digest-admin resume 으로 다시 시작해요.",
    },
    "admin.resumed": {
        "en": "Digests are on again. Next: {next}.",
        "ko": "다이제스트를 다시 시작해요. 다음 게시: {next}.",
    },
    "admin.posted": {
        "en": "Posted the digest of {day} ({parts} messages).",
        "ko": "{day} 다이제스트를 올렸어요 (메시지 {parts}개).",
    },
    "admin.nothing": {
        "en": "Nothing to post: {reason}.",
        "ko": "올릴 것이 없어요: {reason}.",
    },
    "status.title": {"en": "Digest status", "ko": "다이제스트 상태"},
    "status.channel": {"en": "Channel", "ko": "채널"},
    "status.schedule": {"en": "Schedule", "ko": "일정"},
    "status.next": {"en": "Next run", "ko": "다음 게시"},
    "status.cursor": {"en": "Last day posted", "ko": "마지막으로 올린 날"},
    "status.waiting": {"en": "Days waiting", "ko": "대기 중인 날"},
    "status.settings": {"en": "Language · style", "ko": "언어 · 형식"},
    "status.error": {"en": "Last error", "ko": "마지막 오류"},
    "status.unpublished": {"en": "Waiting to be published", "ko": "게시(발행) 대기 중"},
    "status.none": {"en": "none", "ko": "없음"},
    "status.not_scheduled": {"en": "not scheduled", "ko": "예정 없음"},
    "status.stopped": {
        "en": "stopped until fixed: {error}. Fix the permission, then /digest-admin resume.",
        "ko": "중단됨: {error}. 권한을 고친 뒤 /digest-admin resume 을 실행해 주세요.",
    },
}


def lang_of(locale: object) -> str:
    """`ko` for Korean Discord clients (a `discord.Locale` or its string), else `en`."""
    return "ko" if locale is not None and str(locale).lower().startswith("ko") else "en"


def t(key: str, locale: object = None, **values: Any) -> str:
    """The message `key` in the member's language, formatted with `values`."""
    forms = MESSAGES[key]
    template = forms.get(lang_of(locale)) or forms["en"]
    return template.format(**values)
