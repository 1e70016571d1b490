"""results the zone reports: campaigns, fairs and signing ceremonies, several cooperations per
ticket with their university, fairs, cost saving and satisfaction, rewards, key enterprises,
university–county/park agreements

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
# the dashboard's fact tally (reports/models.py MEASURES), as it was when this revision was written
FACT_MEASURES = (
    "filed", "routed", "resolved", "returned", "visits", "rated", "rating_sum",
    "route_n", "route_seconds", "assign_n", "assign_seconds", "resolve_n", "resolve_seconds",
    "on_time", "intentions", "agreements", "amount", "landed", "benefit", "abandoned",
)  # fmt: skip


def _link(table: str, left: str, right: str, right_table: str) -> None:
    op.create_table(
        table,
        sa.Column(f"{left}_id", sa.Integer(), nullable=False),
        sa.Column(f"{right}_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [f"{left}_id"], [f"{left}.id"], name=f"fk_{table}_{left}_id_{left}", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            [f"{right}_id"], [f"{right_table}.id"], name=f"fk_{table}_{right}_id_{right_table}"
        ),
        sa.PrimaryKeyConstraint(f"{left}_id", f"{right}_id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_{right}_id", table, [f"{right}_id"])


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
        sa.UniqueConstraint("name", name="uq_campaign_name"),
    )
    _link("campaign_university", "campaign", "university", "university")
    _link("campaign_expert", "campaign", "expert", "user")
    _link("campaign_county", "campaign", "county", "county")
    _link("campaign_park", "campaign", "park", "park")

    op.create_table(
        "fair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ceremony', 'fair')", name="known_kind"),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name="fk_fair_park_id_park"),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_fair_campaign_id_campaign"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fair"),
    )
    op.create_index("ix_fair_held_on", "fair", ["held_on"])
    op.create_index("ix_fair_campaign_id", "fair", ["campaign_id"])
    _link("fair_university", "fair", "university", "university")
    op.create_table(
        "fair_ticket",
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fair_id"], ["fair.id"], name="fk_fair_ticket_fair_id_fair", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name="fk_fair_ticket_ticket_id_ticket"
        ),
        sa.PrimaryKeyConstraint("fair_id", "ticket_id", name="pk_fair_ticket"),
    )
    op.create_index("ix_fair_ticket_ticket_id", "fair_ticket", ["ticket_id"])

    with op.batch_alter_table("outcome") as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("university_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cost_saving", MONEY, nullable=True))
        batch_op.add_column(sa.Column("satisfaction", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("intention_fair_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_fair_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outcome_university_id_university", "university", ["university_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_outcome_intention_fair_id_fair", "fair", ["intention_fair_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_outcome_agreement_fair_id_fair", "fair", ["agreement_fair_id"], ["id"]
        )
        batch_op.create_index("ix_outcome_university_id", ["university_id"])
        batch_op.create_index("ix_outcome_intention_fair_id", ["intention_fair_id"])
        batch_op.create_index("ix_outcome_agreement_fair_id", ["agreement_fair_id"])
        batch_op.create_check_constraint(
            "saving_not_negative", "cost_saving IS NULL OR cost_saving >= 0"
        )
        batch_op.create_check_constraint(
            "satisfaction_range", "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5"
        )
        batch_op.create_check_constraint(
            "landed_or_abandoned", "landed_date IS NULL OR abandoned_reason IS NULL"
        )
    # a cooperation so far was with the university its ticket has
    op.execute(
        "UPDATE outcome SET university_id = "
        "(SELECT ticket.university_id FROM ticket WHERE ticket.id = outcome.ticket_id)"
    )

    op.create_table(
        "reward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("commissioner_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("nominated_by_id", sa.Integer(), nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("subject IN ('commissioner', 'outcome')", name="known_subject"),
        sa.CheckConstraint(
            "(subject = 'outcome' AND outcome_id IS NOT NULL AND commissioner_id IS NULL) OR "
            "(subject = 'commissioner' AND commissioner_id IS NOT NULL AND outcome_id IS NULL)",
            name="one_subject",
        ),
        sa.CheckConstraint(
            "decision IN ('awarded', 'declined', 'nominated')", name="known_decision"
        ),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("amount IS NULL OR decision = 'awarded'", name="amount_when_awarded"),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcome.id"], name="fk_reward_outcome_id_outcome"
        ),
        sa.ForeignKeyConstraint(
            ["commissioner_id"], ["user.id"], name="fk_reward_commissioner_id_user"
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"], ["user.id"], name="fk_reward_nominated_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reward"),
    )
    op.create_index("ix_reward_outcome_id", "reward", ["outcome_id"])
    op.create_index("ix_reward_commissioner_id", "reward", ["commissioner_id"])
    op.create_index("ix_reward_year", "reward", ["year"])

    op.create_table(
        "region_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("county_id IS NOT NULL OR park_id IS NOT NULL", name="county_or_park"),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["university.id"],
            name="fk_region_agreement_university_id_university",
        ),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name="fk_region_agreement_county_id_county"
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name="fk_region_agreement_park_id_park"),
        sa.PrimaryKeyConstraint("id", name="pk_region_agreement"),
    )
    for column in ("university_id", "county_id", "park_id", "signed_on"):
        op.create_index(f"ix_region_agreement_{column}", "region_agreement", [column])

    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.add_column(
            sa.Column("key_enterprise", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_ticket_campaign_id_campaign", "campaign", ["campaign_id"], ["id"]
        )
        batch_op.create_index("ix_ticket_campaign_id", ["campaign_id"])
    # the work records' per-person-per-year tallies (records/tallies.py)
    EXPERT_YEAR_COLUMNS = (
        "tickets",
        "started",
        "start_seconds",
        "resolved",
        "resolve_seconds",
        "rated",
        "rating_sum",
        "visits",
        "intentions",
        "agreements",
        "landed",
        "coop_rated",
        "coop_rating_sum",
    )
    op.create_table(
        "commissioner_year",
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("filed", "routed", "resolved", "rated", "rating_sum")
        ),
        sa.ForeignKeyConstraint(
            ["commissioner_id"], ["user.id"], name="fk_commissioner_year_commissioner_id_user"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name="fk_commissioner_year_enterprise_id_enterprise",
        ),
        sa.PrimaryKeyConstraint(
            "commissioner_id", "year", "enterprise_id", name="pk_commissioner_year"
        ),
    )
    op.create_table(
        "expert_year",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.BigInteger() if "seconds" in name else sa.Integer(), nullable=False)
            for name in EXPERT_YEAR_COLUMNS
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["user.id"], name="fk_expert_year_expert_id_user"),
        sa.PrimaryKeyConstraint("expert_id", "year", name="pk_expert_year"),
    )
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("filed_park_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("filed_county_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_ticket_filed_park_id_park", "park", ["filed_park_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_ticket_filed_county_id_county", "county", ["filed_county_id"], ["id"]
        )
        batch_op.create_index("ix_ticket_filed_park_id", ["filed_park_id"])
        batch_op.create_index("ix_ticket_filed_county_id", ["filed_county_id"])
    # the tickets filed so far count under their enterprise's park and county of today
    op.execute(
        "UPDATE ticket SET "
        "filed_park_id = (SELECT park_id FROM enterprise WHERE enterprise.id = ticket.enterprise_id), "
        "filed_county_id = (SELECT county_id FROM enterprise WHERE enterprise.id = ticket.enterprise_id) "
        "WHERE state <> 'draft'"
    )
    dimensions = ["month", "category", "park_id", "county_id", "university_id", "campaign_id"]

    def key() -> list[sa.Column]:
        kinds = {"month": sa.Date(), "category": sa.String(20)}
        return [
            sa.Column(name, kinds.get(name, sa.Integer()), nullable=False) for name in dimensions
        ]

    big = ("route_seconds", "assign_seconds", "resolve_seconds")
    money = ("amount", "benefit")
    op.create_table(
        "fact_tally",
        *key(),
        *(
            sa.Column(
                name,
                sa.Numeric(16, 2)
                if name in money
                else sa.BigInteger()
                if name in big
                else sa.Integer(),
                nullable=False,
            )
            for name in FACT_MEASURES
        ),
        sa.PrimaryKeyConstraint(*dimensions, name="pk_fact_tally"),
    )
    op.create_table(
        "reach_tally",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        *key(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject_id", *dimensions, name="pk_reach_tally"),
    )
    op.create_index("ix_ticket_filed", "ticket", ["submitted_at", "id"])
    # -- later additions of this revision go above this line --


def downgrade() -> None:
    # -- their drops go below this line --
    op.drop_index("ix_ticket_filed", table_name="ticket")
    op.drop_table("reach_tally")
    op.drop_table("fact_tally")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_index("ix_ticket_filed_county_id")
        batch_op.drop_index("ix_ticket_filed_park_id")
        batch_op.drop_constraint("fk_ticket_filed_county_id_county", type_="foreignkey")
        batch_op.drop_constraint("fk_ticket_filed_park_id_park", type_="foreignkey")
        batch_op.drop_column("filed_county_id")
        batch_op.drop_column("filed_park_id")
    op.drop_table("expert_year")
    op.drop_table("commissioner_year")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_index("ix_ticket_campaign_id")
        batch_op.drop_constraint("fk_ticket_campaign_id_campaign", type_="foreignkey")
        batch_op.drop_column("campaign_id")
    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.drop_column("key_enterprise")
    op.drop_table("region_agreement")
    op.drop_table("reward")
    with op.batch_alter_table("outcome") as batch_op:
        batch_op.drop_constraint("landed_or_abandoned", type_="check")
        batch_op.drop_constraint("satisfaction_range", type_="check")
        batch_op.drop_constraint("saving_not_negative", type_="check")
        batch_op.drop_index("ix_outcome_agreement_fair_id")
        batch_op.drop_index("ix_outcome_intention_fair_id")
        batch_op.drop_index("ix_outcome_university_id")
        batch_op.drop_constraint("fk_outcome_agreement_fair_id_fair", type_="foreignkey")
        batch_op.drop_constraint("fk_outcome_intention_fair_id_fair", type_="foreignkey")
        batch_op.drop_constraint("fk_outcome_university_id_university", type_="foreignkey")
        for column in (
            "agreement_fair_id",
            "intention_fair_id",
            "satisfaction",
            "cost_saving",
            "university_id",
            "title",
        ):
            batch_op.drop_column(column)
    op.drop_table("fair_ticket")
    op.drop_table("fair_university")
    op.drop_table("fair")
    for table in ("campaign_park", "campaign_county", "campaign_expert", "campaign_university"):
        op.drop_table(table)
    op.drop_table("campaign")
