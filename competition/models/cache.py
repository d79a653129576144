"""The version of what the app caches between requests (see :mod:`competition.services.cache_version`)."""
from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from competition.extensions import db


class CacheVersion(db.Model):
    """Exactly one row (id 1). ``n`` goes up in every transaction that changes what a cached decision may
    depend on; ``token`` is drawn afresh whenever the row is created, so that a cache filled from another
    database (or from this one before it was emptied) never matches."""

    __tablename__ = "cache_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    n: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
