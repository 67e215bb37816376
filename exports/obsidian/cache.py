"""Fingerprints of the last export, so that a re-export skips notes that would not change."""

import hashlib
import json

from papershelf.exports.atomic import write_if_changed

FORMAT = 1  # bump when rendering changes, so stored fingerprints stop matching

CACHE_NAME = ".papershelf.json"


def digest(data):
    """Return a short digest of bytes."""
    return hashlib.blake2b(data, digest_size=10).hexdigest()


def fingerprint(*values):
    """Return a digest of everything a note's text is made from."""
    data = json.dumps(values, default=str)
    return hashlib.blake2b(data.encode("ascii"), digest_size=10).hexdigest()


def load_cache(target):
    """Return {note name: [inputs fingerprint, text digest]} from the last export."""
    try:
        data = json.loads((target / CACHE_NAME).read_text(encoding="utf-8"))
        if data.get("format") == FORMAT and isinstance(data.get("notes"), dict):
            return data["notes"]
    except (OSError, ValueError, AttributeError):
        pass  # no usable cache: every note is checked against its text
    return {}


def save_cache(target, notes):
    """Write the fingerprints (only when they changed, like every file here)."""
    text = json.dumps({"format": FORMAT, "notes": notes}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)
    write_if_changed(target / CACHE_NAME, text + "\n")
