"""Cooperations a solved problem leads to (合作意向 → 合作协议 → 成果转化落地), and the zone's
rewards for outcomes and commissioners.

One ticket may lead to several cooperations (a service contract now, a joint R&D project
later); each goes intention → agreement → landed, or is abandoned.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.db import Base, utcnow
from ticketing.fairs.models import Fair
from ticketing.orgs.models import University
from ticketing.workflow import Stage

MONEY = Numeric(14, 2)


class Outcome(Base):
    __tablename__ = "outcome"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint(
            "economic_benefit IS NULL OR economic_benefit >= 0", name="benefit_not_negative"
        ),
        CheckConstraint(
            "(agreement_number IS NULL) = (agreement_date IS NULL) "
            "AND (agreement_number IS NULL) = (amount IS NULL)",
            name="agreement_complete",
        ),
        CheckConstraint(
            "landed_date IS NULL OR (agreement_date IS NOT NULL "
            "AND economic_benefit IS NOT NULL AND landing_description IS NOT NULL)",
            name="landing_complete",
        ),
        CheckConstraint("cost_saving IS NULL OR cost_saving >= 0", name="saving_not_negative"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"
        ),
        CheckConstraint(
            "landed_date IS NULL OR abandoned_reason IS NULL", name="landed_or_abandoned"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    cooperation_form: Mapped[str] = mapped_column(String(20))
    intention_date: Mapped[date] = mapped_column(Date)
    agreement_number: Mapped[str | None] = mapped_column(String(60))
    agreement_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    landed_date: Mapped[date | None] = mapped_column(Date)
    landing_description: Mapped[str | None] = mapped_column(Text)
    economic_benefit: Mapped[Decimal | None] = mapped_column(MONEY)
    abandoned_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # what the cooperation is about, e.g. 检测服务合同, 联合研发项目
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # the university that is party to it (the ticket's university when it was recorded)
    university_id: Mapped[int | None] = mapped_column(ForeignKey("university.id"), index=True)
    # 节约成本 beside economic_benefit (新增产值), both in 万元, given when it lands
    cost_saving: Mapped[Decimal | None] = mapped_column(MONEY)
    # the enterprise's 1–5 rating of the cooperation, given when it lands
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    # the fair where the intention was reached, the fair or ceremony where it was signed
    intention_fair_id: Mapped[int | None] = mapped_column(ForeignKey("fair.id"), index=True)
    agreement_fair_id: Mapped[int | None] = mapped_column(ForeignKey("fair.id"), index=True)

    university: Mapped[University | None] = relationship()
    intention_fair: Mapped[Fair | None] = relationship(foreign_keys=[intention_fair_id])
    agreement_fair: Mapped[Fair | None] = relationship(foreign_keys=[agreement_fair_id])

    @property
    def open(self) -> bool:
        return self.landed_date is None and self.abandoned_reason is None

    @property
    def stage(self) -> Stage:
        if self.landed_date is not None:
            return Stage.LANDED
        if self.abandoned_reason is not None:
            return Stage.ABANDONED
        if self.agreement_date is not None:
            return Stage.AGREEMENT
        return Stage.INTENTION


class RewardSubject(StrEnum):
    OUTCOME = "outcome"
    COMMISSIONER = "commissioner"


class RewardDecision(StrEnum):
    NOMINATED = "nominated"
    AWARDED = "awarded"
    DECLINED = "declined"


class Reward(Base):
    """A nomination for one of the zone's rewards: of a cooperation's outcome or of a
    commissioner, with the decision, the amount (万元) and the year."""

    __tablename__ = "reward"
    __table_args__ = (
        CheckConstraint("subject IN ('commissioner', 'outcome')", name="known_subject"),
        CheckConstraint(
            "(subject = 'outcome' AND outcome_id IS NOT NULL AND commissioner_id IS NULL) OR "
            "(subject = 'commissioner' AND commissioner_id IS NOT NULL AND outcome_id IS NULL)",
            name="one_subject",
        ),
        CheckConstraint("decision IN ('awarded', 'declined', 'nominated')", name="known_decision"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint("amount IS NULL OR decision = 'awarded'", name="amount_when_awarded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    commissioner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))  # the reward, e.g. 科技成果转化奖
    reason: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(12), default=RewardDecision.NOMINATED)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
