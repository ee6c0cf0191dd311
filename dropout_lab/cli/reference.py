"""Commands of this group (being implemented)."""

COMMANDS = ()
