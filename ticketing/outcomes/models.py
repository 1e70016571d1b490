"""One row per cooperation that a ticket leads to (合作意向 → 合作协议 → 成果转化落地)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base, utcnow

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

    @property
    def open(self) -> bool:
        return self.landed_date is None and self.abandoned_reason is None
