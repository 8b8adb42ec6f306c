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
    # ---- looking papers up (/paper, /tag, /tags, /search, /digest, /random, /related) ----
    "error.unexpected": {
        "en": "Something went wrong (error id `{error_id}`)."
        " The bot's operator can find the details in its log.",
        "ko": "문제가 생겼어요 (오류 번호 `{error_id}`)."
        " 봇 운영자가 로그에서 자세한 내용을 찾을 수 있어요.",
    },
    "lookup.prev": {"en": "◀ Previous", "ko": "◀ 이전"},
    "lookup.next": {"en": "Next ▶", "ko": "다음 ▶"},
    "lookup.share": {"en": "Share", "ko": "공유"},
    "lookup.language": {"en": "한/EN", "ko": "한/EN"},
    "lookup.related": {"en": "Related", "ko": "관련 논문"},
    "lookup.another": {"en": "Another", "ko": "다른 논문"},
    "lookup.open": {"en": "Open a paper…", "ko": "논문 열기…"},
    "lookup.shared_by": {"en": "Shared by {member}", "ko": "{member} 님이 공유했어요"},
    "lookup.page": {"en": "Page {page}/{pages}", "ko": "{page}/{pages}쪽"},
    "lookup.page_open": {"en": "Page {page}", "ko": "{page}쪽"},
    "lookup.papers": {"en": "{count:,} papers", "ko": "논문 {count:,}편"},
    "lookup.paper": {"en": "1 paper", "ko": "논문 1편"},
    "lookup.tag_title": {"en": "#{tag} · {papers}", "ko": "#{tag} · {papers}"},
    "lookup.search_title": {"en": "Search: {query}", "ko": "검색: {query}"},
    "lookup.search_cut": {
        "en": "That was long: searched for “{query}”.",
        "ko": "검색어가 길어서 “{query}”(으)로 검색했어요.",
    },
    "lookup.tags_title": {"en": "Tags · {count:,}", "ko": "태그 {count:,}개"},
    "lookup.related_title": {"en": "Related to {title}", "ko": "{title} 관련 논문"},
    "lookup.also_noted": {
        "en": "Also in your notes on {days}.",
        "ko": "{days}의 노트에도 있어요.",
    },
    "lookup.no_words": {
        "en": "Type a few words of a paper's title (letters or digits).",
        "ko": "논문 제목의 단어를 몇 개 입력해 주세요 (글자나 숫자).",
    },
    "lookup.no_paper": {
        "en": "No paper like “{query}”. Try /search to look through the notes' text.",
        "ko": "“{query}” 같은 논문이 없어요. /search 로 노트 본문을 찾아보세요.",
    },
    "lookup.did_you_mean": {
        "en": "No paper like “{query}”. Did you mean one of these?",
        "ko": "“{query}” 같은 논문이 없어요. 혹시 이 중에 있나요?",
    },
    "lookup.no_tag": {
        "en": "No tag #{tag}. /tags lists every tag.",
        "ko": "#{tag} 태그가 없어요. /tags 로 모든 태그를 볼 수 있어요.",
    },
    "lookup.no_tag_near": {
        "en": "No tag #{tag}. Did you mean {tags}?",
        "ko": "#{tag} 태그가 없어요. 혹시 {tags}?",
    },
    "lookup.no_hits": {
        "en": "Nothing in the notes matches “{query}”.",
        "ko": "노트에서 “{query}”와 맞는 내용을 찾지 못했어요.",
    },
    "lookup.no_search_words": {
        "en": "Type some words to search for: letters or digits (symbols and quotes are ignored).",
        "ko": "검색할 단어를 입력해 주세요. 글자나 숫자만 찾아요 (기호와 따옴표는 무시해요).",
    },
    "lookup.no_day": {
        "en": "No notes on {day}. Pick a day from the list.",
        "ko": "{day}에는 노트가 없어요. 목록에서 날짜를 골라 주세요.",
    },
    "lookup.no_day_near": {
        "en": "No notes on {day}. Nearest days: {days}.",
        "ko": "{day}에는 노트가 없어요. 가까운 날: {days}.",
    },
    "lookup.bad_day": {
        "en": "“{value}” is not a date. Use 2024-06-12, or pick a day from the list.",
        "ko": "“{value}”는 날짜가 아니에요. 2024-06-12처럼 쓰거나 목록에서 골라 주세요.",
    },
    "lookup.empty": {
        "en": "The library is empty: no notes have been read yet.",
        "ko": "아직 라이브러리가 비어 있어요. 읽은 노트가 없어요.",
    },
    "lookup.no_related": {
        "en": "Nothing shares a tag or a link with “{title}” yet.",
        "ko": "“{title}”와 태그나 링크를 공유하는 논문이 아직 없어요.",
    },
    "lookup.gone": {
        "en": "That page no longer exists: the notes changed since. Run the command again.",
        "ko": "그 페이지는 더 이상 없어요. 그사이 노트가 바뀌었어요. 명령을 다시 실행해 주세요.",
    },
    "lookup.stale": {
        "en": "This button comes from an older version of the bot. Run the command again.",
        "ko": "이전 버전의 봇이 만든 버튼이에요. 명령을 다시 실행해 주세요.",
    },
    "lookup.choice_papers": {"en": "{name} · {count:,} papers", "ko": "{name} · 논문 {count:,}편"},
    "lookup.choice_paper": {"en": "{name} · 1 paper", "ko": "{name} · 논문 1편"},
}


def lang_of(locale: object) -> str:
    """`ko` for Korean Discord clients (a `discord.Locale` or its string), else `en`."""
    return "ko" if locale is not None and str(locale).lower().startswith("ko") else "en"


def t(key: str, locale: object = None, **values: Any) -> str:
    """The message `key` in the member's language, formatted with `values`."""
    forms = MESSAGES[key]
    template = forms.get(lang_of(locale)) or forms["en"]
    return template.format(**values)


# Korean names and descriptions of the slash commands, keyed by the English text in the
# code (discord.py's translator asks for each). Names must stay lower-case and match
# Discord's ^[-_'\p{L}\p{N}]{1,32}$; descriptions 1–100 characters.
COMMAND_NAMES_KO: dict[str, str] = {
    "about": "소개",
    "paper": "논문",
    "tag": "태그",
    "tags": "태그목록",
    "search": "검색",
    "digest": "다이제스트",
    "random": "랜덤",
    "related": "관련논문",
}
OPTION_NAMES_KO: dict[str, str] = {
    "title": "제목",
    "name": "이름",
    "query": "검색어",
    "date": "날짜",
    "tag": "태그",
}
DESCRIPTIONS_KO: dict[str, str] = {
    "How many papers, days and tags the bot knows": "봇이 아는 논문, 날짜, 태그 수",
    "Show a paper from the notes": "노트에 있는 논문 보기",
    "Start typing a title and pick it from the list": "제목을 입력하고 목록에서 골라 주세요",
    "Papers with a tag, newest first": "태그가 붙은 논문, 최신순",
    "A tag, e.g. vq or #vision-language": "태그 (예: vq, #vision-language)",
    "Every tag with its number of papers": "모든 태그와 논문 수",
    "Search titles, authors, abstracts and notes": "제목, 저자, 초록, 코멘트에서 검색",
    "Words to look for, in English or Korean": "찾을 단어 (한국어나 영어)",
    "A day's digest, just for you": "그날의 다이제스트를 나에게만 보기",
    "A day of notes, e.g. 2024-06-12": "노트가 있는 날 (예: 2024-06-12)",
    "A paper picked at random": "무작위로 고른 논문",
    "Only papers with this tag": "이 태그가 붙은 논문 중에서",
    "Papers sharing tags or links with one": "태그나 링크를 공유하는 논문",
    "Daily digest settings for this server (Manage Server)": (
        "이 서버의 일일 다이제스트 설정 (서버 관리)"
    ),
    "Where the daily digest is posted": "다이제스트를 올릴 채널",
    "A text or announcement channel the bot can post in": (
        "봇이 글을 올릴 수 있는 텍스트·공지 채널"
    ),
    "When the daily digest is posted": "다이제스트를 올릴 시간",
    "24-hour time, e.g. 09:00": "24시간제 시간 (예: 09:00)",
    "IANA time zone, e.g. Asia/Seoul": "IANA 시간대 (예: Asia/Seoul)",
    "The language of the notes' commentary": "노트 코멘트의 언어",
    "Full embeds, or a compact list + a thread": "전체 임베드, 또는 간단한 목록과 스레드",
    "Which day of the notes the digest (re)starts at": "다이제스트를 (다시) 시작할 노트 날짜",
    "first, latest, or a date like 2024-06-12": "first, latest 또는 2024-06-12 같은 날짜",
    "Stop posting digests until resumed": "다시 시작할 때까지 다이제스트 멈추기",
    "Post digests again (also after an error)": "다이제스트 다시 올리기 (오류 뒤에도)",
    "Post the next day's digest right now": "다음 날의 다이제스트를 지금 올리기",
    "Channel, next run, progress and errors": "채널, 다음 게시, 진행 상황, 오류",
}
