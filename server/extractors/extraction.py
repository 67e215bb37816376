"""What an extractor returns: the papers a page holds, whether it lists them, or why it holds none."""

from dataclasses import dataclass, field


@dataclass
class Extraction:
    papers: list = field(default_factory=list)  # paper field dicts (identity.METADATA_FIELDS + extra)
    listing: bool = False  # True: a listing page; papers are candidates for the reader to pick
    extractor: str = ""  # name of the extractor that produced the papers
    error: str = ""  # why the page holds nothing to save (shown to the reader)
