"""The `pdf` property of a note: a link to the paper's stored PDF, or a copy of it in the vault.

--pdfs link: a file:// address of the PDF in the library (nothing copied).
--pdfs copy: the PDF copied into the vault's attachment folder (Obsidian's own setting,
             "Default location for new attachments"), linked as [[path/in/vault.pdf]].
             A copy already there is never overwritten: the reader may have annotated it.
--pdfs none: the web address of the PDF, as before stored files existed.
A paper without a stored PDF gets its web address in every mode.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from papershelf.exports.obsidian.errors import ObsidianExportError

PDF_MODES = ("link", "copy", "none")


class PdfLinker:
    """Give each paper's note its `pdf` value, copying PDFs into the vault in copy mode."""

    def __init__(self, mode, vault_dir, notes_folder):
        if mode not in PDF_MODES:
            raise ObsidianExportError(f"--pdfs must be one of {', '.join(PDF_MODES)}")
        self.mode = mode
        self.vault = Path(vault_dir)
        self.folder = attachment_folder(self.vault, Path(notes_folder)) if mode == "copy" else None

    def pdf_value(self, paper):
        """Return the note's `pdf` property for the paper (None when there is no PDF at all)."""
        stored = next((f for f in paper.get("files") or [] if f.get("kind") == "pdf"), None)
        if self.mode == "none" or stored is None or not os.path.exists(stored["path"]):
            return paper.get("pdf_url") or None
        if self.mode == "link":
            return Path(stored["path"]).as_uri()
        copy = self.folder / Path(stored["path"]).name
        if not copy.exists():
            _copy_atomically(stored["path"], copy)
        relative = PurePosixPath(*copy.relative_to(self.vault).parts)
        return f"[[{relative}]]"


def attachment_folder(vault, notes_folder):
    """Return where Obsidian puts new attachments in this vault (its app.json setting)."""
    try:
        settings = json.loads((vault / ".obsidian" / "app.json").read_text(encoding="utf-8"))
        setting = str(settings.get("attachmentFolderPath") or "/")
    except (OSError, ValueError, AttributeError):
        setting = "/"  # Obsidian's default: the vault's root folder
    if setting.startswith("./"):
        folder = notes_folder / setting[2:]  # beside the note (in a subfolder of it)
    else:
        folder = vault / setting.strip("/")
    resolved = folder.resolve()
    if not resolved.is_relative_to(vault.resolve()):
        raise ObsidianExportError(f"the vault's attachment folder {setting!r} is outside the vault")
    return folder


def _copy_atomically(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
