"""The reader's settings: PAPERSHELF_HOME/config.yml (auto_export, citekey_format, refresh)."""

from pathlib import Path

import yaml

from papershelf.server import paths

CONFIG_FILE = "config.yml"
_cache = {}  # path -> (mtime, settings): a key formula is looked up for every new paper


class ConfigError(ValueError):
    """config.yml cannot be read; the message names the file and the problem."""


def config_path():
    """Return where config.yml is (or would be); the folder is not created."""
    return paths.home_dir() / CONFIG_FILE


def read_config(path=None):
    """Return the settings in config.yml as a dict ({} when there is no file)."""
    path = Path(path or config_path())
    try:
        status = path.stat()
    except FileNotFoundError:
        return {}
    # A save changes one of these (short of a same-size edit within one clock tick).
    stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = _cache[path] = (stamp, _load(path))
    return cached[1]


def _load(path):
    try:
        settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: expected settings as `name: value` lines")
    return settings
