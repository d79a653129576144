"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


str32 = Annotated[str, mapped_column(String(32))]
str64 = Annotated[str, mapped_column(String(64))]
str200 = Annotated[str, mapped_column(String(200))]
timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
marks = Annotated[Decimal, mapped_column(Numeric(8, 2))]
