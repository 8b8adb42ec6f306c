"""Process exit codes, the same for every command (documented in the README).

systemd's `RestartPreventExitStatus=` lists the codes a restart cannot fix.
"""

from __future__ import annotations

OK = 0
FAILURE = 1  # anything else; also "check found something to fix", "lint found problems"
UNUSABLE = 2  # bad configuration, or an unusable database or notes folder
BAD_TOKEN = 3  # Discord rejected DISCORD_TOKEN
LOCKED = 4  # another process holds the database
