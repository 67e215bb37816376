"""CLI commands of this area, registered by server.cli (placeholder until the area lands)."""

COMMANDS = []  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
