"""Full-text search of the catalogue: a course's title, summary and the text of its lessons.

Each course has one search document in the table `course_search` (title, summary, and the plain
text of its active lessons, `Lesson.body_text`). Database triggers keep it (migration 0021), so
every write path keeps it right: the lesson and course editors, bundle imports, a backup restore
or a line of SQL. Publishing needs no update: the catalogue joins the course and asks for its
status at query time.

- PostgreSQL: `course_search.document` is a generated tsvector (title weight A, summary B,
  lessons C) with a GIN index, in the text search configuration `lms_search`. The migration
  creates it once as a copy of `indonesian` (Snowball stemming) when the server has it, and of
  `simple` when it does not.
- SQLite: `course_search` is an FTS5 table (unicode61 without diacritics, prefix indexes); its
  `rank` is bm25 with the title weighing most, then the summary.

A query is reduced to its words (letters and digits; the search syntax of either engine never
reaches it) and every word must appear, as a word or the start of one, somewhere in the course.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape

from ..content import plain_text
from ..core.input_guard import remove_control_characters
from ..extensions import db
from .models import Course

MAX_WORDS = 8
MAX_WORD_LENGTH = 50
MAX_QUERY_LENGTH = 1000  # characters of the query read at all; the rest is ignored
SNIPPET_WORDS = 16

# Around a match in a snippet: control characters, which lesson text never holds (body_text drops
# them), so they cannot be forged by a lesson and survive HTML escaping untouched.
START, STOP = "\x02", "\x03"

_WORD = re.compile(r"[^\W_]+")
_MARKERS = re.compile(f"[{START}{STOP}]")
_SPLIT = re.compile(f"([{START}{STOP}])")

SEARCH_TABLE = "course_search"
_fts = sa.table(SEARCH_TABLE, sa.column("rowid"), sa.column("rank"))
_pg = sa.table(SEARCH_TABLE, sa.column("course_id"), sa.column("document"), sa.column("lessons"))
_PG_CONFIG = sa.literal_column("'lms_search'::regconfig")
_PG_HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS + 4}, MinWords={SNIPPET_WORDS // 2}, "
    'MaxFragments=1, FragmentDelimiter=" … "'
)


def lesson_text(body_md: str) -> str:
    """The words of a lesson's Markdown without markup or control characters: what search reads."""
    return remove_control_characters(plain_text(body_md)).replace("\t", " ")


def words(query: str | None) -> list[str]:
    """The search words of what a user typed: runs of letters and digits (quotes, operators,
    wildcards and control characters are separators), at most 8 of at most 50 characters."""
    found = _WORD.findall((query or "")[:MAX_QUERY_LENGTH])
    return [word[:MAX_WORD_LENGTH].lower() for word in found[:MAX_WORDS]]


@dataclass(frozen=True)
class Match:
    """How a search narrows and orders a catalogue query."""

    words: list[str]

    @property
    def _postgres(self) -> bool:
        return db.session.get_bind().dialect.name == "postgresql"

    def _tsquery(self):
        words = " & ".join(f"{word}:*" for word in self.words)  # letters and digits only: no syntax
        return sa.func.to_tsquery(_PG_CONFIG, sa.bindparam("search_words", words))

    def _fts_match(self) -> sa.TextClause:
        # Each word quoted (it holds no quote) and a prefix: never FTS5 syntax.
        words = " AND ".join(f'"{word}"*' for word in self.words)
        return sa.text(f"{SEARCH_TABLE} MATCH :search_words").bindparams(search_words=words)

    def apply(self, query: sa.Select) -> sa.Select:
        """The query narrowed to courses holding every word, best first (then by title)."""
        if not self.words:
            return query.where(sa.false())
        if self._postgres:
            tsquery = self._tsquery()
            return (
                query.join(_pg, _pg.c.course_id == Course.id)
                .where(_pg.c.document.op("@@")(tsquery))
                .order_by(None)
                .order_by(sa.func.ts_rank(_pg.c.document, tsquery).desc(), Course.title, Course.id)
            )
        return (
            query.join(_fts, _fts.c.rowid == Course.id)
            .where(self._fts_match())
            .order_by(None)
            .order_by(_fts.c.rank, Course.title, Course.id)
        )

    def snippets(self, course_ids: list[int]) -> dict[int, Markup]:
        """For each course whose lesson text holds a match, a short passage of it with the
        matches in <mark> (escaped HTML), in one statement."""
        if not self.words or not course_ids:
            return {}
        if self._postgres:
            query = sa.select(
                _pg.c.course_id,
                sa.func.ts_headline(_PG_CONFIG, _pg.c.lessons, self._tsquery(), _PG_HEADLINE),
            ).where(_pg.c.course_id.in_(course_ids), _pg.c.document.op("@@")(self._tsquery()))
        else:
            snippet = sa.func.snippet(sa.literal_column(SEARCH_TABLE), 2, START, STOP, "…", SNIPPET_WORDS)
            query = (
                sa.select(_fts.c.rowid, snippet)
                .select_from(_fts)
                .where(self._fts_match(), _fts.c.rowid.in_(course_ids))
            )
        return {
            course_id: highlighted(text)
            for course_id, text in db.session.execute(query)
            if text and START in text
        }


def highlighted(text: str) -> Markup:
    """A snippet as HTML: its text escaped, each marked match in <mark>."""
    if text.count(START) != text.count(STOP):
        return escape(_MARKERS.sub("", text))
    tags = {START: Markup("<mark>"), STOP: Markup("</mark>")}
    html = Markup("")
    for part in _SPLIT.split(text):
        html += tags.get(part, part)  # Markup + str escapes the str
    return html
