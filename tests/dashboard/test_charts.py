"""Server-side SVG bar charts: labelled for screen readers, a title per bar, an empty state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from dashboard.charts import bar_chart, summed

START = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_chart_is_a_labelled_image_with_a_title_on_every_bar():
    stamps = [START + timedelta(days=n) for n in range(3)]
    svg = bar_chart("Events per day", stamps, [Decimal(5), Decimal(0), Decimal(12)], unit="events")
    assert svg.startswith('<svg class="chart" viewBox="0 0 720 200" role="img" aria-label="Events per day">')
    assert svg.count('<rect class="bar"') == 3
    assert "<title>Nov 03: 12 events</title>" in svg
    assert ">20</text>" in svg  # the axis tops out at a round number above the largest bar


def test_no_points_is_an_empty_state_not_an_empty_chart():
    assert bar_chart("Revenue per day", [], []) == '<p class="empty">No data for revenue per day in this range.</p>'


def test_titles_are_escaped():
    assert "&lt;script&gt;" in bar_chart("<script>", [START], [Decimal(1)])


def test_summed_adds_groups_bucket_by_bucket():
    a = SimpleNamespace(timestamps=[START, START + timedelta(days=1)], metricValues=[Decimal(1), Decimal(2)])
    b = SimpleNamespace(timestamps=[START, START + timedelta(days=1)], metricValues=[Decimal(10), Decimal(20)])
    assert summed([a, b]) == ([START, START + timedelta(days=1)], [Decimal(11), Decimal(22)])
