"""Pricing-cycle arithmetic for Togai ``pricingCycleConfig`` (interval + startOffset + gracePeriod).

Pure functions over timezone-aware UTC datetimes.  Every cycle is the half-open interval
``[start, end)`` and consecutive cycles tile time exactly, so any instant belongs to exactly one
cycle and usage can never be billed twice or dropped at a boundary.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

Interval = Literal["WEEKLY", "MONTHLY", "QUARTERLY", "HALF_YEARLY", "ANNUALLY"]

INTERVALS: tuple[str, ...] = get_args(Interval)
# Length of one cycle in months for the calendar-month based intervals.
MONTHS_PER_CYCLE: dict[str, int] = {"MONTHLY": 1, "QUARTERLY": 3, "HALF_YEARLY": 6, "ANNUALLY": 12}
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class CycleConfig:
    interval: Interval
    day_offset: str = "1"  # "1".."31" or "LAST" (monthly+); "1".."7" for WEEKLY = ISO weekday
    month_offset: str = "NIL"  # "NIL" (weekly/monthly), "1".."12", "FIRST", "LAST"
    grace_period_days: int = 0


@dataclass(frozen=True)
class Cycle:
    start: datetime  # inclusive
    end: datetime  # exclusive

    def __post_init__(self) -> None:
        # Normalise to UTC so equality and repr do not depend on the caller's tzinfo object.
        object.__setattr__(self, "start", _utc(self.start))
        object.__setattr__(self, "end", _utc(self.end))
        if self.end <= self.start:
            raise ValueError(f"cycle end {self.end.isoformat()} must be after start {self.start.isoformat()}")

    def contains(self, at: datetime) -> bool:
        return self.start <= _utc(at) < self.end

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def _utc(value: datetime) -> datetime:
    # A naive datetime is ambiguous about which day a boundary falls on, so refuse it outright.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _small_int(text: str, low: int, high: int) -> int | None:
    """Parse an ASCII decimal string within [low, high]; None when it is anything else."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None


def validate_config(config: CycleConfig) -> list[str]:
    """Human-readable problems with ``config``; an empty list means it is usable."""
    problems: list[str] = []
    interval = config.interval
    if interval not in INTERVALS:
        return [f"interval must be one of {', '.join(INTERVALS)}"]
    day = str(config.day_offset).strip().upper()
    month = str(config.month_offset).strip().upper()
    if interval == "WEEKLY":
        if _small_int(day, 1, 7) is None:
            problems.append("dayOffset must be 1..7 for WEEKLY")
    elif day != "LAST" and _small_int(day, 1, 31) is None:
        problems.append(f"dayOffset must be 1..31 or LAST for {interval}")
    if interval in ("WEEKLY", "MONTHLY"):
        if month != "NIL":
            problems.append(f"monthOffset must be NIL for {interval}")
    elif month not in ("NIL", "FIRST", "LAST") and _small_int(month, 1, 12) is None:
        problems.append(f"monthOffset must be 1..12, FIRST, LAST or NIL for {interval}")
    if isinstance(config.grace_period_days, bool) or not isinstance(config.grace_period_days, int):
        problems.append("gracePeriod must be a whole number of days")
    elif config.grace_period_days < 0:
        problems.append("gracePeriod must be 0 or more days")
    return problems


def _checked(config: CycleConfig) -> None:
    problems = validate_config(config)
    if problems:
        raise ValueError("invalid pricing cycle config: " + "; ".join(problems))


def _first_start_month(config: CycleConfig) -> int:
    """Zero-based month of the year in which some cycle starts (0 = January)."""
    step = MONTHS_PER_CYCLE[config.interval]
    month = str(config.month_offset).strip().upper()
    if month in ("NIL", "FIRST"):
        return 0
    if month == "LAST":
        # The last month of the first period: March / June / December; January for MONTHLY.
        return step - 1
    return int(month) - 1


def _month_start(month_index: int, config: CycleConfig) -> datetime:
    """Start of the cycle anchored in absolute month ``month_index`` (= year * 12 + month - 1)."""
    year, month0 = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    day_text = str(config.day_offset).strip().upper()
    # Short months clamp to their last day, so "31" lands on Feb 28/29 and returns to 31 in March.
    day = last_day if day_text == "LAST" else min(int(day_text), last_day)
    return datetime(year, month0 + 1, day, tzinfo=UTC)


def _weekly_cycle(at: datetime, config: CycleConfig) -> Cycle:
    midnight = datetime(at.year, at.month, at.day, tzinfo=UTC)
    back = (at.isoweekday() - int(str(config.day_offset).strip())) % 7
    start = midnight - timedelta(days=back)
    return Cycle(start, start + timedelta(days=7))


def cycle_at(at: datetime, config: CycleConfig) -> Cycle:
    """The cycle containing ``at``."""
    _checked(config)
    at = _utc(at)
    if config.interval == "WEEKLY":
        return _weekly_cycle(at, config)
    step = MONTHS_PER_CYCLE[config.interval]
    current = at.year * 12 + at.month - 1
    # Latest anchor month not after ``at``'s month; anchors repeat every ``step`` months and
    # wrap around the year, so this is plain modular arithmetic on the absolute month index.
    anchor = current - (current - _first_start_month(config)) % step
    if _month_start(anchor, config) > at:
        # ``at`` falls before this month's start day, so it still belongs to the previous cycle.
        anchor -= step
    return Cycle(_month_start(anchor, config), _month_start(anchor + step, config))


def next_cycle(cycle: Cycle, config: CycleConfig) -> Cycle:
    return cycle_at(cycle.end, config)


def previous_cycle(cycle: Cycle, config: CycleConfig) -> Cycle:
    # Datetimes have microsecond resolution, so this is the last instant of the prior cycle.
    return cycle_at(cycle.start - _ONE_MICROSECOND, config)


def cycles_between(start: datetime, end: datetime, config: CycleConfig) -> list[Cycle]:
    """Every cycle overlapping the half-open range ``[start, end)``, in order."""
    start, end = _utc(start), _utc(end)
    if end < start:
        raise ValueError("end must not be before start")
    cycles: list[Cycle] = []
    if end == start:
        return cycles
    cycle = cycle_at(start, config)
    while cycle.start < end:
        cycles.append(cycle)
        cycle = next_cycle(cycle, config)
    return cycles


def grace_ends(cycle: Cycle, config: CycleConfig) -> datetime:
    """When back-dated events for ``cycle`` stop being accepted and its invoice can finalise."""
    _checked(config)
    return cycle.end + timedelta(days=config.grace_period_days)
