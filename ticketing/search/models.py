"""Saved searches: a person's named query and queue filters, theirs alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base, utcnow

NAME_MAX = 60
ARGS_MAX = 600


class SavedSearch(Base):
    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_search_user_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    queue: Mapped[str] = mapped_column(String(20))
    args: Mapped[str] = mapped_column(String(ARGS_MAX))  # the filters as a query string
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
