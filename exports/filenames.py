"""File names that every common file system and Obsidian accept.

Windows forbids `* " \\ / < > : | ?`, control characters, names ending in a dot or
a space and the device names CON, PRN, AUX, NUL, COM1-9, LPT1-9 (with any
extension). Obsidian cannot link to names holding `# ^ [ ] |`. macOS and Windows
compare names without regard to case, so two names that differ only in case are
the same file there. Names are NFC-normalised (macOS would otherwise store the
same title in two spellings) and capped well under the 255-byte limit of ext4
and APFS so that a suffix and the ".md" extension always fit.
"""

import re
import unicodedata

FORBIDDEN = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f-\x9f\ud800-\udfff]')
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)
MAX_BYTES = 180  # UTF-8 bytes of the stem; leaves room for " 99" and ".md" in 255


def safe_stem(text, fallback="untitled"):
    """Return text as a file-name stem that Windows, macOS, Linux and Obsidian accept."""
    stem = unicodedata.normalize("NFC", text or "")
    stem = FORBIDDEN.sub(" ", stem)
    stem = " ".join(stem.split())
    stem = _cap_bytes(stem, MAX_BYTES)
    stem = stem.rstrip(". ").lstrip(" ")
    if not stem:
        stem = fallback
    if stem.split(".")[0].rstrip(" ").upper() in RESERVED:
        stem = "_" + stem
    return stem


def assign_stems(wanted):
    """Return {key: stem} for (key, text) pairs, unique without regard to case.

    Texts that are already safe keep their exact name whatever their position, so
    a note's name never changes because another paper came or went; the others
    take the safe form, with " 2", " 3"... added on a clash, in the order given.
    """
    wanted = list(wanted)
    stems, taken = {}, set()
    for key, text in wanted:
        if safe_stem(text) == text and _fold(text) not in taken:
            stems[key] = text
            taken.add(_fold(text))
    for key, text in wanted:
        if key in stems:
            continue
        base = safe_stem(text)
        stem, n = base, 1
        while _fold(stem) in taken:
            n += 1
            stem = f"{base} {n}"
        stems[key] = stem
        taken.add(_fold(stem))
    return stems


def is_safe_stem(stem):
    """Return True when stem is a name safe_stem would keep unchanged."""
    return bool(stem) and safe_stem(stem) == stem


def _fold(stem):
    return unicodedata.normalize("NFC", stem).casefold()


def _cap_bytes(text, limit):
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")
