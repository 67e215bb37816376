"""Similar papers: the library's closest papers by one abstract's distinctive terms (bm25).

No model and no network: the full-text index tells how many papers use each term. The
terms that the title and abstract use and few other papers share (tf-idf) say what the
paper is about; the papers that share them, ranked by FTS5's bm25, are its neighbours.

FTS5 keeps no document counts: counting a term's papers reads its whole posting list, and
bm25 reads the posting lists of every term it ranks by. Both are bounded, so that a paper
page costs about the same in a library of 100,000 papers as in one of 100: terms are
counted only up to a cap (a term in more papers is not distinctive), counts are kept per
library while it grows by less than 2%, and the terms ranked by share at most a fixed
number of postings.
"""

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

TERMS_USED = 12
# Pass 1 counts each term's papers up to this (or 5% of a small library): a term in more
# papers says little about one paper's topic.
DISTINCTIVE_PAPERS = 200
COMMON_SHARE = 0.05
# Pass 2, when pass 1 found fewer than MIN_TERMS: the most used words, counted further.
MIN_TERMS = 3
RECOUNTED_WORDS = 16
RECOUNT_FACTOR = 8
# Kept counts stand while the library's size is within this share of the size they saw.
COUNTS_VALID_SHARE = 0.02
COUNTS_KEPT = 200_000
# At most this many postings (papers of the chosen terms, summed) go into bm25.
RANKED_POSTINGS = 6000
SHOWN = 6
# bm25 weights of papers_fts' columns (title, abstract, authors, note): topic words count
# double in a title; names and the reader's notes are not the paper's subject.
WEIGHTS = (2.0, 1.0, 0.0, 0.0)
COLUMNS = "{title abstract}"

# English function words and the stock words of abstracts: in a library of few abstracts
# even "our" or "propose" is rare, and says nothing of the topic.
FUNCTION_WORDS = frozenset("""
    about above after again against all also although among and any are because been before
    being below between both but can could did does doing down during each either else even
    ever every few for from further had has have having her here hers herself him himself his
    how however into its itself just less may might more most much must neither nor not now
    off once only other our ours ourselves out over own same she should since some such than
    that the their theirs them themselves then there these they this those though through thus
    too under until upon very via was were what when where whether which while who whom whose
    why will with within without would yet you your yours yourself
    achieve achieves approach approaches based demonstrate method methods new paper present
    propose proposed result results show shown shows use used using work
    """.split())

# papers_fts' tokenizer (schema.m001): words are cut into terms exactly as the index cuts them.
TOKENIZE = "porter"
SETUP = [
    # Connection-private (temp) tables: nothing is written to the library file, which
    # Datasette opens read-only anyway.
    f"create virtual table if not exists temp.papershelf_words"
    f" using fts5(word, tokenize='{TOKENIZE}')",
    "create virtual table if not exists temp.papershelf_word_terms"
    " using fts5vocab(temp, papershelf_words, instance)",
]


@dataclass
class TermCounts:
    """How many papers use each word's term, as counted up to a limit, for one library."""

    papers: int  # the library's size when counted
    counts: dict = field(default_factory=dict)  # word -> (papers counted, limit counted to)


_counts_by_library = {}  # database file -> TermCounts
_counts_lock = threading.Lock()


@dataclass
class Neighbours:
    terms: list  # the words ranked by, most telling first
    papers: list  # {id, citekey, title, authors (JSON), year, venue}, closest first


def similar_papers(conn, paper_id, text, limit=SHOWN):
    """Return the Neighbours of paper paper_id whose title and abstract are text."""
    words = _candidate_words(text)
    if not words:
        return Neighbours([], [])
    try:
        for statement in SETUP:
            conn.execute(statement)
        terms = _terms_of(conn, words)
    finally:
        # Ends the transaction the temp insert opened (Python's sqlite3 starts one), which
        # also empties the word table: a read left open would hide later clips.
        conn.rollback()
    total = conn.execute("select count(*) from papers").fetchone()[0]
    chosen = _distinctive(conn, terms, total, _library_counts(conn, total))
    return Neighbours(chosen, _closest(conn, paper_id, chosen, limit) if chosen else [])


def _library_counts(conn, total):
    """Return the TermCounts kept for this connection's library, fresh when it has grown."""
    library = conn.execute("pragma database_list").fetchone()[2]
    with _counts_lock:
        kept = _counts_by_library.get(library)
        if (kept is None or abs(total - kept.papers) > kept.papers * COUNTS_VALID_SHARE
                or len(kept.counts) > COUNTS_KEPT):
            kept = _counts_by_library[library] = TermCounts(total)
        return kept


def _candidate_words(text):
    """Return {word: times used} of text's words worth looking up: 3+ characters, a letter."""
    words = Counter(w.lower() for w in re.findall(r"[^\W_]{3,}", text or ""))
    return {w: n for w, n in words.items() if not w.isdigit() and w not in FUNCTION_WORDS}


def _terms_of(conn, words):
    """Return [(a word, times its term is used)], one per index term of the words."""
    listed = list(words)
    conn.executemany("insert into temp.papershelf_words (rowid, word) values (?, ?)",
                     enumerate(listed))
    terms = {}
    for term, row in conn.execute("select term, doc from temp.papershelf_word_terms"
                                  " order by doc"):
        word, uses = terms.get(term, (listed[row], 0))
        terms[term] = (word, uses + words[listed[row]])
    return list(terms.values())


def _distinctive(conn, terms, total, kept):
    """Return the words whose terms few other papers share, the most telling (tf-idf) first."""
    cap = max(2, min(DISTINCTIVE_PAPERS, int(total * COMMON_SHARE)))
    counts = {word: _count(conn, kept, word, cap) for word, _ in terms}
    rare = [(word, uses) for word, uses in terms if 2 <= counts[word] <= cap]
    if len(rare) < MIN_TERMS:
        # Nothing rare (a small library, or an abstract of common words): count the most
        # used words further, short of the terms in half the library.
        saturated = sorted((t for t in terms if counts[t[0]] > cap), key=lambda t: -t[1])
        cap = min(DISTINCTIVE_PAPERS * RECOUNT_FACTOR, total // 2)
        recounted = saturated[:RECOUNTED_WORDS]
        counts.update({word: _count(conn, kept, word, cap) for word, _ in recounted})
        rare += [(word, uses) for word, uses in recounted if counts[word] <= cap]
    ranked = sorted(rare, key=lambda t: (-t[1] * math.log(total / counts[t[0]]), t[0]))
    chosen, postings = [], 0
    for word, _ in ranked[:TERMS_USED]:
        if postings + counts[word] <= RANKED_POSTINGS:
            chosen.append(word)
            postings += counts[word]
    return chosen


def _count(conn, kept, word, cap):
    """Return the papers using word's term, exact up to cap and cap + 1 beyond it."""
    counted, limit = kept.counts.get(word, (None, -1))
    if counted is None or (counted > limit and limit < cap):
        counted, limit = _papers_using(conn, word, cap + 1), cap
        kept.counts[word] = (counted, limit)
    return min(counted, cap + 1)


def _papers_using(conn, word, limit):
    """Return how many papers' titles and abstracts use word's term, counting up to limit."""
    sql = ("select count(*) from (select 1 from papers_fts where papers_fts match :query"
           " limit :limit)")
    return conn.execute(sql, {"query": f"{COLUMNS} : {_phrase(word)}", "limit": limit}
                        ).fetchone()[0]


def _phrase(word):
    # The word, not its term, goes into MATCH: the tokenizer cuts it as it cut the index,
    # while cutting a term again may change it (porter: "agreed" -> "agre" -> "agr").
    return '"{}"'.format(word.replace('"', '""'))


def _closest(conn, paper_id, words, limit):
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = f"""
        select papers.id, papers.citekey, papers.title, papers.authors, papers.year,
               papers.venue
        from (select rowid, bm25(papers_fts, {weights}) as score from papers_fts
              where papers_fts match :query and rowid != :id
              order by score limit :limit) as ranked
        join papers on papers.id = ranked.rowid
        order by ranked.score"""
    query = f"{COLUMNS} : ({' OR '.join(_phrase(w) for w in words)})"
    cursor = conn.execute(sql, {"query": query, "id": paper_id, "limit": limit})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]
