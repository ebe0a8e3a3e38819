"""full-text search of lesson text; the webinar calendar feed

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03 13:40:00

`lessons.body_text` holds the plain words of each lesson (filled here from its Markdown). The
table `course_search` holds one search document per course (title, summary, the text of its
active lessons) and is kept by triggers on courses, modules and lessons, so every write path
keeps it right; it is filled here for the courses that exist.

PostgreSQL: a generated tsvector column with a GIN index, in the text search configuration
`lms_search`, created as a copy of `indonesian` when the server has it, else of `simple`
(checked once, here). SQLite: an FTS5 table.

Webinars can be cancelled (`cancelled_at`); `webinar_calendar_feeds` holds each person's secret
calendar address as a nonce (the address is the nonce signed with the app's key).
"""
import html
import re

import bleach
import sqlalchemy as sa
from alembic import op
from markdown_it import MarkdownIt

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None

# The lesson text of a course, in reading order; capped so that PostgreSQL's tsvector (at most
# 1 MB) always fits and a snippet never reads more than this.
MAX_DOCUMENT = 500_000

LESSONS_TEXT = {
    'postgresql': (
        "left(coalesce((SELECT string_agg(l.title || E'\\n' || l.body_text, E'\\n\\n' "
        "ORDER BY m.position, l.position, l.id) FROM lessons l JOIN modules m ON m.id = l.module_id "
        "WHERE l.course_id = c.id AND l.archived_at IS NULL AND m.archived_at IS NULL), ''), "
        f"{MAX_DOCUMENT})"
    ),
    'sqlite': (
        "substr(coalesce((SELECT group_concat(t, char(10) || char(10)) FROM (SELECT l.title || char(10) "
        "|| l.body_text AS t FROM lessons l JOIN modules m ON m.id = l.module_id WHERE l.course_id = c.id "
        "AND l.archived_at IS NULL AND m.archived_at IS NULL ORDER BY m.position, l.position, l.id)), ''), "
        f"1, {MAX_DOCUMENT})"
    ),
}

# When a lesson's change reaches the search document (a move within its module does not).
LESSON_CHANGED = (
    'OLD.title IS NOT NEW.title OR OLD.body_text IS NOT NEW.body_text OR OLD.archived_at IS NOT '
    'NEW.archived_at OR OLD.module_id IS NOT NEW.module_id OR OLD.course_id IS NOT NEW.course_id'
)


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=False, server_default=''))
    _fill_lesson_text()
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _postgres_search()
    else:
        _sqlite_search()
    _calendar()


def _calendar():
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'webinar_calendar_feeds',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_webinar_calendar_feeds_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_webinar_calendar_feeds')),
        sa.UniqueConstraint('nonce', name=op.f('uq_webinar_calendar_feeds_nonce')),
    )


# A frozen copy of the app's lesson_text (lms/courses/search.py) as it was when this migration was
# written, so that later changes to the app never change what this migration does. Saving a lesson
# recomputes its words with the app's current code.
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_STRIP = bleach.Cleaner(tags=frozenset(), attributes={}, strip=True, strip_comments=True)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def lesson_text(body_md: str) -> str:
    words = " ".join(html.unescape(_STRIP.clean(_MARKDOWN.render(body_md))).split())
    return _CONTROL.sub("", words)


def _fill_lesson_text():
    bind = op.get_bind()
    lessons = sa.table('lessons', sa.column('id'), sa.column('body_md'), sa.column('body_text'))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(lessons.c.id, lessons.c.body_md).where(lessons.c.id > last).order_by(lessons.c.id).limit(500)
        ).all()
        if not rows:
            return
        for lesson_id, body_md in rows:
            bind.execute(
                lessons.update().where(lessons.c.id == lesson_id).values(body_text=lesson_text(body_md or ''))
            )
        last = rows[-1][0]


def _postgres_search():
    bind = op.get_bind()
    has_indonesian = bind.scalar(sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'"))
    source = 'pg_catalog.indonesian' if has_indonesian else 'pg_catalog.simple'
    op.execute(f'CREATE TEXT SEARCH CONFIGURATION lms_search (COPY = {source})')
    op.execute(
        """
        CREATE TABLE course_search (
            course_id integer PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
            title text NOT NULL,
            summary text NOT NULL,
            lessons text NOT NULL,
            document tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('lms_search', title), 'A')
                || setweight(to_tsvector('lms_search', summary), 'B')
                || setweight(to_tsvector('lms_search', lessons), 'C')
            ) STORED
        )
        """
    )
    op.execute('CREATE INDEX ix_course_search_document ON course_search USING gin (document)')
    op.execute(
        f"""
        CREATE FUNCTION course_search_refresh(wanted integer) RETURNS void LANGUAGE sql AS $$
            INSERT INTO course_search (course_id, title, summary, lessons)
            SELECT c.id, c.title, coalesce(c.summary, ''), {LESSONS_TEXT['postgresql']}
            FROM courses c WHERE c.id = wanted
            ON CONFLICT (course_id) DO UPDATE
            SET title = excluded.title, summary = excluded.summary, lessons = excluded.lessons
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION course_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'courses' THEN
                PERFORM course_search_refresh(NEW.id);
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                PERFORM course_search_refresh(OLD.course_id);
            END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.course_id <> OLD.course_id) THEN
                PERFORM course_search_refresh(NEW.course_id);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        'CREATE TRIGGER course_search_courses AFTER INSERT OR UPDATE OF title, summary ON courses '
        'FOR EACH ROW EXECUTE FUNCTION course_search_follow()'
    )
    op.execute(
        'CREATE TRIGGER course_search_lessons AFTER INSERT OR DELETE ON lessons '
        'FOR EACH ROW EXECUTE FUNCTION course_search_follow()'
    )
    op.execute(
        'CREATE TRIGGER course_search_lesson_update AFTER UPDATE OF title, body_text, archived_at, '
        'module_id, course_id ON lessons FOR EACH ROW WHEN ('
        + LESSON_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')
        + ') EXECUTE FUNCTION course_search_follow()'
    )
    op.execute(
        'CREATE TRIGGER course_search_modules AFTER UPDATE OF archived_at ON modules FOR EACH ROW '
        'WHEN (OLD.archived_at IS DISTINCT FROM NEW.archived_at) EXECUTE FUNCTION course_search_follow()'
    )
    op.execute('SELECT course_search_refresh(id) FROM courses')


def _sqlite_refresh(course_id: str, condition: str = '1') -> str:
    return (
        f"DELETE FROM course_search WHERE rowid = {course_id} AND {condition}; "
        "INSERT INTO course_search (rowid, title, summary, lessons) "
        f"SELECT c.id, c.title, coalesce(c.summary, ''), {LESSONS_TEXT['sqlite']} FROM courses c "
        f"WHERE c.id = {course_id} AND {condition};"
    )


SQLITE_TRIGGERS = {  # name: (event, condition, statements)
    'course_search_course_insert': ('AFTER INSERT ON courses', None, _sqlite_refresh('NEW.id')),
    'course_search_course_update': ('AFTER UPDATE OF title, summary ON courses', None, _sqlite_refresh('NEW.id')),
    'course_search_course_delete': ('AFTER DELETE ON courses', None, 'DELETE FROM course_search WHERE rowid = OLD.id;'),
    'course_search_lesson_insert': ('AFTER INSERT ON lessons', None, _sqlite_refresh('NEW.course_id')),
    'course_search_lesson_update': (
        'AFTER UPDATE OF title, body_text, archived_at, module_id, course_id ON lessons',
        LESSON_CHANGED,
        _sqlite_refresh('OLD.course_id', 'OLD.course_id <> NEW.course_id') + _sqlite_refresh('NEW.course_id'),
    ),
    'course_search_lesson_delete': ('AFTER DELETE ON lessons', None, _sqlite_refresh('OLD.course_id')),
    'course_search_module_update': (
        'AFTER UPDATE OF archived_at ON modules',
        'OLD.archived_at IS NOT NEW.archived_at',
        _sqlite_refresh('NEW.course_id'),
    ),
}


def _sqlite_search():
    op.execute(
        "CREATE VIRTUAL TABLE course_search USING fts5(title, summary, lessons, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    # Its `rank` column (usable beside a window function, where bm25() is not): title first.
    op.execute("INSERT INTO course_search (course_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')")
    for name, (event, condition, body) in SQLITE_TRIGGERS.items():
        when = f' WHEN {condition}' if condition else ''
        op.execute(f'CREATE TRIGGER {name} {event} FOR EACH ROW{when} BEGIN {body} END')
    op.execute(
        "INSERT INTO course_search (rowid, title, summary, lessons) "
        f"SELECT c.id, c.title, coalesce(c.summary, ''), {LESSONS_TEXT['sqlite']} FROM courses c"
    )


def downgrade():
    op.drop_table('webinar_calendar_feeds')
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TABLE course_search')
        op.execute('DROP FUNCTION course_search_follow() CASCADE')
        op.execute('DROP FUNCTION course_search_refresh(integer)')
        op.execute('DROP TEXT SEARCH CONFIGURATION lms_search')
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER {name}')
        op.execute('DROP TABLE course_search')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('body_text')
