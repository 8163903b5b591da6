"""Synthetic counts for the demo: last year's week-48 count in Oslo (closed) and an open one.

The numbers follow the shape of Uppsala's mapping of the acutely homeless in the seeds: about
80 persons, most of them older men, the majority aged 50–65, about a quarter women, most with
co-morbidity (substance use and mental illness). Every initial and figure is invented; the
observations are written through counts.services, so merges and the audit log are real.
Called by `manage.py seed_demo` for Uteseksjonen.
"""

import datetime
import random

from django.utils import timezone

from feltbok.accounts.models import Membership, Role
from feltbok.core.access import actor_for_user
from feltbok.counts import services
from feltbok.counts.models import Campaign, CountAgeBand, Definition
from feltbok.organisation.models import FieldArea

# Last year's count: persons by sleeping situation (Norwegian national count's categories).
SITUATIONS = [
    ("no_place", 22),
    ("emergency", 30),
    ("crisis_centre", 4),
    ("institution", 8),
    ("prison", 6),
    ("friends", 14),
]
GENDERS = ["female"] * 21 + ["male"] * 62 + ["other"]
AGES = [(18, 24, 6), (25, 34, 10), (35, 49, 22), (50, 65, 38), (66, 78, 8)]
COMORBIDITY = ["both"] * 48 + ["substance"] * 16 + ["mental"] * 9 + ["none"] * 5 + ["unknown"] * 6
DURATIONS = ["lt3m"] * 12 + ["3-12m"] * 18 + ["1-2y"] * 20 + ["gt2y"] * 28 + ["unknown"] * 6
SOURCES = [
    ("shelter", "Akuttovernattingen (demo)"),
    ("partner", "Lavterskel dagsenter (demo)"),
]
DUPLICATES = 11
LETTERS = "ABDEFGHIJKLMNOPRSTUVØÅ"


def _people(rng, year):
    """84 invented persons: (initials, birth year, gender, category, comorbidity, duration)."""
    categories = [code for code, n in SITUATIONS for _ in range(n)]
    ages = [rng.randint(low, high) for low, high, n in AGES for _ in range(n)]
    genders, comorbidities, durations = list(GENDERS), list(COMORBIDITY), list(DURATIONS)
    for values in (categories, ages, genders, comorbidities, durations):
        rng.shuffle(values)
    seen, people = set(), []
    for category, age, gender, comorbidity, duration in zip(
        categories, ages, genders, comorbidities, durations, strict=True
    ):
        while True:
            initials = rng.choice(LETTERS) + rng.choice(LETTERS)
            if (initials, year - age, gender) not in seen:
                break
        seen.add((initials, year - age, gender))
        people.append((initials, year - age, gender, category, comorbidity, duration))
    return people


def _staff(service):
    members = (
        Membership.objects.filter(
            service=service, is_active=True, role__in=[Role.WORKER, Role.TEAM_LEAD]
        )
        .select_related("user")
        .order_by("created_at")
    )
    lead = next((m for m in members if m.role == Role.TEAM_LEAD), None)
    workers = [m for m in members if m.role == Role.WORKER]
    if lead is None or not workers:
        return None, []
    return (
        actor_for_user(lead.user, service.pk),
        [actor_for_user(m.user, service.pk) for m in workers[:6]],
    )


def _record(rng, worker, campaign, day, person, areas, source=("patrol", "")):
    initials, birth_year, gender, category, comorbidity, duration = person
    return services.record_observation(
        worker,
        campaign,
        services.ObservationData(
            observed_on=day,
            source=source[0],
            source_name=source[1],
            category=category,
            gender=gender,
            age_band=CountAgeBand.UNKNOWN,  # from the birth year
            comorbidity=comorbidity,
            duration=duration,
            children=1 if gender == "female" and rng.random() < 0.1 else 0,
            initials=initials,
            birth_year=birth_year,
            area=rng.choice(areas) if areas and source[0] == "patrol" else None,
        ),
    )


def seed_counts(service, *, today=None) -> int:
    """Last year's week-48 count (closed) and an open count; returns the observations made."""
    today = today or timezone.localdate()
    lead, workers = _staff(service)
    if lead is None or Campaign.objects.filter(service=service).exists():
        return 0
    rng = random.Random(48)
    areas = list(FieldArea.objects.filter(service=service).valid_on(today).order_by("name"))
    made = 0

    # Last year's national count, week 48: Monday to Sunday.
    year = today.year - 1
    monday = datetime.date.fromisocalendar(year, 48, 1)
    national = services.create_campaign(
        lead,
        name=f"Kartlegging av bostedsløse, uke 48 {year}",
        definition=Definition.objects.get(code="no_national"),
        starts_on=monday,
        ends_on=monday + datetime.timedelta(days=6),
    )
    services.open_campaign(lead, national)
    people = _people(rng, year)
    for n, person in enumerate(people):
        day = monday + datetime.timedelta(days=n % 7)
        _record(rng, workers[n % len(workers)], national, day, person, areas)
        made += 1
    # Shelters and partners report some of the same persons later in the week: merged.
    for n, person in enumerate(rng.sample(people, DUPLICATES)):
        day = monday + datetime.timedelta(days=6)
        source = SOURCES[n % len(SOURCES)]
        _record(rng, workers[n % len(workers)], national, day, person, areas, source=source)
        made += 1
    services.close_campaign(lead, national)

    # An open count this week, by ETHOS Light.
    current = services.create_campaign(
        lead,
        name="Kartlegging av akutt bostedsløse (pågår)",
        definition=Definition.objects.get(code="ethos_light"),
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=4),
    )
    services.open_campaign(lead, current)
    ethos_of = {"no_place": "1", "emergency": "2", "crisis_centre": "3"}
    ethos_of |= {"institution": "4", "prison": "4", "friends": "6"}
    this_year = _people(random.Random(2), today.year)[:12]
    for n, (initials, birth_year, gender, category, comorbidity, duration) in enumerate(this_year):
        person = (initials, birth_year, gender, ethos_of[category], comorbidity, duration)
        day = today - datetime.timedelta(days=n % 3)
        _record(rng, workers[n % len(workers)], current, day, person, areas)
        made += 1
        if n in (2, 7):
            _record(rng, workers[0], current, today, person, areas, source=SOURCES[0])
            made += 1
    return made
