"""The directory: leaders, tags, chat accounts, and the search index for each backend.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(40), nullable=False, index=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("expertise", sa.Text, nullable=False),
        sa.Column("bio", sa.Text, nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("cohort", sa.String(100), nullable=False),
        sa.Column("slack_user_id", sa.String(50), nullable=False),
        sa.Column("teams_user_id", sa.String(200), nullable=False),
        sa.Column("region_key", sa.String(100), nullable=False, index=True),
        sa.Column("org_key", sa.String(200), nullable=False),
        sa.Column("cohort_key", sa.String(100), nullable=False, index=True),
        sa.Column("visibility", sa.JSON, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("verified_by", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "leader_tag",
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
    )
    op.create_index("ix_leader_tag_tag", "leader_tag", ["tag"])
    op.create_table(
        "chat_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("linked_via", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform", "workspace_id", "user_id", name="uq_chat_account"),
    )
    # The vocabulary that typo correction draws on (names, roles, organisations, expertise, regions).
    op.create_table("search_term", sa.Column("term", sa.String(100), primary_key=True))

    if op.get_bind().dialect.name == "sqlite":
        # Text arrives folded (textfold.py), so the tokenizer only splits on spaces.
        op.execute("CREATE VIRTUAL TABLE leader_fts USING fts5("
                   "name, role, organisation, expertise, bio, tokenize='unicode61', prefix='2 3 4')")
        # Symmetric-delete neighbourhood of every term: a typo is found by an indexed equality lookup.
        op.create_table(
            "search_term_variant",
            sa.Column("variant", sa.String(100), primary_key=True),
            sa.Column("term", sa.String(100), primary_key=True),
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'leaders_fold') THEN
                CREATE TEXT SEARCH CONFIGURATION leaders_fold (COPY = simple);
                ALTER TEXT SEARCH CONFIGURATION leaders_fold
                  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
              END IF;
            END $$""")
        # One tsvector per search field, each GIN-indexed: a field-restricted match ("every word in the
        # name") is then an exact index lookup with exact statistics. Weight labels on one shared vector
        # would need a heap recheck of every row matching anywhere, and mislead the planner.
        op.execute("""
            CREATE TABLE leader_search (
              leader_id integer PRIMARY KEY REFERENCES leader(id) ON DELETE CASCADE,
              document tsvector NOT NULL,      -- every field, for "the words anywhere"
              name_doc tsvector NOT NULL,
              role_doc tsvector NOT NULL,
              organisation_doc tsvector NOT NULL,
              expertise_doc tsvector NOT NULL
            )""")
        for column in ("document", "name_doc", "role_doc", "organisation_doc", "expertise_doc"):
            # fastupdate off: the directory is read far more than written, and a GIN pending list
            # (until the next vacuum) makes every search scan it.
            op.execute(f"CREATE INDEX ix_leader_search_{column} ON leader_search USING gin ({column}) "
                       "WITH (fastupdate = off)")
        op.execute("CREATE INDEX ix_search_term_trgm ON search_term USING gist (term gist_trgm_ops)")
        op.execute("CREATE INDEX ix_leader_org_key_trgm ON leader USING gin (org_key gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS leader_fts")
        op.drop_table("search_term_variant")
    else:
        op.execute("DROP TABLE IF EXISTS leader_search")
    op.drop_table("search_term")
    op.drop_table("chat_account")
    op.drop_table("leader_tag")
    op.drop_table("leader")
