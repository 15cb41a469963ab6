"""Search as fast as before its ranking got right (issue 15).

- `search_state`: one row holding the search *version*, a token replaced whenever the search index or
  staff's synonyms change, so each process may remember document counts and synonyms until then
  (directory/search_cache.py).
- PostgreSQL `leader_search` keeps each field's folded text (`name`, `role`, `organisation`,
  `expertise`, `bio`, as SQLite's `leader_fts` always has), so ranking reads it instead of folding
  every candidate again, and a `filters` tsvector of the leader's filter keys (sector, region, org,
  cohort, tags), GIN-indexed, so a filtered search is one index intersection instead of a join that
  reads the leader row of every match. Existing rows are filled here.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = ("name", "role", "organisation", "expertise", "bio")


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(40), nullable=False),
    )
    op.execute("INSERT INTO search_state (id, version) VALUES (1, 'migrated-0016')")
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in _TEXT_COLUMNS:
        op.execute(f"ALTER TABLE leader_search ADD COLUMN {column} text NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE leader_search ADD COLUMN filters tsvector NOT NULL DEFAULT ''::tsvector")
    _fill()
    op.execute("CREATE INDEX ix_leader_search_filters ON leader_search USING gin (filters) "
               "WITH (fastupdate = off)")


def _fill() -> None:
    """Fold every indexed leader's fields as search_index does (the same functions), in batches."""
    from directory.search_index import filter_lexemes, search_texts

    bind = op.get_bind()
    columns = ("id", "full_name", "role", "organisation", "region", "sector", "expertise", "bio",
               "visibility", "sector_key", "region_key", "org_key", "cohort_key")
    update = sa.text("UPDATE leader_search SET name = :name, role = :role, organisation = :organisation, "
                     "expertise = :expertise, bio = :bio, filters = CAST(:filters AS tsvector) "
                     "WHERE leader_id = :id")
    last = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT {', '.join('l.' + c for c in columns)} FROM leader l JOIN leader_search s "
            "ON s.leader_id = l.id WHERE l.id > :last ORDER BY l.id LIMIT 2000"), {"last": last}).all()
        if not rows:
            return
        batch = []
        for row in rows:
            leader = _Row(row._mapping)
            batch.append({"id": row.id, **search_texts(leader), "filters": filter_lexemes(leader)})
        bind.execute(update, batch)
        last = rows[-1].id


class _Row:
    """A leader row read like a Leader (attribute access; the visibility JSON decoded)."""

    def __init__(self, row: object) -> None:
        import json

        self.__dict__.update(dict(row))  # type: ignore[call-overload]
        if isinstance(self.visibility, str):
            self.visibility = json.loads(self.visibility)

    @property
    def expertise_list(self) -> list[str]:
        return [item.strip() for item in (self.expertise or "").split(";") if item.strip()]


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_leader_search_filters")
        for column in (*_TEXT_COLUMNS, "filters"):
            op.execute(f"ALTER TABLE leader_search DROP COLUMN {column}")
    op.drop_table("search_state")
