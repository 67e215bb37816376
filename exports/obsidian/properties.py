"""A note's properties: their keys and types, Obsidian's tag rules, and the YAML that holds them."""

import functools
import re
import unicodedata
from datetime import date, datetime

import yaml

MANAGED_KEYS = (
    "title", "aliases", "authors", "year", "published", "venue", "arxiv", "doi", "url",
    "pdf", "code", "citekey", "tags", "added", "status",
)
# The type of each property; tests check every note against it. None is always allowed.
PROPERTY_TYPES = {
    "title": str, "aliases": list, "authors": list, "year": int, "published": date,
    "venue": str, "arxiv": str, "doi": str, "url": str, "pdf": str, "code": str,
    "citekey": str, "tags": list, "added": datetime, "status": str,
}


def note_properties(paper, pdf=None):
    """Return the frontmatter properties of a paper's note, in their documented types.

    pdf: the link to the paper's stored PDF (attachments.PdfLinker); its web address otherwise.
    """
    title = paper["title"]
    return {
        "title": title,
        "aliases": [one_line(title)],
        "authors": list(paper.get("authors") or []),
        "year": int(paper["year"]) if paper.get("year") is not None else None,
        "published": _full_date(paper.get("published")),
        "venue": paper.get("venue") or None,
        "arxiv": paper.get("arxiv_id") or None,
        "doi": paper.get("doi") or None,
        "url": paper.get("url") or None,
        "pdf": pdf or paper.get("pdf_url") or None,
        "code": paper.get("code_url") or None,
        "citekey": paper["citekey"],
        "tags": obsidian_tags(paper.get("tags") or []),
        "added": _datetime(paper["added_at"]),
        "status": paper.get("status") or "unread",
    }


@functools.lru_cache(maxsize=4096)  # a library has few tags, each on many papers
def obsidian_tag(tag):
    """Return tag in a form Obsidian accepts as a tag, or "" when nothing is left."""
    text = unicodedata.normalize("NFC", tag).strip().lstrip("#")
    text = re.sub(r"[^\w/-]+", "-", text)
    text = re.sub(r"-{2,}", "-", re.sub(r"/{2,}", "/", text)).strip("-/")
    if text and text.replace("/", "").isdigit():
        text = "_" + text
    return text


def obsidian_tags(tags):
    """Return the Obsidian forms of tags, without empties or case-insensitive duplicates."""
    seen = {}
    for tag in tags:
        converted = obsidian_tag(tag)
        if converted and converted.casefold() not in seen:
            seen[converted.casefold()] = converted
    return list(seen.values())


def dump_properties(props):
    """Return props as YAML frontmatter lines: block style, every string double-quoted."""
    return yaml.dump(props, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=2**31 - 1, default_flow_style=False)


def one_line(text):
    return " ".join(str(text or "").split())


def _full_date(value):
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except (TypeError, ValueError):
        return None


def _datetime(value):
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(
            tzinfo=None, microsecond=0)
    except (AttributeError, ValueError):
        return None


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """PyYAML's safe dumper with every string double-quoted and keys plain."""

    def ignore_aliases(self, data):
        return True  # Obsidian reads no &anchors; every value is written out in full

    def resolve(self, kind, value, implicit):
        # A double-quoted scalar is a string whatever it says, and so is a property name:
        # skip the regex look-ups.
        if kind is yaml.ScalarNode and (implicit == (False, True) or value in PROPERTY_TYPES):
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _represent_datetime(dumper, value):
    # Obsidian's datetime property reads YYYY-MM-DDTHH:MM:SS; YAML reads it as a timestamp.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp",
                                   value.strftime("%Y-%m-%dT%H:%M:%S"))


def _represent_mapping(dumper, value):
    # Keys stay plain (title:, not "title":) — the string rule is for values.
    pairs = [(yaml.ScalarNode("tag:yaml.org,2002:str", str(k)), dumper.represent_data(v))
             for k, v in value.items()]
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader that reads an impossible date (2024-02-30) as text, like Obsidian."""


def _timestamp_or_text(loader, node):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(datetime, _represent_datetime)
_Dumper.add_representer(dict, _represent_mapping)
