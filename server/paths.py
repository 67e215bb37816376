"""Where papershelf keeps its data: PAPERSHELF_HOME or the platform's user data dir."""

import os
import secrets
from pathlib import Path

import platformdirs

TOKEN_FILE = "token"
DB_FILE = "papershelf.db"
FILES_DIR = "files"


def home_dir():
    """Return the papershelf home directory, without creating it."""
    return Path(os.environ.get("PAPERSHELF_HOME") or platformdirs.user_data_dir("papershelf"))


def home():
    """Return the papershelf home directory, created owner-only (0700) if missing."""
    path = home_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_db_path():
    """Return where the library lives unless --db or PAPERSHELF_DB says otherwise (not created)."""
    return home_dir() / DB_FILE


def files_dir(db_path):
    """Return the folder holding a library's stored files: `files/` beside its database.

    With the default database that is PAPERSHELF_HOME/files; a library opened with
    --db keeps its files beside it, so that two libraries never mix their files.
    """
    return Path(db_path).resolve().parent / FILES_DIR


def token_path():
    return home() / TOKEN_FILE


def read_or_create_token():
    """Return the API token, creating it (owner-only, 0600) on first use."""
    path = token_path()
    try:
        token = path.read_text().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    # O_EXCL: if two processes race on first start, one wins and the other re-reads.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token
