"""The bot's own words in English and Korean, chosen by the member's Discord locale.

Notes text is never translated here: its language follows the server's setting.
Missing Korean falls back to English rather than showing a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

MESSAGES: dict[str, dict[str, str]] = {
    "lookup.tags_no_chart": {
        "en": "No chart: the bot's machine has no font that can draw Korean (fonts-nanum).",
        "ko": "차트 없음: 봇이 도는 컴퓨터에 한글을 그릴 글꼴이 없어요 (fonts-nanum).",
    },
    "cite.button": {"en": "Cite", "ko": "인용"},
    "cite.which": {
        "en": "Which paper? Pick one from the list as you type: {titles}",
        "ko": "어느 논문인가요? 입력하면서 목록에서 골라 주세요: {titles}",
    },
    "cite.incomplete": {
        "en": "Incomplete: the notes hold no {fields} for this paper, so they are left out"
        " rather than guessed.",
        "ko": "불완전한 참고문헌이에요: 노트에 이 논문의 {fields} 정보가 없어서 추측하지 않고"
        " 뺐어요.",
    },
    "cite.add_link": {
        "en": "Put the paper's own arXiv link on a line after its authors in the notes, and"
        " the year, month and URL follow from it.",
        "ko": "노트에서 저자 다음 줄에 이 논문의 arXiv 링크를 적으면 연도, 월, URL이 채워져요.",
    },
    "cite.attached": {
        "en": "Too long to show here: the reference is attached ({files}).",
        "ko": "여기 보여 주기엔 너무 길어서 파일로 첨부했어요 ({files}).",
    },
    "export.summary": {"en": "{papers} · {filters}", "ko": "{papers} · {filters}"},
    "export.all": {"en": "all papers", "ko": "모든 논문"},
    "export.part": {"en": "File {part} of {parts}.", "ko": "파일 {parts}개 중 {part}번째예요."},
    "export.incomplete": {
        "en": "{count} of these references are incomplete: their notes hold no link to the"
        " paper's own arXiv page, so year and URL are left out.",
        "ko": "이 중 {count}편은 노트에 논문의 arXiv 링크가 없어 연도와 URL을 뺀 불완전한"
        " 참고문헌이에요.",
    },
    "export.none": {
        "en": "No papers match {filters}.",
        "ko": "{filters}에 맞는 논문이 없어요.",
    },
    "export.bad_day": {
        "en": "{value} is not a date. Use a day like 2024-06-12, a month like 2024-06 or a"
        " year like 2024.",
        "ko": "{value}는 날짜가 아니에요. 2024-06-12 같은 날, 2024-06 같은 달, 2024 같은 해로"
        " 적어 주세요.",
    },
    "export.backwards": {
        "en": "since: {since} comes after until: {until}; nothing is in between.",
        "ko": "since: {since}가 until: {until}보다 늦어서 그 사이에 아무것도 없어요.",
    },
    "export.too_many": {
        "en": "{papers} match; an export here holds at most {most:,}.",
        "ko": "{papers}이 맞아요. 여기서는 한 번에 {most:,}편까지 내보낼 수 있어요.",
    },
    "export.too_large": {
        "en": "{papers} take {files} files of {size}; an export here sends at most {most}.",
        "ko": "{papers}은 {size} 파일 {files}개가 필요해요. 여기서는 {most}개까지 보낼 수 있어요.",
    },
    "export.paper_too_large": {
        "en": "One of these papers alone is larger than the {size} a file may be here.",
        "ko": "이 중 한 논문만으로도 여기서 보낼 수 있는 파일 크기({size})보다 커요.",
    },
    "export.narrow": {
        "en": "Narrow it with tag:, since: or until:, e.g. since: {since}.",
        "ko": "tag:, since:, until:로 범위를 좁혀 주세요. 예: since: {since}",
    },
    "export.narrow_any": {
        "en": "Narrow it with tag:, since: or until:, or ask the operator for"
        " `paper-digest-bot export`.",
        "ko": "tag:, since:, until:로 범위를 좁히거나 운영자에게 `paper-digest-bot export`를"
        " 부탁해 주세요.",
    },
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
    "status.alerts": {"en": "Alert channel", "ko": "알림 채널"},
    "status.paused": {"en": "paused", "ko": "멈춤"},
    # ---- the choices of /digest-admin language, style and start (names, not values) ----
    "language.ko": {"en": "Korean", "ko": "한국어"},
    "language.en": {"en": "English", "ko": "영어"},
    "language.both": {"en": "Korean and English", "ko": "한국어와 영어"},
    "style.full": {"en": "Full: an embed per paper", "ko": "전체: 논문마다 임베드"},
    "style.compact": {
        "en": "Compact: a list, the embeds in a thread",
        "ko": "간단히: 목록과 스레드",
    },
    "start.first": {
        "en": "first: the oldest day of the notes",
        "ko": "처음: 노트의 가장 오래된 날",
    },
    "start.latest": {
        "en": "latest: the newest day of the notes",
        "ko": "최신: 노트의 가장 최근 날",
    },
    # ---- /about, /help and the command tree's errors ----
    "about.title": {"en": "Paper digest library", "ko": "논문 다이제스트 라이브러리"},
    "about.description": {
        "en": "Daily paper notes, turned into a digest and a searchable library."
        " /help lists the commands.",
        "ko": "매일의 논문 노트를 다이제스트와 검색할 수 있는 라이브러리로 만들어요."
        " /help 에서 명령어를 볼 수 있어요.",
    },
    "about.papers": {"en": "Papers", "ko": "논문"},
    "about.days": {"en": "Days", "ko": "날짜"},
    "about.tags": {"en": "Tags", "ko": "태그"},
    "about.latest": {"en": "Latest day", "ko": "최근 날짜"},
    "about.none": {"en": "none yet", "ko": "아직 없음"},
    "help.title": {"en": "Commands", "ko": "명령어"},
    "help.footer": {
        "en": "Answers are just for you; Share posts one in the channel.",
        "ko": "답은 나에게만 보여요. 공유 버튼으로 채널에 올릴 수 있어요.",
    },
    "error.bad_value": {
        "en": "“{value}” does not fit that option: pick one from the list as you type.",
        "ko": "“{value}”는 그 옵션에 맞지 않아요. 입력하면서 목록에서 골라 주세요.",
    },
    "error.not_allowed": {
        "en": "You can't use this command here.",
        "ko": "여기서는 이 명령을 쓸 수 없어요.",
    },
    "admin.alerts_set": {
        "en": "Alerts for this server will be posted in {channel}.",
        "ko": "이 서버의 운영 알림을 {channel} 채널에 올려요.",
    },
    "admin.alerts_off": {
        "en": "Alerts for this server are off.",
        "ko": "이 서버의 운영 알림을 껐어요.",
    },
    # ---- what to do about a refused digest (alerts and /digest-admin why) ----
    "advice.permissions": {
        "en": "Give the bot View Channel, Send Messages and Embed Links in <#{channel}>,"
        " then run /digest-admin resume.",
        "ko": "봇에게 <#{channel}> 채널의 채널 보기, 메시지 보내기, 링크 첨부 권한을 준 뒤"
        " /digest-admin resume 을 실행해 주세요.",
    },
    "advice.gone": {
        "en": "<#{channel}> is gone or hidden from the bot: choose another channel with"
        " /digest-admin channel.",
        "ko": "<#{channel}> 채널이 없어졌거나 봇에게 보이지 않아요."
        " /digest-admin channel 로 다른 채널을 골라 주세요.",
    },
    "advice.retry": {
        "en": "The next run tries again; /digest-admin status shows the last error.",
        "ko": "다음 게시 때 다시 시도해요. /digest-admin status 에서 마지막 오류를 볼 수 있어요.",
    },
    # ---- operator alerts ----
    "alert.stopped": {
        "en": "⚠️ Digests to <#{channel}> stopped: Discord said {error}.",
        "ko": "⚠️ <#{channel}> 다이제스트가 멈췄어요. Discord 응답: {error}.",
    },
    "alert.failing": {
        "en": "⚠️ Digests to <#{channel}> failed {runs} runs in a row (last: {error}).",
        "ko": "⚠️ <#{channel}> 다이제스트가 {runs}번 연속 실패했어요 (마지막 오류: {error}).",
    },
    "alert.notes": {
        "en": "⚠️ The notes of {day} have not gone out yet and {source} has problems: {problems}."
        " Fix the file (`python -m bot parse {source}` checks it).",
        "ko": "⚠️ 아직 게시되지 않은 {day} 노트의 파일 {source}에 문제가 있어요: {problems}."
        " 파일을 고쳐 주세요 (`python -m bot parse {source}` 로 확인할 수 있어요).",
    },
    "alert.notes_unread": {
        "en": "⚠️ Nothing in {source} could be read, so none of it will go out: {problems}."
        " Fix the file (`python -m bot parse {source}` checks it).",
        "ko": "⚠️ {source}에서 읽을 수 있는 노트가 없어 아무것도 게시되지 않아요: {problems}."
        " 파일을 고쳐 주세요 (`python -m bot parse {source}` 로 확인할 수 있어요).",
    },
    "alert.mass_removal": {
        "en": "🛑 The notes check refused to remove {removing} of {total} papers at once:"
        " is the notes folder mounted and complete? Nothing was changed.",
        "ko": "🛑 노트 확인에서 논문 {total}편 중 {removing}편을 한 번에 지우려 해서 막았어요."
        " 노트 폴더가 제대로 연결되어 있는지 확인해 주세요. 아무것도 바뀌지 않았어요.",
    },
    "alert.notes_folder": {
        "en": "⚠️ The notes folder cannot be read: {error}.",
        "ko": "⚠️ 노트 폴더를 읽을 수 없어요: {error}.",
    },
    "alert.database": {
        "en": "🛑 Digests are stopped, so that none starts over from the first day: {reason}.",
        "ko": "🛑 첫날부터 다시 게시하지 않도록 다이제스트를 멈췄어요: {reason}.",
    },
    "alert.more": {
        "en": "…and {count} more held back (too many alerts here this hour).",
        "ko": "…외 {count}건 (이번 한 시간 동안 알림이 너무 많아 보류했어요).",
    },
    # ---- /digest-admin why ----
    "why.posted": {"en": "**{day}**: posted → {link}", "ko": "**{day}**: 게시됨 → {link}"},
    "why.edited": {"en": " (edited <t:{at}:R>)", "ko": " (<t:{at}:R> 수정됨)"},
    "why.waiting": {
        "en": "**{day}**: waiting, {place} in line; next run {next}",
        "ko": "**{day}**: 대기 중, {place}로 게시돼요. 다음 게시: {next}",
    },
    "why.failed": {
        "en": "**{day}**: failed; Discord said {error}.",
        "ko": "**{day}**: 실패했어요. Discord 응답: {error}.",
    },
    "why.skipped": {
        "en": "**{day}**: not sent here: this channel's digests started after it."
        " /digest-admin start with at: {day} goes back to it.",
        "ko": "**{day}**: 이 채널의 다이제스트가 그 뒤부터 시작해서 게시되지 않았어요."
        " /digest-admin start 에 at: {day} 를 주면 그날부터 다시 시작할 수 있어요.",
    },
    "why.stopped": {
        "en": "This channel is stopped: Discord said {error}.",
        "ko": "이 채널은 멈춰 있어요. Discord 응답: {error}.",
    },
    "why.paused": {
        "en": "Digests are paused: /digest-admin resume starts them again.",
        "ko": "다이제스트가 멈춰 있어요. /digest-admin resume 으로 다시 시작해요.",
    },
    "why.problems": {
        "en": "Problems in its notes file:",
        "ko": "노트 파일의 문제:",
    },
    "why.not_parsed": {
        "en": "Not read from the notes (fix the file: the next notes check reads it again):",
        "ko": "노트에서 읽지 못했어요 (파일을 고치면 다음 노트 확인 때 다시 읽어요):",
    },
    "why.unknown": {
        "en": "Nothing in the notes matches “{query}”: no title, day or notes problem like it.",
        "ko": "노트에서 “{query}”와 맞는 제목, 날짜, 문제를 찾지 못했어요.",
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


def lang_of(locale: object) -> Literal["ko", "en"]:
    """`ko` for Korean Discord clients (a `discord.Locale` or its string), else `en`.

    The one place that decides which language a member reads."""
    return "ko" if locale is not None and str(locale).lower().startswith("ko") else "en"


def t(key: str, locale: object = None, **values: Any) -> str:
    """The message `key` in the member's language, formatted with `values`."""
    forms = MESSAGES[key]
    template = forms.get(lang_of(locale)) or forms["en"]
    return template.format(**values)


def ordinal(number: int, locale: object = None) -> str:
    """`1st`, `2nd`, `3rd`, `11th`… in English; `1번째`… in Korean."""
    if lang_of(locale) == "ko":
        return f"{number}번째"
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def described(text: str, locale: object) -> str:
    """A command's English description (as written in the code) in the member's language."""
    return DESCRIPTIONS_KO.get(text, text) if lang_of(locale) == "ko" else text


def permission_names(names: Iterable[str], locale: object) -> str:
    """Permissions named as Discord's settings show them in the member's language."""
    korean = lang_of(locale) == "ko"
    return ", ".join(PERMISSION_NAMES_KO.get(n, n) if korean else n for n in names)


# `/name`, `/group sub` in the bot's words: not inside a URL, a path or a mention.
_COMMAND_RE = re.compile(r"(?<![\w/:<])/([-\w]+(?: [-\w]+){0,2})")
_CODE_RE = re.compile(r"(`[^`]*`)")


def link_commands(text: str, mentions: Mapping[str, str]) -> str:
    """`/search` and `/digest-admin resume` in `text` as clickable command mentions.

    `mentions` maps qualified command names to their mention (`</search:123>`); the
    longest known name after a slash wins, unknown ones and code spans stay as written.
    """

    def mention(match: re.Match[str]) -> str:
        words = match[1].split(" ")
        for count in range(len(words), 0, -1):
            name = " ".join(words[:count])
            if name in mentions:
                return mentions[name] + match[0][len(name) + 1 :]
        return match[0]

    parts = _CODE_RE.split(text)
    return "".join(p if p.startswith("`") else _COMMAND_RE.sub(mention, p) for p in parts)


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
    "help": "도움말",
    "cite": "인용",
    "export": "내보내기",
}
OPTION_NAMES_KO: dict[str, str] = {
    "title": "제목",
    "name": "이름",
    "query": "검색어",
    "date": "날짜",
    "tag": "태그",
    "channel": "채널",
    "time": "시간",
    "timezone": "시간대",
    "at": "시작점",
    "language": "언어",
    "style": "형식",
    "since": "부터",
    "until": "까지",
    "format": "파일형식",
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
    "Where operator alerts for this server are posted": "이 서버의 운영 알림을 올릴 채널",
    "A channel for alerts; leave empty to turn them off": "알림 채널 (비워 두면 알림 끄기)",
    "What became of a paper or a day of notes here": "논문이나 날짜의 노트가 여기서 어떻게 됐는지",
    "A title or a date, e.g. 2024-06-12": "제목이나 날짜 (예: 2024-06-12)",
    "What each command does": "명령어마다 하는 일",
    "Korean, English, or both": "한국어, 영어 또는 둘 다",
    "How each paper is shown": "논문마다 보여 주는 방식",
    "A paper as BibTeX and an APA reference": "논문을 BibTeX와 APA 참고문헌으로",
    "Papers from the notes as a file to download": "노트의 논문을 파일로 내려받기",
    "From this day, month or year, e.g. 2024-06": "이 날, 달, 해부터 (예: 2024-06)",
    "Up to this day, month or year, e.g. 2024-12-31": "이 날, 달, 해까지 (예: 2024-12-31)",
    "Markdown, CSV, BibTeX or JSON": "Markdown, CSV, BibTeX 또는 JSON",
}
# Discord's Korean names of the permissions a digest channel needs (core.permissions.NAMES).
PERMISSION_NAMES_KO: dict[str, str] = {
    "View Channel": "채널 보기",
    "Send Messages": "메시지 보내기",
    "Embed Links": "링크 첨부",
    "Attach Files": "파일 첨부",
    "Read Message History": "메시지 기록 보기",
    "Create Public Threads": "공개 스레드 만들기",
    "Send Messages in Threads": "스레드에서 메시지 보내기",
}
