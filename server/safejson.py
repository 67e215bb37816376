"""Read JSON from outside within the store's limits: bounded depth, 64-bit integers, finite numbers.

json.loads recurses once per nesting level and Python ints have no size: a body
nested 100,000 deep raises RecursionError, and an integer past 64 bits overflows
SQLite. Lone surrogates ("\\ud800", legal in JSON, not in UTF-8) become U+FFFD, as a
browser's UTF-8 encoder does, so a page with a broken character is still saved.
"""

import json
import math
import re

MAX_DEPTH = 20  # a paper object needs five levels: {"papers": [{"extra": {"x": [...]}}]}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """JSON that cannot be read, or breaks a limit; the message says which."""


def loads(text):
    """Return the value of JSON text (str or bytes) with lone surrogates replaced.

    Raise UnsafeJSON when it is not JSON, nests deeper than MAX_DEPTH, or holds an
    integer beyond 64 bits or a non-finite number.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJSON(_too_deep()) from None
    except ValueError as exc:  # not JSON, not UTF-8, an integer of more than 4,300 digits
        raise UnsafeJSON(f"not valid JSON ({exc})") from None
    value = replace_surrogates(value)
    problem = first_problem(value)
    if problem:
        raise UnsafeJSON(problem)
    return value


def first_problem(value, where="the JSON", max_depth=MAX_DEPTH):
    """Return what makes value unfit for the store, as a message, or None when it fits.

    Walks the value with an explicit stack, never recursing, whatever its depth.
    """
    stack = [(value, 1, where)]
    while stack:
        item, depth, place = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return _too_deep()
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and _SURROGATE.search(key):
                    return f"{place} has a key that is not valid text"
                stack.append((child, depth + 1, _place(place, key, top=depth == 1)))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int) and not INT64_MIN <= item <= INT64_MAX:
            return f"{place} is a number out of range (more than 64 bits)"
        elif isinstance(item, float) and not math.isfinite(item):
            return f"{place} is not a finite number"
        elif isinstance(item, str) and _SURROGATE.search(item):
            return f"{place} is not valid text (a lone surrogate or undecodable bytes)"
    return None


def replace_surrogates(value):
    """Return value with every lone surrogate in its strings (and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in [k for k in item if _SURROGATE.search(k)]:
                item[_SURROGATE.sub("\ufffd", key)] = item.pop(key)
            pairs = list(item.items())
        elif isinstance(item, list):
            pairs = list(enumerate(item))
        else:
            continue
        for key, child in pairs:
            if isinstance(child, str):
                if _SURROGATE.search(child):
                    item[key] = _SURROGATE.sub("\ufffd", child)
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return value


def _place(parent, key, top):
    """Return how a message names item key of parent: `title`, `papers[0]`, `extra['pages']`."""
    if top and isinstance(key, str):
        return key
    return f"{'' if top else parent}[{key!r}]"


def _refuse_constant(name):
    raise UnsafeJSON(f"{name} is not a number JSON allows")


def _too_deep():
    return f"JSON nested too deeply (more than {MAX_DEPTH} levels)"
