"""Organisations: the zone with its parks and counties, enterprises, universities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.db import Base, utcnow


class Zone(Base):
    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Park(Base):
    __tablename__ = "park"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # a retired one stays on the enterprises that have it, but new choices leave it out
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class County(Base):
    __tablename__ = "county"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # a retired one stays on the enterprises that have it, but new choices leave it out
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Enterprise(Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)
    # the university of the alliance paired with it ("一企一校"): routing suggests it first
    partner_university_id: Mapped[int | None] = mapped_column(
        ForeignKey("university.id"), index=True
    )
    industry: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    park: Mapped[Park | None] = relationship()
    county: Mapped[County | None] = relationship()
    partner_university: Mapped[University | None] = relationship()


class University(Base):
    __tablename__ = "university"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
