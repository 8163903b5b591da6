"""Opening hours: the seeds' Oslo week, periods past midnight, exceptions, summer time."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from feltbok.oncall.models import LineKind, OpeningException, OpeningHours
from feltbok.oncall.selectors import is_open, weekly_hours
from feltbok.oncall.services import seed_default_hours

OSLO = ZoneInfo("Europe/Oslo")
ON_CALL, WALK_IN = LineKind.ON_CALL, LineKind.WALK_IN


def at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def hours(service):
    seed_default_hours(service)
    return service


def test_oslo_defaults_are_the_seeds_week(hours):
    assert OpeningHours.objects.filter(service=hours, kind=ON_CALL).count() == 7
    assert OpeningHours.objects.filter(service=hours, kind=WALK_IN).count() == 5
    week = weekly_hours(hours, ON_CALL)
    assert [(d.weekday, [(o.hour, c.hour) for o, c in d.periods]) for d in week] == [
        (0, [(8, 0)]),
        (1, [(8, 0)]),
        (2, [(8, 0)]),
        (3, [(8, 0)]),
        (4, [(8, 4)]),
        (5, [(10, 4)]),
        (6, [(16, 0)]),
    ]
    # Seeding twice adds nothing.
    assert seed_default_hours(hours) == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Monday 2026-11-23: 08–24.
        (at(2026, 11, 23, 7, 59), False),
        (at(2026, 11, 23, 8, 0), True),
        (at(2026, 11, 23, 23, 59), True),
        (at(2026, 11, 24, 0, 0), False),  # midnight closes Monday's line
        # Friday 2026-11-27: 08–04 the next morning.
        (at(2026, 11, 27, 23, 30), True),
        (at(2026, 11, 28, 0, 0), True),
        (at(2026, 11, 28, 3, 59), True),
        (at(2026, 11, 28, 4, 0), False),
        # Saturday: 10–04.
        (at(2026, 11, 28, 9, 59), False),
        (at(2026, 11, 28, 10, 0), True),
        (at(2026, 11, 29, 2, 0), True),  # Saturday night, Sunday morning
        # Sunday: 16–24.
        (at(2026, 11, 29, 15, 59), False),
        (at(2026, 11, 29, 16, 0), True),
        (at(2026, 11, 30, 0, 30), False),  # Sunday night closes at midnight
        # Thursday night does not run past midnight.
        (at(2026, 11, 27, 1, 0), False),
    ],
)
def test_on_call_line_around_midnight(hours, moment, expected):
    assert is_open(hours, ON_CALL, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 23, 9, 59), False),
        (at(2026, 11, 23, 10, 0), True),
        (at(2026, 11, 23, 14, 59), True),
        (at(2026, 11, 23, 15, 0), False),
        (at(2026, 11, 28, 12, 0), False),  # Saturday: no walk-in
    ],
)
def test_walk_in_weekdays_ten_to_three(hours, moment, expected):
    assert is_open(hours, WALK_IN, moment) is expected


def test_a_closed_day_closes_also_what_would_run_past_its_midnight(hours):
    # Friday 2026-12-25 (Christmas Day) closed: neither Friday evening nor 02:00 Saturday.
    OpeningException.objects.create(service=hours, kind=ON_CALL, date=datetime.date(2026, 12, 25))
    assert is_open(hours, ON_CALL, at(2026, 12, 25, 12)) is False
    assert is_open(hours, ON_CALL, at(2026, 12, 26, 2)) is False
    # Thursday night before is untouched; Saturday opens as usual at 10.
    assert is_open(hours, ON_CALL, at(2026, 12, 24, 23)) is True
    assert is_open(hours, ON_CALL, at(2026, 12, 26, 10)) is True
    # The walk-in line is not affected by the on-call line's exception.
    assert is_open(hours, WALK_IN, at(2026, 12, 25, 11)) is True


def test_different_hours_on_a_date(hours):
    # New Year's Eve, Thursday: open all night until 06:00.
    OpeningException.objects.create(
        service=hours,
        kind=ON_CALL,
        date=datetime.date(2026, 12, 31),
        closed=False,
        opens=datetime.time(12),
        closes=datetime.time(6),
        note="Nyttårsaften",
    )
    assert is_open(hours, ON_CALL, at(2026, 12, 31, 9)) is False
    assert is_open(hours, ON_CALL, at(2026, 12, 31, 12)) is True
    assert is_open(hours, ON_CALL, at(2027, 1, 1, 5, 59)) is True
    assert is_open(hours, ON_CALL, at(2027, 1, 1, 6)) is False


def test_summer_time_night_into_sunday(hours):
    # 2026-03-28/29: clocks go from 02:00 to 03:00 on Sunday morning; Saturday 10–04.
    assert is_open(hours, ON_CALL, at(2026, 3, 29, 3, 30)) is True
    utc_close = datetime.datetime(2026, 3, 29, 2, 0, tzinfo=datetime.UTC)  # 04:00 CEST
    assert is_open(hours, ON_CALL, utc_close - datetime.timedelta(seconds=1)) is True
    assert is_open(hours, ON_CALL, utc_close) is False


def test_winter_time_night_into_sunday(hours):
    # 2026-10-25: clocks go from 03:00 back to 02:00; 04:00 CET is 03:00 UTC.
    utc_close = datetime.datetime(2026, 10, 25, 3, 0, tzinfo=datetime.UTC)
    assert is_open(hours, ON_CALL, utc_close - datetime.timedelta(minutes=1)) is True
    assert is_open(hours, ON_CALL, utc_close) is False


def test_a_service_without_hours_is_closed(other_service):
    assert is_open(other_service, ON_CALL, at(2026, 11, 23, 12)) is False


def test_is_open_takes_utc_moments(hours):
    # 07:30 UTC on a Monday in November is 08:30 in Oslo: open.
    moment = datetime.datetime(2026, 11, 23, 7, 30, tzinfo=datetime.UTC)
    assert is_open(hours, ON_CALL, moment) is True


@pytest.mark.parametrize("hour", [0, 3, 4, 7, 8, 12, 15, 16, 23])
@pytest.mark.parametrize("day", [23, 27, 28, 29])  # Monday, Friday, Saturday, Sunday
def test_the_public_pages_agree_with_is_open(hours, day, hour):
    from feltbok.oncall.models import OncallSettings
    from feltbok.oncall.selectors import public_hours

    row = OncallSettings.objects.create(service=hours, public_slug="ute")
    OpeningException.objects.create(service=hours, kind=ON_CALL, date=datetime.date(2026, 11, 27))
    moment = at(2026, 11, day, hour)
    shown = public_hours(row, moment)
    assert shown.on_call_open is is_open(hours, ON_CALL, moment)
    assert [d.periods for d in shown.on_call_hours] == [
        d.periods for d in weekly_hours(hours, ON_CALL)
    ]


def test_the_public_pages_take_two_queries(hours, django_assert_num_queries):
    from feltbok.oncall.models import OncallSettings
    from feltbok.oncall.selectors import public_hours

    row = OncallSettings.objects.create(service=hours, public_slug="ute")
    with django_assert_num_queries(2):
        public_hours(row, at(2026, 11, 23, 12))
