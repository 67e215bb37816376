"""The error an Obsidian export reports to the user."""


class ObsidianExportError(ValueError):
    """An export that cannot run (bad folder, template or filter); the message is for the user."""
