from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from billing_admin.engine.cycles import (
    Cycle,
    CycleConfig,
    cycle_at,
    cycles_between,
    grace_ends,
    next_cycle,
    previous_cycle,
    validate_config,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def span(start: datetime, end: datetime) -> Cycle:
    return Cycle(start, end)


def test_monthly_cycle_on_the_first_runs_from_the_first_to_the_next_first():
    config = CycleConfig("MONTHLY")
    cycle = cycle_at(utc(2027, 5, 17, 13, 45), config)
    assert cycle == span(utc(2027, 5, 1), utc(2027, 6, 1))
    assert cycle.seconds == 31 * 86400
    assert next_cycle(cycle, config) == span(utc(2027, 6, 1), utc(2027, 7, 1))
    assert previous_cycle(cycle, config) == span(utc(2027, 4, 1), utc(2027, 5, 1))


def test_monthly_on_the_31st_lands_on_feb_29_in_a_leap_year_and_returns_to_the_31st_in_march():
    config = CycleConfig("MONTHLY", day_offset="31")
    january = cycle_at(utc(2028, 2, 10), config)
    assert january == span(utc(2028, 1, 31), utc(2028, 2, 29))
    february = next_cycle(january, config)
    assert february == span(utc(2028, 2, 29), utc(2028, 3, 31))
    assert next_cycle(february, config) == span(utc(2028, 3, 31), utc(2028, 4, 30))


def test_monthly_on_the_31st_lands_on_feb_28_in_a_common_year_and_returns_to_the_31st_in_march():
    config = CycleConfig("MONTHLY", day_offset="31")
    assert cycle_at(utc(2027, 2, 27, 23, 59), config) == span(utc(2027, 1, 31), utc(2027, 2, 28))
    assert cycle_at(utc(2027, 2, 28), config) == span(utc(2027, 2, 28), utc(2027, 3, 31))
    assert cycle_at(utc(2027, 3, 31), config) == span(utc(2027, 3, 31), utc(2027, 4, 30))


def test_monthly_on_the_29th_and_30th_clamp_to_the_end_of_a_common_february():
    for day in ("29", "30"):
        config = CycleConfig("MONTHLY", day_offset=day)
        assert cycle_at(utc(2027, 3, 1), config) == span(utc(2027, 2, 28), utc(2027, 3, int(day)))
    assert cycle_at(utc(2028, 3, 1), CycleConfig("MONTHLY", day_offset="29")) == span(
        utc(2028, 2, 29), utc(2028, 3, 29)
    )


def test_monthly_last_starts_on_the_last_day_of_every_month():
    config = CycleConfig("MONTHLY", day_offset="LAST")
    assert cycle_at(utc(2027, 4, 15), config) == span(utc(2027, 3, 31), utc(2027, 4, 30))
    assert cycle_at(utc(2027, 4, 30), config) == span(utc(2027, 4, 30), utc(2027, 5, 31))
    assert cycle_at(utc(2028, 3, 1), config) == span(utc(2028, 2, 29), utc(2028, 3, 31))


def test_quarterly_month_offsets_pick_the_first_start_month_and_repeat_every_three_months():
    at = utc(2027, 5, 20)
    expected = {
        "NIL": span(utc(2027, 4, 1), utc(2027, 7, 1)),
        "FIRST": span(utc(2027, 4, 1), utc(2027, 7, 1)),
        "LAST": span(utc(2027, 3, 1), utc(2027, 6, 1)),
        "2": span(utc(2027, 5, 1), utc(2027, 8, 1)),
        "12": span(utc(2027, 3, 1), utc(2027, 6, 1)),
    }
    for month_offset, cycle in expected.items():
        assert cycle_at(at, CycleConfig("QUARTERLY", month_offset=month_offset)) == cycle, month_offset


def test_quarterly_starting_in_november_wraps_into_february_of_the_next_year():
    config = CycleConfig("QUARTERLY", day_offset="15", month_offset="11")
    assert cycle_at(utc(2028, 1, 1), config) == span(utc(2027, 11, 15), utc(2028, 2, 15))
    assert cycle_at(utc(2028, 2, 15), config) == span(utc(2028, 2, 15), utc(2028, 5, 15))


def test_quarterly_with_day_last_ends_each_quarter_on_a_month_end():
    config = CycleConfig("QUARTERLY", day_offset="LAST", month_offset="LAST")
    cycle = cycle_at(utc(2027, 7, 1), config)
    assert cycle == span(utc(2027, 6, 30), utc(2027, 9, 30))
    assert next_cycle(cycle, config) == span(utc(2027, 9, 30), utc(2027, 12, 31))


def test_half_yearly_cycles_are_six_months_from_january_or_the_chosen_month():
    assert cycle_at(utc(2027, 8, 8), CycleConfig("HALF_YEARLY")) == span(utc(2027, 7, 1), utc(2028, 1, 1))
    last = CycleConfig("HALF_YEARLY", month_offset="LAST")
    assert cycle_at(utc(2027, 8, 8), last) == span(utc(2027, 6, 1), utc(2027, 12, 1))
    september = CycleConfig("HALF_YEARLY", day_offset="10", month_offset="9")
    assert cycle_at(utc(2027, 3, 9), september) == span(utc(2026, 9, 10), utc(2027, 3, 10))
    assert cycle_at(utc(2027, 3, 10), september) == span(utc(2027, 3, 10), utc(2027, 9, 10))


def test_annual_cycle_starting_in_october_crosses_the_year_boundary():
    config = CycleConfig("ANNUALLY", day_offset="5", month_offset="10")
    cycle = cycle_at(utc(2028, 6, 1), config)
    assert cycle == span(utc(2027, 10, 5), utc(2028, 10, 5))
    assert cycle.seconds == 366 * 86400  # contains Feb 29 2028
    assert cycle_at(utc(2027, 10, 4, 23, 59), config) == span(utc(2026, 10, 5), utc(2027, 10, 5))


def test_annual_last_month_offset_starts_in_december():
    config = CycleConfig("ANNUALLY", month_offset="LAST", day_offset="LAST")
    assert cycle_at(utc(2028, 1, 1), config) == span(utc(2027, 12, 31), utc(2028, 12, 31))


def test_the_cycle_containing_feb_29_2028_is_found_and_contains_it():
    leap_day = utc(2028, 2, 29, 12)
    configs = [
        CycleConfig("WEEKLY", day_offset="1"),
        CycleConfig("MONTHLY", day_offset="29"),
        CycleConfig("MONTHLY", day_offset="LAST"),
        CycleConfig("QUARTERLY", day_offset="31", month_offset="12"),
        CycleConfig("ANNUALLY", day_offset="29", month_offset="2"),
    ]
    for config in configs:
        assert cycle_at(leap_day, config).contains(leap_day), config
    assert cycle_at(leap_day, configs[0]) == span(utc(2028, 2, 28), utc(2028, 3, 6))
    assert cycle_at(leap_day, configs[1]) == span(utc(2028, 2, 29), utc(2028, 3, 29))
    assert cycle_at(leap_day, configs[4]) == span(utc(2028, 2, 29), utc(2029, 2, 28))


def test_weekly_cycle_starting_wednesday_runs_wednesday_to_wednesday():
    config = CycleConfig("WEEKLY", day_offset="3")
    monday = utc(2027, 3, 8, 9)
    cycle = cycle_at(monday, config)
    assert cycle == span(utc(2027, 3, 3), utc(2027, 3, 10))
    assert cycle.start.isoweekday() == 3
    assert cycle.seconds == 7 * 86400
    assert cycle_at(utc(2027, 3, 10), config) == span(utc(2027, 3, 10), utc(2027, 3, 17))


def tiling_configs() -> list[CycleConfig]:
    configs = [CycleConfig("WEEKLY", day_offset=str(day)) for day in range(1, 8)]
    days = ["1", "15", "28", "29", "30", "31", "LAST"]
    configs += [CycleConfig("MONTHLY", day_offset=day) for day in days]
    for interval in ("QUARTERLY", "HALF_YEARLY", "ANNUALLY"):
        for month in ("NIL", "FIRST", "LAST", "1", "2", "5", "11", "12"):
            configs += [CycleConfig(interval, day_offset=day, month_offset=month) for day in days]
    return configs


def test_cycles_tile_time_exactly_over_five_years_for_every_interval_and_offset():
    for config in tiling_configs():
        cycle = cycle_at(utc(2025, 12, 30), config)
        while cycle.start < utc(2031, 1, 1):
            following = next_cycle(cycle, config)
            assert following.start == cycle.end, config
            assert previous_cycle(following, config) == cycle, config
            assert cycle_at(cycle.start, config) == cycle, config
            assert cycle_at(cycle.end - timedelta(microseconds=1), config) == cycle, config
            assert cycle.start.hour == cycle.start.minute == cycle.start.second == 0
            cycle = following


def test_cycles_between_lists_every_cycle_overlapping_the_half_open_range():
    config = CycleConfig("MONTHLY", day_offset="15")
    cycles = cycles_between(utc(2027, 1, 20), utc(2027, 4, 15), config)
    assert cycles == [
        span(utc(2027, 1, 15), utc(2027, 2, 15)),
        span(utc(2027, 2, 15), utc(2027, 3, 15)),
        span(utc(2027, 3, 15), utc(2027, 4, 15)),
    ]
    assert cycles_between(utc(2027, 1, 20), utc(2027, 4, 15, 0, 1), config)[-1].start == utc(2027, 4, 15)
    assert cycles_between(utc(2027, 1, 20), utc(2027, 1, 20), config) == []
    with pytest.raises(ValueError):
        cycles_between(utc(2027, 2, 1), utc(2027, 1, 1), config)


def test_grace_ends_adds_the_grace_period_days_to_the_cycle_end():
    cycle = span(utc(2027, 2, 1), utc(2027, 3, 1))
    assert grace_ends(cycle, CycleConfig("MONTHLY", grace_period_days=3)) == utc(2027, 3, 4)
    assert grace_ends(cycle, CycleConfig("MONTHLY")) == utc(2027, 3, 1)


def test_validate_config_accepts_good_configs_and_explains_bad_ones():
    cases: list[tuple[CycleConfig, list[str]]] = [
        (CycleConfig("MONTHLY", day_offset="LAST"), []),
        (CycleConfig("QUARTERLY", day_offset="31", month_offset="12"), []),
        (CycleConfig("WEEKLY", day_offset="8"), ["dayOffset must be 1..7 for WEEKLY"]),
        (CycleConfig("WEEKLY", day_offset="LAST"), ["dayOffset must be 1..7 for WEEKLY"]),
        (CycleConfig("MONTHLY", month_offset="3"), ["monthOffset must be NIL for MONTHLY"]),
        (CycleConfig("WEEKLY", month_offset="FIRST"), ["monthOffset must be NIL for WEEKLY"]),
        (CycleConfig("MONTHLY", day_offset="32"), ["dayOffset must be 1..31 or LAST for MONTHLY"]),
        (
            CycleConfig("ANNUALLY", day_offset="0", month_offset="13"),
            [
                "dayOffset must be 1..31 or LAST for ANNUALLY",
                "monthOffset must be 1..12, FIRST, LAST or NIL for ANNUALLY",
            ],
        ),
        (CycleConfig("MONTHLY", grace_period_days=-1), ["gracePeriod must be 0 or more days"]),
        (
            CycleConfig("DAILY"),  # type: ignore[arg-type]
            ["interval must be one of WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, ANNUALLY"],
        ),
    ]
    for config, problems in cases:
        assert validate_config(config) == problems, config
    with pytest.raises(ValueError, match="dayOffset must be 1..7 for WEEKLY"):
        cycle_at(utc(2027, 1, 1), CycleConfig("WEEKLY", day_offset="9"))


def test_naive_datetimes_are_refused_everywhere():
    naive = datetime(2027, 1, 1)
    config = CycleConfig("MONTHLY")
    with pytest.raises(ValueError, match="timezone-aware"):
        cycle_at(naive, config)
    with pytest.raises(ValueError, match="timezone-aware"):
        cycles_between(naive, utc(2027, 2, 1), config)
    with pytest.raises(ValueError, match="timezone-aware"):
        Cycle(naive, utc(2027, 2, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        cycle_at(utc(2027, 1, 1), config).contains(naive)


def test_aware_non_utc_input_is_converted_to_utc_before_finding_the_cycle():
    # 23:30 on Jan 31 in UTC-5 is already Feb 1 in UTC, so it belongs to the February cycle.
    eastern = timezone(timedelta(hours=-5))
    cycle = cycle_at(datetime(2027, 1, 31, 23, 30, tzinfo=eastern), CycleConfig("MONTHLY"))
    assert cycle == span(utc(2027, 2, 1), utc(2027, 3, 1))
    assert cycle.start.tzinfo is UTC
