"""The bounds' arithmetic: what one event and one batch can add, against what the counters' columns hold."""

from __future__ import annotations

from decimal import Decimal

from billing_admin.engine import usage_bounds
from billing_admin.engine.metering import to_micros
from billing_admin.schemas.event_bounds import MAX_EVENT_UNITS, MAX_TOTAL_UNITS

COLUMN = 2**63 - 1  # BigIntegerField on PostgreSQL and SQLite
BATCH = 1000 * to_micros(Decimal(MAX_EVENT_UNITS))  # the most one batch adds to one counter


def test_the_largest_event_fits_its_column_many_times_over():
    assert to_micros(Decimal(MAX_EVENT_UNITS)) * 1000 * 9 < COLUMN


def test_a_counter_at_its_ceiling_leaves_room_for_five_full_batches_in_flight():
    assert to_micros(Decimal(MAX_TOTAL_UNITS)) == usage_bounds.CEILING
    assert usage_bounds.CEILING + 5 * BATCH < COLUMN


def test_a_counter_below_the_watched_line_cannot_pass_the_ceiling_in_one_batch():
    # Counters below it are not read before a batch: one batch cannot take them past the ceiling.
    assert usage_bounds.WATCHED_FROM + BATCH == usage_bounds.CEILING
    assert usage_bounds.WATCHED_FROM > 0
