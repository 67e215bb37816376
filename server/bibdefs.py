"""The @string and @preamble definitions of imported .bib files, kept to be written back.

Values are BibTeX value expressions as an export writes them: `{Oxford University Press}`,
or `pub-OUP # { Press}` where a macro was undefined in the file and is left for a companion
strings file to supply.
"""

from papershelf.server.store import write_transaction


def save_string(db, name, value):
    """Keep @string{name = value}; a later definition of the name replaces an earlier one."""
    with write_transaction(db):
        row = db.execute("select name, value from bib_strings where name = ? collate nocase",
                         [name]).fetchone()
        if row == (name, value):
            return
        if row is not None:
            db.execute("delete from bib_strings where name = ? collate nocase", [name])
        db.execute("insert into bib_strings (name, value) values (?, ?)", [name, value])


def save_preamble(db, value):
    """Keep @preamble{value} once, however often files bring it."""
    with write_transaction(db):
        db.execute("insert or ignore into bib_preambles (value) values (?)", [value])


def strings(db):
    """Return [(name, value)] of the kept @string definitions, in the order they came."""
    return [tuple(row) for row in db.execute("select name, value from bib_strings order by rowid")]


def preambles(db):
    """Return the kept @preamble values, in the order they came."""
    return [row[0] for row in db.execute("select value from bib_preambles order by id")]
