"""The library home: charts of the papers (a datasette-dashboards dashboard) and a summary.

Each chart is a dashboard chart of datasette-dashboards (SQL plus a Vega-Lite spec). The
plugin ships Vega, Vega-Lite and vega-embed in its own package, so the charts draw
offline. Every bar and slice links to the papers table filtered to it: each query
returns that link as `href`, which Vega-Lite follows on a click.
"""

from urllib.parse import quote_plus

STATUS_COLOURS = {"unread": "#9aa5b1", "reading": "#e8a33d", "read": "#3f9a5b"}
BAR_COLOUR = "#4c78a8"
TOP_VALUES = 12
# A fixed height: a height per bar ("step") and a width that fits the card do not mix.
BARS_HEIGHT = 230
WEEKS_SHOWN = 52
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name, never fetched
# vega-embed's options, which it reads from the spec: no "..." menu (it offers to open the
# chart in the online editor, data and all), and SVG, sharp at any zoom and readable.
EMBED_OPTIONS = {"embedOptions": {"actions": False, "renderer": "svg"}}


def url_quote(value):
    """Return value quoted for a query string (None stays None)."""
    return None if value is None else quote_plus(str(value))


SQL_FUNCTIONS = {"papershelf_quote": url_quote}


def sql_text(value):
    """Return value as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def library_dashboard(database, papers_url):
    """Return the datasette-dashboards dashboard of one library database."""
    papers = sql_text(papers_url)
    charts = {
        "added": _chart(database, f"Papers added per week (the last {WEEKS_SHOWN} weeks)",
                        _WEEKS_SQL.format(papers=papers, weeks=WEEKS_SHOWN * 7),
                        _spans("week", "week_end", "Week from", "temporal")),
        "status": _chart(database, "Reading status", _STATUS_SQL.format(papers=papers),
                         _donut()),
        "year": _chart(database, "Papers by year", _YEARS_SQL.format(papers=papers),
                       _spans("year", "year_end", "Year", "quantitative")),
        "source": _chart(database, "Papers by source", _TOP_SQL.format(
            papers=papers, column="source", top=TOP_VALUES), _bars("source", "Source")),
        "venue": _chart(database, "Papers by venue", _TOP_SQL.format(
            papers=papers, column="venue", top=TOP_VALUES), _bars("venue", "Venue")),
    }
    return {"title": f"Library: {database}",
            "description": "What is in the library; click a bar to see its papers.",
            "layout": [["added", "added", "status"], ["year", "year", "source"],
                       ["venue", "venue", "source"]],
            "charts": charts}


# Each row's href is the papers table filtered to that bar (Datasette's column filters).
_WEEKS_SQL = """
select week, date(week, '+6 days') as week_end, sum(papers) as papers,
       {papers} || '?added_at__gte=' || week || '&added_at__lt=' || date(week, '+7 days')
         as href
from (select date(substr(added_at, 1, 10), '-6 days', 'weekday 1') as week,
             count(*) as papers
      from papers
      where added_at >= date('now', '-{weeks} days', 'weekday 1', '-7 days')
      group by substr(added_at, 1, 10))
group by week order by week"""
_STATUS_SQL = """
select status, count(*) as papers, {papers} || '?status=' || papershelf_quote(status) as href
from papers group by status order by papers desc"""
_YEARS_SQL = """
select year, year + 1 as year_end, count(*) as papers, {papers} || '?year=' || year as href
from papers where year is not null group by year order by year"""
# Papers without a venue (most preprints) or a source (imported ones) are left out: their
# bar would dwarf every other.
_TOP_SQL = """
select {column}, count(*) as papers, {papers} || '?{column}=' || papershelf_quote({column})
         as href
from papers where {column} is not null
group by {column} order by papers desc, {column} limit {top}"""


def _chart(database, title, sql, display):
    return {"title": title, "db": database, "library": "vega-lite", "query": sql.strip(),
            "display": {"$schema": VEGA_LITE_SCHEMA, "usermeta": EMBED_OPTIONS,
                        "autosize": {"type": "fit-x", "contains": "padding"}, **display}}


def _tooltip(field, title, field_type):
    return [{"field": field, "type": field_type, "title": title,
             **({"format": "d"} if field_type == "quantitative" else {})},
            {"field": "papers", "type": "quantitative", "title": "Papers"}]


def _spans(start, end, title, field_type):
    """Return columns of papers over a time axis, each from start to end (a week, a year)."""
    axis = {"labelOverlap": True, "grid": False}
    if field_type == "quantitative":
        axis["format"] = "d"
    return {"height": 170, "mark": {"type": "bar", "color": BAR_COLOUR, "cursor": "pointer",
                                    "binSpacing": 1},
            "encoding": {"x": {"field": start, "type": field_type, "title": None, "axis": axis,
                               **({"scale": {"zero": False, "nice": False}}
                                  if field_type == "quantitative" else {})},
                         "x2": {"field": end},
                         "y": {"field": "papers", "type": "quantitative", "title": "Papers",
                               "axis": {"tickMinStep": 1}},
                         # From the axis up: a bar spanning x..x2 has no base of its own.
                         "y2": {"datum": 0},
                         "href": {"field": "href"},
                         "tooltip": _tooltip(start, title, field_type)}}


def _bars(field, title):
    """Return a bar chart of the most frequent values of field, largest first."""
    return {"height": BARS_HEIGHT,
            "mark": {"type": "bar", "color": BAR_COLOUR, "cursor": "pointer"},
            "encoding": {"y": {"field": field, "type": "nominal", "title": None,
                               "sort": "-x", "axis": {"labelLimit": 260}},
                         "x": {"field": "papers", "type": "quantitative", "title": "Papers",
                               "axis": {"tickMinStep": 1}},
                         "href": {"field": "href"},
                         "tooltip": _tooltip(field, title, "nominal")}}


def _donut():
    return {"height": 160,
            "mark": {"type": "arc", "innerRadius": 45, "cursor": "pointer"},
            "encoding": {"theta": {"field": "papers", "type": "quantitative"},
                         "color": {"field": "status", "type": "nominal", "title": None,
                                   "scale": {"domain": list(STATUS_COLOURS),
                                             "range": list(STATUS_COLOURS.values())}},
                         "href": {"field": "href"},
                         "tooltip": _tooltip("status", "Status", "nominal")}}


async def library_summary(db):
    """Return the figures shown above the charts: papers, tags, the last paper added."""
    row = (await db.execute(
        "select (select count(*) from papers) as papers,"
        " (select count(distinct tag) from paper_tags) as tags,"
        " (select max(added_at) from papers) as last_added")).rows[0]
    return dict(row)
