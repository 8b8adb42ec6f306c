"""Numbered forward migrations; the version lives in `PRAGMA user_version`.

Each migration is a script applied in one transaction with the version bump, so a
crash mid-upgrade leaves the previous version intact. Never edit a released
migration: add the next one.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: notes files, appearances of papers per day, papers, tags, links, search.
    """
    CREATE TABLE files (
        source      TEXT PRIMARY KEY,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        mtime_ns    INTEGER NOT NULL,
        ingested_at TEXT NOT NULL,
        problems    TEXT NOT NULL DEFAULT '[]'  -- JSON [[line, message], ...]
    );

    -- One entry of one day's notes. A paper written up on three days has three.
    CREATE TABLE appearances (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL REFERENCES files(source) ON DELETE CASCADE,
        date          TEXT NOT NULL,
        position      INTEGER NOT NULL,
        line          INTEGER NOT NULL,
        paper_key     TEXT NOT NULL,
        title         TEXT NOT NULL,
        authors       TEXT NOT NULL,  -- JSON array
        org           TEXT,
        abstract      TEXT,
        commentary_ko TEXT NOT NULL,
        commentary_en TEXT NOT NULL,
        tags          TEXT NOT NULL,  -- JSON array
        links         TEXT NOT NULL   -- JSON array
    );
    CREATE INDEX appearances_source ON appearances(source);
    CREATE INDEX appearances_paper ON appearances(paper_key);
    CREATE INDEX appearances_date ON appearances(date, position);

    -- A paper, identified by its squashed title; fields from its latest appearance.
    CREATE TABLE papers (
        id         INTEGER PRIMARY KEY,
        key        TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        authors    TEXT NOT NULL,  -- JSON array
        org        TEXT,
        abstract   TEXT,
        tags       TEXT NOT NULL,  -- JSON array, union over appearances
        links      TEXT NOT NULL,  -- JSON array, union over appearances
        first_date TEXT NOT NULL,
        last_date  TEXT NOT NULL
    );

    -- Ordered by (tag, last_date) so "newest papers with this tag" is an index walk.
    CREATE TABLE paper_tags (
        tag       TEXT NOT NULL,
        last_date TEXT NOT NULL,
        paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, last_date, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_tags_paper ON paper_tags(paper_id);

    CREATE TABLE tags (
        tag    TEXT PRIMARY KEY,
        papers INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE paper_links (
        url      TEXT NOT NULL,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (url, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_links_paper ON paper_links(paper_id);

    -- Word index (Hangul as syllable bigrams, see bot.core.text); rowid = papers.id.
    CREATE VIRTUAL TABLE paper_fts USING fts5(
        title, authors, abstract, commentary,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
    );
    -- Substrings of squashed titles: split/joined words (`deep seek` ~ `DeepSeek`).
    CREATE VIRTUAL TABLE title_trigram USING fts5(key, tokenize = 'trigram');
    -- Title words, for correcting typos word by word.
    CREATE TABLE title_words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE);
    CREATE VIRTUAL TABLE title_words_trigram USING fts5(
        word, content = 'title_words', content_rowid = 'id', tokenize = 'trigram'
    );
    CREATE TRIGGER title_words_ai AFTER INSERT ON title_words BEGIN
        INSERT INTO title_words_trigram(rowid, word) VALUES (new.id, new.word);
    END;
    """,
    # 2: per-server digest settings, each digest channel's cursor, the delivery ledger.
    """
    -- NULL columns fall back to the operator's defaults from the environment.
    CREATE TABLE guild_settings (
        guild_id    INTEGER PRIMARY KEY,
        channel_id  INTEGER,
        digest_time TEXT,
        timezone    TEXT,
        language    TEXT CHECK (language IN ('ko', 'en', 'both')),
        style       TEXT CHECK (style IN ('full', 'compact')),
        paused      INTEGER NOT NULL DEFAULT 0,
        updated_at  TEXT NOT NULL
    );

    -- Where a channel is in the archive: it has been sent every day up to `cursor`.
    CREATE TABLE digest_channels (
        channel_id INTEGER PRIMARY KEY,
        guild_id   INTEGER NOT NULL,
        start      TEXT NOT NULL DEFAULT 'first',  -- 'first', 'latest' or YYYY-MM-DD
        cursor     TEXT,                           -- last day delivered
        last_fire  TEXT,                           -- scheduled run last served (UTC ISO)
        error      TEXT,
        error_at   TEXT,
        stopped    INTEGER NOT NULL DEFAULT 0      -- 403/404: no retries until reconfigured
    );

    -- One day's digest in one channel.
    CREATE TABLE digests (
        channel_id   INTEGER NOT NULL,
        day          TEXT NOT NULL,
        style        TEXT NOT NULL,
        language     TEXT NOT NULL,
        late         INTEGER NOT NULL DEFAULT 0,
        thread_id    INTEGER,
        dirty        INTEGER NOT NULL DEFAULT 0,  -- notes changed since it was posted
        started_at   TEXT NOT NULL,
        completed_at TEXT,
        PRIMARY KEY (channel_id, day)
    );

    -- Every message of a digest: 'sending' is written before the request, 'sent' with
    -- Discord's message id after it, so a restart knows exactly what may be missing.
    CREATE TABLE deliveries (
        channel_id   INTEGER NOT NULL,
        day          TEXT NOT NULL,
        part         INTEGER NOT NULL,
        target_id    INTEGER NOT NULL,  -- the channel or thread it is posted in
        nonce        TEXT NOT NULL,
        payload_hash TEXT NOT NULL,     -- what the message shows now
        state        TEXT NOT NULL CHECK (state IN ('sending', 'sent')),
        message_id   INTEGER,
        publish      TEXT NOT NULL DEFAULT 'pending'
                     CHECK (publish IN ('pending', 'done', 'not-announcement')),
        published_at TEXT,
        edited_at    TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (channel_id, day, part),
        FOREIGN KEY (channel_id, day) REFERENCES digests(channel_id, day) ON DELETE CASCADE
    );
    """,
    # 3: a title-only word index. Autocomplete on a million papers cannot afford the
    # four-column index: a column filter still reads every column's postings.
    """
    CREATE VIRTUAL TABLE title_fts USING fts5(
        title, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6'
    );
    INSERT INTO title_fts (rowid, title) SELECT rowid, title FROM paper_fts;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
