"""Citation counts as a facet: papers by order of magnitude (0, 1–9, 10–99, ...), chosen in one click.

A default facet of the papers table (metadata.yml: `citations: citation_count`), or
?_facet_citations=citation_count; a band selects with Datasette's own column filters
(?citation_count__gte=100&citation_count__lt=1000), which the index on citation_count serves.
"""

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

COLUMN = "citation_count"
# (lowest count, first count of the next band); None: no upper end.
BANDS = ((0, 1), (1, 10), (10, 100), (100, 1000), (1000, 10000), (10000, None))


def band_label(lower, upper):
    """Return how a band reads: "0", "10–99", "10,000 or more"."""
    if upper is None:
        return f"{lower:,} or more"
    return f"{lower:,}" if upper == lower + 1 else f"{lower:,}–{upper - 1:,}"


class CitationFacet(Facet):
    """Papers counted by order of magnitude of their citation count."""

    type = "citations"

    async def facet_results(self):
        results, timed_out = [], []
        for item in self.get_configs():
            column = item["config"].get("column") or item["config"]["simple"]
            if column != COLUMN:
                continue
            try:
                counts = await self._band_counts()
            except QueryInterrupted:
                timed_out.append(column)
                continue
            if not counts:
                continue  # nothing counted yet (no refresh run): no empty box on the page
            results.append({
                "name": column, "type": self.type, "hideable": item["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_citations": column})),
                "truncated": False,
                "results": [self._value(i, counts[i]) for i in sorted(counts)],
            })
        return results, timed_out

    async def _band_counts(self):
        cases = " ".join(f"when {escape_sqlite(COLUMN)} < {upper} then {i}"
                         for i, (_, upper) in enumerate(BANDS) if upper is not None)
        sql = (f"select case {cases} else {len(BANDS) - 1} end as band, count(*) as n"
               f" from ({self.sql}) where {escape_sqlite(COLUMN)} is not null group by band")
        rows = (await self.ds.execute(
            self.database, sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
        return {row["band"]: row["n"] for row in rows}

    def _value(self, index, count):
        lower, upper = BANDS[index]
        keys = (f"{COLUMN}__gte", f"{COLUMN}__lt")
        wanted = [(keys[0], str(lower))] + ([(keys[1], str(upper))] if upper is not None else [])
        current = [pair for pair in self.get_querystring_pairs() if pair[0] in keys]
        selected = sorted(current) == sorted(wanted)
        if selected:
            path = path_with_removed_args(self.request, set(keys))
        else:  # one band at a time: the other band's bounds go
            path = path_with_added_args(self.request, [(k, None) for k in keys] + wanted)
        label = band_label(lower, upper)
        return {"value": label, "label": label, "count": count, "selected": selected,
                "toggle_url": self.ds.absolute_url(self.request, path)}
