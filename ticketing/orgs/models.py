"""Organisations: the zone with its parks and counties, enterprises, universities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text, false, true
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
    # a key enterprise (重点企业): campaign coverage lists every one, visited or not
    key_enterprise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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


class RegionAgreement(Base):
    """A strategic agreement between a university and a county or park (校地合作): not a
    ticket, but counted in the reports."""

    __tablename__ = "region_agreement"
    __table_args__ = (
        CheckConstraint("county_id IS NOT NULL OR park_id IS NOT NULL", name="county_or_park"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("university.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    university: Mapped[University] = relationship()
    county: Mapped[County | None] = relationship()
    park: Mapped[Park | None] = relationship()
