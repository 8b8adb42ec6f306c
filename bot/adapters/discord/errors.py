"""Errors a command raises to tell the member something, as opposed to bugs."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(app_commands.AppCommandError):
    """Shown to the member as-is (ephemerally) by the tree's error handler; not logged as a bug.

    Raise it from a command with a message that says what to do, e.g.
    ``UserFacingError("No paper matches 'samba'. Try /search.")``.
    """
