"""Each expert's profile from the problems they solved, kept by routing/profiles.py.

A problem counts for its current expert while it is solved (resolved, at a cooperation stage
or closed): each distinct term of its title, description and resolution adds one to
expert_term, its category one to expert_category. Suggestions read the rows of a ticket's
terms (by the term index) instead of the ticket table.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base


class ExpertTerm(Base):
    """How many of an expert's solved problems have the term in their text."""

    __tablename__ = "expert_term"
    __table_args__ = (Index("ix_expert_term_term", "term", "expert_id"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ExpertCategory(Base):
    """How many problems of a category an expert solved."""

    __tablename__ = "expert_category"

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
