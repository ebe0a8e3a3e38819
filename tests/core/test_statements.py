"""Statements built once keep their cache key's hash (lms/core/statements.py), and still compile,
bind and derive as SQLAlchemy's own do."""

import sqlalchemy as sa

from lms.accounts import sessions
from lms.accounts.models import User
from lms.core import home, statements, together
from lms.core.statements import built_once, keep_key_hash
from lms.courses import learning
from lms.extensions import db


def _by_name():
    return sa.select(User.id, User.name).where(User.name == sa.bindparam("name")).order_by(User.id)


def _is_kept(statement) -> bool:
    return type(statement._generate_cache_key().key) is statements._HashedKey


def test_the_kept_key_is_the_statement_s_own_with_the_same_hash():
    plain, kept = _by_name(), keep_key_hash(_by_name())
    assert _is_kept(kept)
    assert not _is_kept(plain)
    assert kept._generate_cache_key().key == plain._generate_cache_key().key
    assert hash(kept._generate_cache_key().key) == hash(plain._generate_cache_key().key)
    assert keep_key_hash(kept) is kept  # kept twice: still the same key
    assert _is_kept(kept)


def test_a_kept_statement_is_compiled_once_and_binds_each_run_s_values(ctx, make_user):
    make_user(name="Siti Aminah")
    make_user(name="Budi Santoso")
    kept = keep_key_hash(_by_name())
    connection = db.session.connection()
    first = connection.execute(kept, {"name": "Siti Aminah"})
    assert [row.name for row in first] == ["Siti Aminah"]
    again = connection.execute(kept, {"name": "Budi Santoso"})
    assert [row.name for row in again] == ["Budi Santoso"]
    assert again.context.cache_hit == connection.dialect.CACHE_HIT
    # The same statement built again, unkept, finds the same compiled SQL.
    plain = connection.execute(_by_name(), {"name": "Siti Aminah"})
    assert plain.context.cache_hit == connection.dialect.CACHE_HIT


def test_a_statement_derived_from_a_kept_one_makes_its_own_key(ctx, make_user):
    make_user(name="Siti Aminah")
    make_user(name="Sri Wahyuni")
    kept = keep_key_hash(sa.select(User.name).where(User.name.like("S%")).order_by(User.name))
    derived = kept.where(User.name != "Sri Wahyuni")
    assert not _is_kept(derived)
    assert derived._generate_cache_key().key != kept._generate_cache_key().key
    assert db.session.scalars(kept).all() == ["Siti Aminah", "Sri Wahyuni"]
    assert db.session.scalars(derived).all() == ["Siti Aminah"]


def test_built_once_builds_once_per_arguments_and_keeps_every_statement_it_returns():
    built = []

    @built_once
    def build(flag: bool):
        built.append(flag)
        return _by_name(), (lambda: None), sa.select(sa.literal(flag))

    first = build(True)
    assert build(True) is first
    assert build(False) is not first
    assert built == [True, False]
    assert _is_kept(first[0]) and _is_kept(first[2])
    build.cache_clear()
    assert build(True) is not first


def test_built_once_with_a_size_keeps_that_many():
    @built_once(maxsize=1)
    def build(name: str):
        return sa.select(User.id).where(User.name == name)

    first = build("Siti")
    assert build("Siti") is first and _is_kept(first)
    build("Budi")
    assert build("Siti") is not first  # pushed out by the other


def _busiest() -> list[sa.Select]:
    """The logged-in user's statement (every page), the course outline and the home panels."""
    queries = {f"panel_{i}": reads for i, (_, _p, reads, _q) in enumerate(home._providers) if reads}
    return [
        sessions._load_query()[0],
        learning._outline_query(db.engine.dialect.name, True)[0],
        together._statement(queries, db.engine.dialect.name)[0],
    ]


def test_the_busiest_statements_are_kept(ctx):
    assert all(_is_kept(statement) for statement in _busiest())


def test_the_busiest_statements_have_no_value_written_into_their_sql(ctx):
    """A parameter that SQLAlchemy writes into the SQL text (`literal_execute`, an expanding IN)
    makes it render the whole statement again at every run, and the driver look its new text up
    again: the user's statement had one, the separator of its roles (about 2 % of a page's CPU)."""
    for statement in _busiest():
        compiled = statement.compile(dialect=db.engine.dialect)
        assert not compiled.literal_execute_params, compiled.string[:80]
        assert not compiled.post_compile_params, compiled.string[:80]
