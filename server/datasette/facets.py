"""Tags and authors as facets and filters (?_tag=, ?_author=) through the indexed link tables."""

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from papershelf.server.author_names import typed_name_key
from papershelf.server.datasette.citations import CitationFacet
from papershelf.server.datasette.library import is_library

# --- tags and authors: facets and filters through the indexed link tables -------------

# A JSON-array column of papers, the link table that mirrors it, and the filter argument.
LINKS = {
    "tags": ("paper_tags", "tag", "_tag", "tagged"),
    "authors": ("paper_authors", "name", "_author", "by"),
}



@hookimpl
def filters_from_request(request, database, table, datasette):
    # Datasette's own tags__arraycontains parses the JSON of every paper (a full scan per
    # query); ?_tag= and ?_author= use the link tables' indexes instead.
    if table != "papers" or not is_library(datasette, database):
        return None
    clauses, params, descriptions = [], {}, []
    for link_table, column, argument, verb in LINKS.values():
        for i, value in enumerate(request.args.getlist(argument)):
            name = f"papershelf{argument}{i}"
            if argument == "_author":
                # What people type: "Vaswani", "vaswani", "Ashish Vaswani", "Nunez" for "Núñez".
                # Both keys are indexed (schema m007): two index lookups answer the OR.
                where = f"name_key = :{name} or family_key = :{name}"
                params[name] = typed_name_key(value)
            else:
                where = f"{column} = :{name}"
                params[name] = value
            clauses.append(f"id in (select paper_id from {link_table} where {where})")
            descriptions.append(f'{verb} "{value}"')
    return FilterArguments(clauses, params=params, human_descriptions=descriptions)


class ListFacet(Facet):
    """Facet on tags or authors counted from their link table, selecting with ?_tag=/?_author=."""

    type = "list"

    async def facet_results(self):
        results, timed_out = [], []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for item in self.get_configs():
            column = item["config"].get("column") or item["config"]["simple"]
            if self.table != "papers" or column not in LINKS:
                continue
            link_table, value_column, argument, _ = LINKS[column]
            # An unfiltered table needs no join: count the link table alone.
            filtered = not self.sql.rstrip().endswith(f"from {escape_sqlite(self.table)}")
            where = f"where paper_id in (select id from ({self.sql}))" if filtered else ""
            # count(*): the store writes each tag once per paper, and an author once per place.
            sql = (f"select {value_column} as value, count(*) as count from {link_table} {where}"
                   f" group by {value_column} order by count desc, value limit {size + 1}")
            try:
                rows = (await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append({
                "name": column, "type": self.type, "hideable": item["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_list": column})),
                "truncated": len(rows) > size,
                "results": [self._value(row, argument, pairs) for row in rows[:size]],
            })
        return results, timed_out

    def _value(self, row, argument, pairs):
        value = row["value"]
        selected = (argument, value) in pairs
        change = path_with_removed_args if selected else path_with_added_args
        return {"value": value, "label": value, "count": row["count"], "selected": selected,
                "toggle_url": self.ds.absolute_url(
                    self.request, change(self.request, {argument: value}))}


@hookimpl
def register_facet_classes():
    return [ListFacet, CitationFacet]
