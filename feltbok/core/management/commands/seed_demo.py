"""`manage.py seed_demo`: synthetic field work for the demo and for load tests.

Uteseksjonen Oslo as the seeds describe it (about 35 patrols a week, always two staff or more,
day and evening patrols, night patrols until 04:00 on Friday and Saturday nights, the 2018 field
areas), plus a small Danish service so that the isolation between services can be seen. Every
name, nickname and note is invented.

Seeding is a system import, not a user action: everything is precomputed in Python and written
with bulk_create, without per-row saves and without audit events (the audit log records what
users did, and no user did this). The whole seed is one transaction, so an interrupted run
leaves nothing behind and can simply be repeated.
"""

import bisect
import contextlib
import datetime
import gc
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from feltbok.accounts.models import Membership, Role, User
from feltbok.core import demo
from feltbok.counts.demo import seed_counts
from feltbok.fieldwork import planning
from feltbok.fieldwork.models import (
    Encounter,
    EncounterKind,
    EncounterPerson,
    IncidentAction,
    IncidentKind,
    IncidentNote,
    IncidentPerson,
    Patrol,
    PatrolStatus,
    Shift,
    Topic,
)
from feltbok.followup.demo import seed_followup
from feltbok.oncall.demo import seed_oncall
from feltbok.organisation.models import (
    Environment,
    EnvironmentKind,
    FieldArea,
    Place,
    PlaceKind,
    Service,
    Team,
    validate_polygon,
)
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, Person, PersonFlag
from feltbok.people.services import PersonData, _set_identity, normalise_nickname, phonetic_key
from feltbok.reportbuilder.demo import seed_reports

BATCH_SIZE = 5000
CHUNK = 50_000  # rows built in Python before each bulk_create
DEFAULT_WEEKS = 8
MAX_WEEKS = 104  # beyond two years a larger --scale adds parallel crews instead of weeks
ENCOUNTERS_PER_WEEK = 210  # what the Oslo pattern yields on average (used to size --scale)
PERSONS_PER_ENCOUNTER = 0.2  # a person is met about five times
EXTRA_CREW_SIZE = 8
UTC = datetime.UTC

# --- Synthetic vocabulary -------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Invented names and phrases in a service's language."""

    nicknames: tuple[str, ...]
    nicknames_male: tuple[str, ...]
    nicknames_female: tuple[str, ...]
    prefixes: tuple[str, ...]
    first_male: tuple[str, ...]
    first_female: tuple[str, ...]
    last: tuple[str, ...]
    builds: tuple[str, ...]
    nouns: dict[str, str]
    clothing: tuple[str, ...]
    features: tuple[str, ...]
    notes: tuple[str, ...]


# fmt: off
NORWEGIAN = Words(
    nicknames=(
        "Kalle", "Calle", "Lillebror", "Sjefen", "Tuppen", "Rødtopp", "Stork", "Pelle",
        "Tassen", "Prinsen", "Skipper", "Tiger", "Snusen", "Bamse", "Mikke", "Tobbe",
        "Bjønnen", "Ravnen", "Kapteinen", "Doktoren", "Dizzy", "Kiki", "Zorro", "Pusur",
        "Slim", "Kråka", "Sola", "Mygg", "Rocky", "Bobo", "Gnisten", "Lynet", "Kjeks",
        "Knerten", "Elgen", "Spretten", "Pilen", "Nuffe", "Kompis", "Kroken",
    ),
    nicknames_male=("Kristoffer", "Christoffer", "Lasse", "Gutten", "Gubben", "Mons", "Jørn"),
    nicknames_female=("Mona", "Fia", "Sussi", "Nelly", "Jenta", "Lillemor", "Sofie", "Sophie"),
    prefixes=("Lille-", "Store-"),
    first_male=(
        "Ola", "Per", "Lars", "Jonas", "Emil", "Mats", "Henrik", "Ali", "Ahmed", "Tomasz",
        "Mohammed", "Kristian", "Sindre", "Tor", "Yusuf", "Magnus",
    ),
    first_female=(
        "Kari", "Ingrid", "Nora", "Sofie", "Amina", "Emma", "Hanne", "Marte", "Fatima",
        "Agnieszka", "Sigrid", "Astrid", "Leah",
    ),
    last=(
        "Demostad", "Prøvesen", "Eksempelrud", "Fiktivdal", "Påfunnsen", "Tenktvik",
        "Oppdiktsen", "Lateslund", "Liksomberg", "Prøvedal", "Tenkebakk", "Diktvold",
        "Demodal", "Fiktivsen", "Påfunnrud", "Eksempelstad",
    ),
    builds=("Høy", "Lav", "Spinkel", "Kraftig", "Middels høy"),
    nouns={
        "male": "mann", "female": "kvinne", "other": "person",
        "male_young": "gutt", "female_young": "jente", "other_young": "ungdom",
        "male_old": "eldre mann", "female_old": "eldre kvinne", "other_old": "eldre person",
    },
    clothing=(
        "grønn boblejakke", "svart hettegenser", "rød lue", "grå dunjakke", "militærjakke",
        "blå regnjakke", "skinnjakke", "hvit caps", "oransje sekk", "lang svart frakk",
    ),
    features=(
        "har ofte med hund", "på sykkel", "stor ryggsekk", "sitter ofte ved trappene",
        "går med krykker", "snakker engelsk", "snakker polsk", "bruker rullator",
        "alltid med termos", "lyst, kort hår",
    ),
    notes=(
        "Delt ut mat og varm drikke.",
        "Samtale om boligsituasjonen, avtalt ny prat neste uke.",
        "Fulgt til legevakten.",
        "Informert om lavterskel helsetilbud.",
        "Ønsket ikke kontakt i dag, døra står på gløtt.",
        "Kort prat, virket i god form.",
        "Formidlet kontakt med NAV.",
        "Delt ut nalokson og snakket om overdoserisiko.",
        "Urolig stemning i området, holdt litt avstand.",
        "Ny i miljøet, vi presenterte oss.",
        "Gruppe ungdommer ved trappene, rolig stemning.",
        "Samtale om skole og fritid.",
    ),
)

DANISH = Words(
    nicknames=(
        "Søren", "Tossen", "Bjørnen", "Lille Per", "Musen", "Kaptajnen", "Fie", "Ræven",
        "Tudsen", "Gøgen", "Kiks", "Basse", "Spætten", "Myren", "Laksen",
    ),
    nicknames_male=("Drengen", "Gamle Jens"),
    nicknames_female=("Pigen", "Mor Lone"),
    prefixes=("Lille ", "Store "),
    first_male=("Jens", "Søren", "Mads", "Niels", "Mikkel", "Omar"),
    first_female=("Mette", "Anne", "Lone", "Signe", "Freja"),
    last=("Demogaard", "Prøvegaard", "Eksempelsen", "Fiktivholm", "Opdigtsen", "Lissomlund"),
    builds=("Høj", "Lav", "Spinkel", "Kraftig"),
    nouns={
        "male": "mand", "female": "kvinde", "other": "person",
        "male_young": "dreng", "female_young": "pige", "other_young": "ung",
        "male_old": "ældre mand", "female_old": "ældre kvinde", "other_old": "ældre person",
    },
    clothing=("grøn dunjakke", "sort hættetrøje", "rød hue", "grå frakke", "militærjakke"),
    features=("har hund med", "på cykel", "stor rygsæk", "taler engelsk", "bruger rollator"),
    notes=(
        "Kort snak, virkede rolig.",
        "Delt mad og kaffe ud.",
        "Snak om bolig, aftalt opfølgning.",
        "Fulgt til lægen.",
        "Ønskede ikke kontakt i dag.",
        "Informeret om varmestuen.",
    ),
)

# fmt: on

# --- Field areas: approximate real polygons, WGS 84 [longitude, latitude], closed rings ------

SINCE_2018 = datetime.date(2018, 1, 1)


@dataclass(frozen=True)
class AreaSpec:
    name: str
    ring: tuple[tuple[float, float], ...]
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    # Share of the persons usually met here; 0 for a historic area.
    home_weight: float = 0.0

    def geometry(self):
        ring = [list(point) for point in self.ring]
        return {"type": "Polygon", "coordinates": [ring]}


# fmt: off
OSLO_AREAS = (
    # West of Akerselva: Brugata and Storgata from Jernbanetorget up to Nybrua.
    AreaSpec(
        "Brugata/Storgata",
        (
            (10.7500, 59.9128), (10.7535, 59.9124), (10.7578, 59.9143), (10.7595, 59.9172),
            (10.7575, 59.9180), (10.7510, 59.9148), (10.7500, 59.9128),
        ),
        SINCE_2018,
        home_weight=0.36,
    ),
    # East of Akerselva: Vaterland and Grønland up to Grønlandsleiret.
    AreaSpec(
        "Vaterland/Grønland",
        (
            (10.7578, 59.9118), (10.7600, 59.9108), (10.7700, 59.9112), (10.7715, 59.9150),
            (10.7640, 59.9170), (10.7598, 59.9165), (10.7578, 59.9143), (10.7578, 59.9118),
        ),
        SINCE_2018,
        home_weight=0.34,
    ),
    # Oslo Central Station, Jernbanetorget and the bus terminal.
    AreaSpec(
        "Oslo S og omegn",
        (
            (10.7460, 59.9100), (10.7510, 59.9085), (10.7600, 59.9090), (10.7600, 59.9108),
            (10.7578, 59.9118), (10.7535, 59.9124), (10.7500, 59.9128), (10.7465, 59.9118),
            (10.7460, 59.9100),
        ),
        SINCE_2018,
        home_weight=0.30,
    ),
    # Historic: Karl Johans gate from Jernbanetorget to Stortinget, dropped after 2023.
    AreaSpec(
        "Karl Johan (til 2023)",
        (
            (10.7380, 59.9123), (10.7490, 59.9108), (10.7495, 59.9121), (10.7385, 59.9137),
            (10.7380, 59.9123),
        ),
        SINCE_2018,
        valid_to=datetime.date(2023, 12, 31),
    ),
)

COPENHAGEN_AREAS = (
    # Vesterbro: Istedgade from the Central Station down to Enghave Plads.
    AreaSpec(
        "Vesterbro/Enghave Plads",
        (
            (12.5420, 55.6650), (12.5500, 55.6655), (12.5650, 55.6715), (12.5640, 55.6735),
            (12.5560, 55.6720), (12.5420, 55.6690), (12.5420, 55.6650),
        ),
        SINCE_2018,
        home_weight=1.0,
    ),
)

# fmt: on

# --- Patrol patterns -------------------------------------------------------------------------

# A slot: (shift, team, start minute, end minute from local midnight of the patrol's date,
# staff block). Patrols in one block run at the same time, so they get distinct staff.
Slot = tuple[str, str, int, int, str]


def oslo_slots(day: datetime.date, rng: random.Random) -> list[Slot]:
    """Uteseksjonen's week: about 35 patrols, night patrols only on Friday and Saturday.

    The seeds give "about 35 patrols a week" and, on weekdays, "as a rule 3 day patrols and
    4-5 evening patrols", which with the weekend would make about 50. The weekly total is
    kept: three day patrols on weekdays, three evening patrols Monday to Thursday, fewer at
    the weekend, and Sunday only in the evening (the service is open 16-24 on Sundays).
    """
    weekday = day.weekday()
    day_count, evening_count, night = {
        4: (3, 2, True),
        5: (rng.choice((1, 2)), 2, True),
        6: (0, 2, False),
    }.get(weekday, (3, 3, False))
    slots = []
    for _ in range(day_count):
        start = 600 + rng.choice((-30, -15, 0, 0, 15, 30))
        end = 960 + rng.choice((-15, 0, 0, 15))
        slots.append((Shift.DAY, demo.TEAM_DAY, start, end, "day"))
    for _ in range(evening_count):
        start = 1020 + rng.choice((-30, -15, 0, 0, 15, 30))
        end = 1440 - rng.choice((0, 0, 15, 30))
        slots.append((Shift.EVENING, demo.TEAM_EVENING, start, end, "late"))
    if night:
        start = 1320 + rng.choice((0, 0, 15, 30))
        end = 1680 - rng.choice((0, 0, 15, 30))  # 04:00 the next morning
        slots.append((Shift.NIGHT, demo.TEAM_NIGHT, start, end, "late"))
    return slots


def copenhagen_slots(day: datetime.date, rng: random.Random) -> list[Slot]:
    """A small team: a day round on weekdays, an evening round on Tuesdays and Thursdays."""
    weekday = day.weekday()
    slots = []
    if weekday < 5:
        slots.append((Shift.DAY, demo.TEAM_DK, 600 + rng.choice((0, 15, 30)), 900, "day"))
    if weekday in (1, 3):
        slots.append((Shift.EVENING, demo.TEAM_DK, 1080, 1320 - rng.choice((0, 30)), "late"))
    return slots


@dataclass(frozen=True)
class StaffSpec:
    email: str
    first_name: str
    last_name: str
    role: str
    team: str | None


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    country: str
    language: str
    time_zone: str
    youth_age_limit: int
    teams: tuple[str, ...]
    areas: tuple[AreaSpec, ...]
    staff: tuple[StaffSpec, ...]
    words: Words
    slots: Callable[[datetime.date, random.Random], list[Slot]]
    # Encounters per patrol by shift: (fewest, most).
    encounters: dict[str, tuple[int, int]]
    domain: str


def _staff(*rows, domain):
    return tuple(
        StaffSpec(
            f"{normalise_nickname(first)}.{normalise_nickname(last)}@{domain}",
            first,
            last,
            role,
            team,
        )
        for first, last, role, team in rows
    )


def _documented(service_name):
    return tuple(
        StaffSpec(a.email, a.first_name, a.last_name, a.role, a.team)
        for a in demo.DEMO_ACCOUNTS
        if a.service == service_name
    )


OSLO = ServiceSpec(
    name=demo.DEMO_SERVICE,
    country="NO",
    language="nb",
    time_zone="Europe/Oslo",
    youth_age_limit=25,
    teams=(demo.TEAM_DAY, demo.TEAM_EVENING, demo.TEAM_NIGHT),
    areas=OSLO_AREAS,
    staff=_documented(demo.DEMO_SERVICE)
    + _staff(
        ("Lars", "Lateslund", Role.WORKER, demo.TEAM_DAY),
        ("Nora", "Demodal", Role.WORKER, demo.TEAM_EVENING),
        ("Amina", "Fiktivsen", Role.WORKER, demo.TEAM_EVENING),
        ("Erik", "Påfunnrud", Role.WORKER, demo.TEAM_EVENING),
        ("Sofie", "Tenkebakk", Role.WORKER, demo.TEAM_NIGHT),
        ("Yusuf", "Prøvedal", Role.WORKER, demo.TEAM_NIGHT),
        ("Emil", "Eksempelstad", Role.PEER_WORKER, demo.TEAM_EVENING),
        domain="uteseksjonen.demo",
    ),
    words=NORWEGIAN,
    slots=oslo_slots,
    encounters={Shift.DAY: (2, 8), Shift.EVENING: (3, 10), Shift.NIGHT: (3, 9)},
    domain="uteseksjonen.demo",
)

COPENHAGEN = ServiceSpec(
    name=demo.DEMO_SERVICE_DK,
    country="DK",
    language="da",
    time_zone="Europe/Copenhagen",
    youth_age_limit=25,
    teams=(demo.TEAM_DK,),
    areas=COPENHAGEN_AREAS,
    staff=_documented(demo.DEMO_SERVICE_DK)
    + _staff(("Jens", "Prøvegaard", Role.WORKER, demo.TEAM_DK), domain="opsogende.demo"),
    words=DANISH,
    slots=copenhagen_slots,
    encounters={Shift.DAY: (2, 6), Shift.EVENING: (2, 5)},
    domain="opsogende.demo",
)

FIELD_ROLES = (Role.WORKER, Role.TEAM_LEAD)  # first and second member of a patrol

# fmt: off
# Distributions, from the seeds where they say something (Uppsala: mostly men, about a
# quarter women; Oslo: a focus on youth and young adults up to 25, adults with drug problems).
GENDERS = ((Gender.MALE, 70), (Gender.FEMALE, 27), (Gender.OTHER, 1), (Gender.UNKNOWN, 2))
AGE_BANDS = (
    (AgeBand.FROM_13, 7), (AgeBand.FROM_18, 22), (AgeBand.FROM_23, 16), (AgeBand.FROM_26, 22),
    (AgeBand.FROM_36, 18), (AgeBand.FROM_50, 10), (AgeBand.OVER_65, 1), (AgeBand.UNKNOWN, 4),
)
AGES = {
    AgeBand.FROM_13: (13, 17), AgeBand.FROM_18: (18, 22), AgeBand.FROM_23: (23, 25),
    AgeBand.FROM_26: (26, 35), AgeBand.FROM_36: (36, 49), AgeBand.FROM_50: (50, 65),
    AgeBand.OVER_65: (66, 78),
}
# Every twentieth person met is identified (5 %); the rest are known by nickname or description.
ANONYMITY = ((AnonymityLevel.NICKNAME, 70), (AnonymityLevel.DESCRIPTION, 25))
IDENTIFIED_EVERY = 20
KINDS = ((EncounterKind.INDIVIDUAL, 50), (EncounterKind.GROUP, 22), (EncounterKind.ANONYMOUS, 28))
TOPICS = (
    (Topic.CONVERSATION, 30), (Topic.FOOD, 15), (Topic.INFORMATION, 15), (Topic.ESCORT, 4),
    (Topic.HOUSING, 10), (Topic.HEALTH, 10), (Topic.SUBSTANCES, 12), (Topic.REFERRAL, 4),
)
TOPIC_COUNTS = ((0, 15), (1, 45), (2, 30), (3, 10))
# fmt: on
NOTE_SHARE = 0.12
OUTSIDE_HOME_AREA = 0.1  # share of contacts with someone usually met in another area


def _cumulative(pairs):
    values = [value for value, _weight in pairs]
    total, cum = 0, []
    for _value, weight in pairs:
        total += weight
        cum.append(total)
    return values, cum


@contextlib.contextmanager
def _bulk_load():
    """Settings for writing millions of rows, restored afterwards.

    The plan holds millions of small objects that the cyclic garbage collector would otherwise
    rescan over and over, and SQLite's default 2 MB page cache is far smaller than the indexes
    of a million encounters (each setting saves about a seventh of the time at that size).
    """
    enabled = gc.isenabled()
    gc.disable()
    cache_size = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA cache_size = -524288")  # 512 MiB
    try:
        yield
    finally:
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {cache_size}")
        if enabled:
            gc.enable()


class Rows:
    """Unsaved instances of a model for bulk_create, without Model.__init__.

    __init__ resolves keyword arguments and defaults field by field for each of millions of
    objects (about a tenth of the seed's time). Here every concrete field is set, from the
    given attnames or else its default, so the instance is as complete as __init__ makes it.
    """

    def __init__(self, model):
        self.model = model
        fields = model._meta.concrete_fields
        self.defaults = {f.attname: f.get_default() for f in fields if not callable(f.default)}
        self.dynamic = [(f.attname, f) for f in fields if callable(f.default)]

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        state = dict(self.defaults)
        for attname, model_field in self.dynamic:
            if attname not in values:
                state[attname] = model_field.get_default()
        state.update(values)
        state["_state"] = ModelState()
        obj.__dict__.update(state)
        return obj


# --- The plan: everything to write, computed before anything is written --------------------


@dataclass
class Pool:
    """Persons usually met in one area, in order of arrival, with cumulative weights."""

    arrivals: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)


@dataclass
class Crew:
    """Field staff that can go out together; one crew per parallel set of patrols."""

    by_team: dict[str, list[int]]
    field: list[int]
    peers: list[int]


@dataclass
class Plan:
    service: Service
    tz: ZoneInfo
    words: Words
    team_ids: dict[str, int]
    area_ids: list[int]
    # Patrols, as columns.
    p_date: list = field(default_factory=list)
    p_shift: list = field(default_factory=list)
    p_team: list = field(default_factory=list)
    p_start: list = field(default_factory=list)
    p_end: list = field(default_factory=list)
    p_members: list = field(default_factory=list)  # (first, second, *others) user ids
    p_areas: list = field(default_factory=list)  # area ids
    p_count: list = field(default_factory=list)  # encounters to generate
    # Encounters, as columns; persons in encounters flattened in encounter order.
    e_patrol: list = field(default_factory=list)
    e_time: list = field(default_factory=list)
    e_area: list = field(default_factory=list)
    e_kind: list = field(default_factory=list)
    e_head: list = field(default_factory=list)
    e_count: list = field(default_factory=list)
    e_topics: list = field(default_factory=list)
    e_note: list = field(default_factory=list)
    e_by: list = field(default_factory=list)
    ep_encounter: list = field(default_factory=list)
    ep_person: list = field(default_factory=list)
    # Who can be met in each area, and anywhere; a person's first encounter.
    pools: dict[int, Pool] = field(default_factory=dict)
    everyone: Pool = field(default_factory=Pool)
    first_encounter: dict[int, int] = field(default_factory=dict)


# Known places in the Oslo field areas (approximate positions; places, never people).
OSLO_PLACES = [
    ("Brugata/Storgata", "Brugata", PlaceKind.STREET, 10.7541, 59.9147),
    ("Brugata/Storgata", "Parkeringshus Storgata", PlaceKind.PARKING_GARAGE, 10.7560, 59.9140),
    ("Vaterland/Grønland", "Vaterlandsparken", PlaceKind.PARK, 10.7598, 59.9131),
    ("Vaterland/Grønland", "Grønland T-banestasjon", PlaceKind.STATION, 10.7616, 59.9125),
    ("Vaterland/Grønland", "Parkeringshus Vaterland", PlaceKind.PARKING_GARAGE, 10.7589, 59.9118),
    ("Oslo S og omegn", "Jernbanetorget", PlaceKind.STREET, 10.7506, 59.9115),
    ("Oslo S og omegn", "Oslo S stasjonshallen", PlaceKind.STATION, 10.7522, 59.9110),
    ("Oslo S og omegn", "Bussterminalen", PlaceKind.STATION, 10.7580, 59.9105),
]

# Staff-safety notes the team keeps on places (shown wherever the place appears).
OSLO_PLACE_SAFETY = {
    "Parkeringshus Vaterland": "Aldri gå inn alene etter kl. 22; trusler mot ansatte i oktober.",
    "Parkeringshus Storgata": "Gå to og to; ha telefon klar.",
}

# Demo incidents: kind, what was done, and a sober note (synthetic, no one is named).
INCIDENT_PATTERNS = [
    (
        IncidentKind.OVERDOSE,
        [IncidentAction.NALOXONE, IncidentAction.FIRST_AID, IncidentAction.AMBULANCE],
        "Fant en person bevisstløs i trappeoppgangen. Pustet igjen etter nalokson; "
        "ambulansen tok over.",
    ),
    (
        IncidentKind.OVERDOSE,
        [IncidentAction.FIRST_AID, IncidentAction.AMBULANCE],
        "Person med nedsatt bevissthet på benken. Sideleie og tilsyn til ambulansen kom.",
    ),
    (
        IncidentKind.THREAT,
        [IncidentAction.DE_ESCALATED, IncidentAction.LEFT],
        "Trusler mot oss i parkeringshuset. Vi roet situasjonen og trakk oss ut.",
    ),
    (
        IncidentKind.VIOLENCE,
        [IncidentAction.POLICE, IncidentAction.FIRST_AID],
        "Slåsskamp mellom to i miljøet. Politiet tilkalt; førstehjelp for et kutt.",
    ),
    (
        IncidentKind.ACUTE_ILLNESS,
        [IncidentAction.AMBULANCE, IncidentAction.ESCORTED],
        "Kraftig nedkjølt person. Fulgt til legevakten.",
    ),
    (
        IncidentKind.WEAPON,
        [IncidentAction.POLICE, IncidentAction.LEFT],
        "Kniv vist fram i gruppen ved stasjonen. Vi gikk unna og varslet politiet.",
    ),
]
# About one incident per this many patrols in the last weeks of the demo.
PATROLS_PER_INCIDENT = 25
INCIDENT_WEEKS = 12

OSLO_ENVIRONMENTS = [
    (
        "Åpent rusmiljø Brugata",
        EnvironmentKind.OPEN_DRUG_SCENE,
        "Brugata/Storgata",
        ["Brugata", "Parkeringshus Storgata"],
        "Det åpne rusmiljøet i Brugata og Storgata.",
    ),
    (
        "Ungdom ved Oslo S",
        EnvironmentKind.YOUTH,
        "Oslo S og omegn",
        ["Jernbanetorget", "Oslo S stasjonshallen"],
        "Unge som samles rundt Jernbanetorget og stasjonen på kveldstid.",
    ),
    (
        "Vaterlandsparken",
        EnvironmentKind.HOMELESS,
        "Vaterland/Grønland",
        ["Vaterlandsparken", "Parkeringshus Vaterland"],
        "Personer som overnatter ute eller i parkeringshus.",
    ),
]


class Command(BaseCommand):
    help = (
        "Seed the demo: Uteseksjonen (demo) and Det Opsøgende Team (demo) with synthetic "
        "users, field areas, persons, patrols and encounters."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            help="Total number of encounters (default: what the weekly pattern gives).",
        )
        parser.add_argument(
            "--weeks",
            type=int,
            default=None,
            help=f"Weeks of field work up to today (default {DEFAULT_WEEKS}, or sized by --scale).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the demo service already exists.",
        )

    def handle(self, *args, **options):
        scale, weeks = options["scale"], options["weeks"]
        if scale is not None and scale < 1:
            raise CommandError("--scale must be at least 1.")
        if weeks is not None and weeks < 1:
            raise CommandError("--weeks must be at least 1.")
        existing = Service.objects.filter(name__in=[OSLO.name, COPENHAGEN.name])
        if existing.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present: nothing seeded.")
                return
            raise CommandError(
                "The demo services already exist; use --if-empty, or seed a fresh database."
            )
        if not connection.features.can_return_rows_from_bulk_insert:
            raise CommandError("seed_demo needs a database that returns ids from bulk inserts.")
        if weeks is None:
            weeks = DEFAULT_WEEKS
            if scale is not None:
                weeks = min(MAX_WEEKS, max(1, math.ceil(scale / ENCOUNTERS_PER_WEEK)))

        self.started = time.perf_counter()
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        self.password = make_password(demo.DEMO_PASSWORD)
        with _bulk_load(), transaction.atomic():
            # The small Danish service keeps its size; Uteseksjonen takes the rest of --scale.
            copenhagen = self._plan(
                COPENHAGEN, weeks, target=None if scale is None else scale // 10, grow=False
            )
            dk_total = sum(copenhagen.p_count)
            oslo = self._plan(OSLO, weeks, target=None if scale is None else scale - dk_total)
            for plan in (oslo, copenhagen):
                self._generate_encounters(plan)
                self._write(plan)
            self._places_and_rota(oslo.service)
            seed_followup(oslo.service, contact_email=demo.DEMO_ACCOUNTS[0].email)
            demo.seed_referrals_and_notifications([oslo.service, copenhagen.service])
            seed_oncall([oslo.service, copenhagen.service])
            seed_counts(oslo.service)
            seed_reports(oslo.service)
        elapsed = time.perf_counter() - self.started
        encounters = len(oslo.e_time) + len(copenhagen.e_time)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {encounters:,} encounters over {weeks} weeks in {elapsed:.1f} s "
                f"({encounters / max(elapsed, 1e-9):,.0f} encounters/s)."
            )
        )

    # --- Places, environments and shift templates --------------------------------------------

    def _places_and_rota(self, service):
        """Known places and environments in the Oslo areas, and the seeds' weekly pattern."""
        areas = {area.name: area for area in FieldArea.objects.filter(service=service)}
        places = {}
        for area_name, name, kind, lon, lat in OSLO_PLACES:
            places[name] = Place.objects.create(
                service=service,
                area=areas[area_name],
                name=name,
                kind=kind,
                point={"type": "Point", "coordinates": [lon, lat]},
                safety_note=OSLO_PLACE_SAFETY.get(name, ""),
            )
        for name, kind, area_name, place_names, description in OSLO_ENVIRONMENTS:
            environment = Environment.objects.create(
                service=service,
                name=name,
                kind=kind,
                area=areas[area_name],
                description=description,
            )
            environment.places.set([places[p] for p in place_names])
        planning.create_default_templates(service)
        self._say(f"{service.name}: {len(OSLO_PLACES)} places, shift templates")
        self._incidents(service, list(places.values()))

    def _incidents(self, service, places):
        """Incidents on recent ended patrols, with the persons met there involved."""
        since = timezone.localdate(self.now) - datetime.timedelta(weeks=INCIDENT_WEEKS)
        patrols = list(
            Patrol.objects.filter(service=service, status=PatrolStatus.ENDED, date__gte=since)
            .prefetch_related("areas")
            .order_by("started_at")
        )
        chosen = patrols[::PATROLS_PER_INCIDENT]
        incidents, involved = [], []
        for number, patrol in enumerate(chosen):
            kind, actions, note = INCIDENT_PATTERNS[number % len(INCIDENT_PATTERNS)]
            area = self.rng.choice(list(patrol.areas.all()))
            in_area = [place for place in places if place.area_id == area.pk]
            met = list(
                EncounterPerson.objects.filter(encounter__patrol=patrol).values_list(
                    "person_id", flat=True
                )[:2]
            )
            incidents.append(
                IncidentNote(
                    service=service,
                    patrol=patrol,
                    area=area,
                    place=self.rng.choice(in_area) if in_area else None,
                    occurred_at=patrol.started_at + (patrol.ended_at - patrol.started_at) / 2,
                    kind=kind,
                    note=note,
                    actions=sorted(actions),
                    recorded_by_id=patrol.first_member_id,
                )
            )
            involved.append(met[:1] if kind != IncidentKind.THREAT else [])
        IncidentNote.objects.bulk_create(incidents)
        IncidentPerson.objects.bulk_create(
            IncidentPerson(service=service, incident=incident, person_id=person_id)
            for incident, persons in zip(incidents, involved, strict=True)
            for person_id in persons
        )
        self._say(f"{service.name}: {len(incidents)} incidents")

    # --- Progress ---------------------------------------------------------------------------

    def _say(self, message):
        self.stdout.write(f"[{time.perf_counter() - self.started:7.1f} s] {message}")

    # --- Organisation, staff and the patrol schedule ----------------------------------------

    def _plan(self, spec: ServiceSpec, weeks: int, target: int | None, grow=True) -> Plan:
        """Create the service, teams, areas and staff; lay out patrols and persons.

        With a `target`, encounters are adjusted to exactly that many; when `grow`, parallel
        crews are added if the weeks cannot hold them, otherwise the target is only a ceiling.
        """
        rng = self.rng
        service = Service.objects.create(
            name=spec.name,
            country=spec.country,
            language=spec.language,
            youth_age_limit=spec.youth_age_limit,
        )
        teams = Team.objects.bulk_create([Team(service=service, name=n) for n in spec.teams])
        team_ids = {team.name: team.pk for team in teams}
        areas = []
        for area in spec.areas:
            validate_polygon(area.geometry())
            areas.append(
                FieldArea(
                    service=service,
                    name=area.name,
                    boundary=area.geometry(),
                    valid_from=area.valid_from,
                    valid_to=area.valid_to,
                )
            )
        areas = FieldArea.objects.bulk_create(areas)
        plan = Plan(
            service=service,
            tz=ZoneInfo(spec.time_zone),
            words=spec.words,
            team_ids=team_ids,
            area_ids=[area.pk for area in areas],
        )

        today = timezone.localdate(self.now, plan.tz)
        days = [today - datetime.timedelta(days=n) for n in range(weeks * 7 - 1, -1, -1)]
        schedule = [(day, spec.slots(day, rng)) for day in days]
        mean = sum(sum(spec.encounters[slot[0]]) / 2 for _day, slots in schedule for slot in slots)
        crews = 1
        if target is not None and mean and grow:
            crews = max(1, math.ceil(target / mean))
        crew_list = [self._create_staff(spec, service, team_ids)]
        crew_list += self._create_extra_crews(spec, service, team_ids, crews - 1)
        self._lay_out_patrols(plan, spec, schedule, crew_list, areas)
        if target is not None:
            self._fit(plan.p_count, target if grow else min(target, sum(plan.p_count)))
        total = sum(plan.p_count)
        persons = max(15, round(total * PERSONS_PER_ENCOUNTER))
        self._lay_out_persons(plan, spec, areas, persons)
        self._say(
            f"{spec.name}: {len(plan.p_date):,} patrols, {total:,} encounters planned, "
            f"{len(crew_list)} crew(s)"
        )
        return plan

    def _user(self, spec_row: StaffSpec):
        return User(
            email=spec_row.email,
            username=spec_row.email,
            first_name=spec_row.first_name,
            last_name=spec_row.last_name,
            password=self.password,  # hashed once: the demo password is the same for all
            is_demo=True,
        )

    def _create_staff(self, spec, service, team_ids) -> Crew:
        users = User.objects.bulk_create([self._user(row) for row in spec.staff])
        return self._memberships(service, team_ids, list(zip(spec.staff, users, strict=True)))

    def _create_extra_crews(self, spec, service, team_ids, count) -> list[Crew]:
        """More staff when --scale asks for more patrols than the weeks hold: parallel crews."""
        if count <= 0:
            return []
        rng, words = self.rng, spec.words
        # Three day, three evening and two night workers, and one peer worker, per crew.
        teams = [team for team in spec.teams for _ in range(3)][:EXTRA_CREW_SIZE]
        teams += [spec.teams[-1]] * (EXTRA_CREW_SIZE - len(teams))
        names = words.first_male + words.first_female
        rows = []
        for crew in range(count):
            for n, team in enumerate(teams):
                email = f"feltarbeider{crew * EXTRA_CREW_SIZE + n + 1:05d}@{spec.domain}"
                last = rng.choice(words.last)
                rows.append(StaffSpec(email, rng.choice(names), last, Role.WORKER, team))
            email = f"likeperson{crew + 1:05d}@{spec.domain}"
            last = rng.choice(words.last)
            rows.append(StaffSpec(email, rng.choice(names), last, Role.PEER_WORKER, teams[-1]))
        users = User.objects.bulk_create([self._user(row) for row in rows], batch_size=BATCH_SIZE)
        pairs = list(zip(rows, users, strict=True))
        size = EXTRA_CREW_SIZE + 1
        return [
            self._memberships(service, team_ids, pairs[start : start + size])
            for start in range(0, len(pairs), size)
        ]

    def _memberships(self, service, team_ids, pairs) -> Crew:
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    service=service,
                    team_id=team_ids.get(row.team),
                    role=row.role,
                )
                for row, user in pairs
            ]
        )
        crew = Crew(by_team={}, field=[], peers=[])
        for row, user in pairs:
            if row.role in FIELD_ROLES:
                crew.field.append(user.pk)
                crew.by_team.setdefault(row.team, []).append(user.pk)
            elif row.role == Role.PEER_WORKER:
                crew.peers.append(user.pk)
        return crew

    def _lay_out_patrols(self, plan, spec, schedule, crews, areas):
        """Patrols that have ended by now, each with two distinct staff and 1-3 areas."""
        rng = self.rng
        now_ts = self.now.timestamp()
        for day, slots in schedule:
            midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=plan.tz)
            in_use = [
                area.pk
                for area in areas
                if area.valid_from <= day and (area.valid_to is None or area.valid_to >= day)
            ]
            blocks: dict[str, list[Slot]] = {}
            for slot in slots:
                blocks.setdefault(slot[4], []).append(slot)
            for crew in crews:
                for block in blocks.values():
                    teams = [slot[1] for slot in block]
                    for slot, members in zip(block, self._staff_block(crew, teams), strict=True):
                        shift, team, start_min, end_min, _block = slot
                        # Wall-clock times converted once, so a DST night is measured right.
                        start = (midnight + datetime.timedelta(minutes=start_min)).timestamp()
                        end = (midnight + datetime.timedelta(minutes=end_min)).timestamp()
                        if end > now_ts:
                            continue  # not over yet: no patrol is left under way
                        low, high = spec.encounters[shift]
                        plan.p_date.append(day)
                        plan.p_shift.append(shift)
                        plan.p_team.append(plan.team_ids[team])
                        plan.p_start.append(int(start))
                        plan.p_end.append(int(end))
                        plan.p_members.append(members)
                        size = min(len(in_use), rng.choice((1, 1, 2, 2, 3)))
                        plan.p_areas.append(tuple(rng.sample(in_use, size)))
                        plan.p_count.append(rng.randint(low, high))

    def _staff_block(self, crew: Crew, teams: list[str]) -> list[tuple[int, ...]]:
        """Members for patrols at the same time: nobody on two of them, own team first."""
        rng = self.rng
        free = list(crew.field)
        rng.shuffle(free)
        chosen: list[list[int]] = [[] for _ in teams]
        for _round in range(2):
            for n, team in enumerate(teams):
                own = [u for u in free if u in crew.by_team.get(team, ())]
                candidates = own or free
                if candidates:
                    user = candidates[0]
                    free.remove(user)
                else:  # more patrols than staff: share someone rather than break the pair rule
                    user = rng.choice([u for u in crew.field if u not in chosen[n]])
                chosen[n].append(user)
        peers = list(crew.peers)
        rng.shuffle(peers)
        for members in chosen:
            if rng.random() < 0.15:
                pool = peers if peers and rng.random() < 0.6 else free
                if pool:
                    members.append(pool.pop())
        return [tuple(members) for members in chosen]

    def _fit(self, counts: list[int], target: int):
        """Adjust encounters per patrol so their total is exactly `target`."""
        rng, total, n = self.rng, sum(counts), len(counts)
        if not n:
            return
        while total > target:
            i = rng.randrange(n)
            if counts[i]:
                counts[i] -= 1
                total -= 1
        while total < target:
            counts[rng.randrange(n)] += 1
            total += 1

    # --- Persons ----------------------------------------------------------------------------

    def _lay_out_persons(self, plan, spec, areas, persons):
        """Persons with a home area and an arrival time; some are met often, most rarely."""
        rng = self.rng
        if plan.p_start:
            first, last = min(plan.p_start), max(plan.p_end)
        else:
            first = last = int(self.now.timestamp())
        homes = [
            (area.pk, area_spec.home_weight)
            for area, area_spec in zip(areas, spec.areas, strict=True)
            if area_spec.home_weight > 0
        ]
        home_ids, home_cum = _cumulative(homes)
        rows = []
        for n in range(persons):
            # About half are already known in the environment when the period starts.
            arrival = first if rng.random() < 0.5 else rng.randint(first, last)
            home = rng.choices(home_ids, cum_weights=home_cum)[0]
            weight = min(rng.paretovariate(1.5), 12.0)
            rows.append((arrival, n, home, weight))
        rows.sort()
        plan.pools = {pk: Pool() for pk in plan.area_ids}
        plan.everyone = Pool()
        for arrival, n, home, weight in rows:
            for pool in (plan.pools[home], plan.everyone):
                pool.arrivals.append(arrival)
                pool.members.append(n)
                pool.cum_weights.append((pool.cum_weights[-1] if pool.cum_weights else 0) + weight)

    def _pick(self, plan, area_id, moment):
        """Someone who has arrived by `moment`, usually from the area, regulars more often."""
        rng = self.rng
        pool = plan.pools.get(area_id)
        if pool is None or not pool.members or rng.random() < OUTSIDE_HOME_AREA:
            pool = plan.everyone
        n = bisect.bisect_right(pool.arrivals, moment)
        if not n:
            return None
        i = bisect.bisect_right(pool.cum_weights, rng.random() * pool.cum_weights[n - 1], 0, n)
        return pool.members[min(i, n - 1)]

    # --- Encounters -------------------------------------------------------------------------

    def _generate_encounters(self, plan: Plan):
        rng = self.rng
        kinds, kind_cum = _cumulative(KINDS)
        topics, topic_cum = _cumulative(TOPICS)
        topic_counts, topic_count_cum = _cumulative(TOPIC_COUNTS)
        topic_cache: dict[tuple, list] = {}
        notes = plan.words.notes
        pick = self._pick
        individual, group, anonymous = (
            EncounterKind.INDIVIDUAL,
            EncounterKind.GROUP,
            EncounterKind.ANONYMOUS,
        )
        for p, count in enumerate(plan.p_count):
            if not count:
                continue
            low, high = plan.p_start[p] + 300, max(plan.p_start[p] + 300, plan.p_end[p] - 300)
            members, patrol_areas = plan.p_members[p], plan.p_areas[p]
            for moment in sorted(rng.randint(low, high) for _ in range(count)):
                area = patrol_areas[0] if len(patrol_areas) == 1 else rng.choice(patrol_areas)
                kind = rng.choices(kinds, cum_weights=kind_cum)[0]
                persons: list[int] = []
                head = 0
                if kind == individual:
                    person = pick(plan, area, moment)
                    if person is None:
                        kind = anonymous
                    else:
                        persons.append(person)
                if kind == group:
                    for _ in range(rng.choice((2, 2, 2, 3, 3, 4, 5))):
                        person = pick(plan, area, moment)
                        if person is not None and person not in persons:
                            persons.append(person)
                    head = 0 if rng.random() < 0.5 else rng.randint(1, 4)
                    head = max(head, 2 - len(persons))
                if kind == anonymous:
                    head = min(12, 1 + int(rng.expovariate(0.4)))
                how_many = rng.choices(topic_counts, cum_weights=topic_count_cum)[0]
                chosen = rng.choices(topics, cum_weights=topic_cum, k=how_many)
                key = tuple(sorted(set(chosen)))
                topic_list = topic_cache.setdefault(key, list(key))
                e = len(plan.e_time)
                plan.e_patrol.append(p)
                plan.e_time.append(moment)
                plan.e_area.append(area)
                plan.e_kind.append(kind)
                plan.e_head.append(head)
                plan.e_count.append(len(persons) + head)
                plan.e_topics.append(topic_list)
                plan.e_note.append(rng.choice(notes) if rng.random() < NOTE_SHARE else "")
                plan.e_by.append(rng.choice(members))
                for person in persons:
                    plan.ep_encounter.append(e)
                    plan.ep_person.append(person)

    # --- Writing ----------------------------------------------------------------------------

    def _write(self, plan: Plan):
        service_id = plan.service.pk
        person_pks = self._write_persons(plan)
        patrol_pks = self._write_patrols(plan)
        total = len(plan.e_time)
        ep_at = 0
        new_encounter, new_link = Rows(Encounter), Rows(EncounterPerson)
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            encounters = Encounter.objects.bulk_create(
                [
                    new_encounter(
                        service_id=service_id,
                        patrol_id=patrol_pks[plan.e_patrol[e]],
                        occurred_at=datetime.datetime.fromtimestamp(plan.e_time[e], UTC),
                        local_date=datetime.datetime.fromtimestamp(plan.e_time[e], plan.tz).date(),
                        area_id=plan.e_area[e],
                        kind=plan.e_kind[e],
                        head_count=plan.e_head[e],
                        contact_count=plan.e_count[e],
                        topics=plan.e_topics[e],
                        note=plan.e_note[e],
                        recorded_by_id=plan.e_by[e],
                    )
                    for e in range(start, stop)
                ],
                batch_size=BATCH_SIZE,
            )
            links = []
            first_of = plan.first_encounter
            while ep_at < len(plan.ep_encounter) and plan.ep_encounter[ep_at] < stop:
                e, person = plan.ep_encounter[ep_at], plan.ep_person[ep_at]
                links.append(
                    new_link(
                        service_id=service_id,
                        encounter_id=encounters[e - start].pk,
                        person_id=person_pks[person],
                        first_contact=first_of[person] == e,
                    )
                )
                ep_at += 1
            EncounterPerson.objects.bulk_create(links, batch_size=BATCH_SIZE)
            reset_queries()  # under DEBUG, the SQL of the last 9000 huge INSERTs is kept
            self._say(f"{plan.service.name}: encounters {stop:,} / {total:,}")

    def _write_persons(self, plan: Plan) -> dict[int, int]:
        """Only persons met at least once, with first and last contact from their encounters."""
        rng = self.rng
        self.new_person = Rows(Person)
        first_at: dict[int, int] = {}
        first_of: dict[int, int] = {}
        last_at: dict[int, int] = {}
        for e, person in zip(plan.ep_encounter, plan.ep_person, strict=True):
            moment = plan.e_time[e]
            if person not in first_at or moment < first_at[person]:
                first_at[person], first_of[person] = moment, e
            if moment > last_at.get(person, 0):
                last_at[person] = moment
        plan.first_encounter = first_of
        today = timezone.localdate(self.now, plan.tz)
        genders, gender_cum = _cumulative(GENDERS)
        bands, band_cum = _cumulative(AGE_BANDS)
        levels, level_cum = _cumulative(ANONYMITY)
        met = sorted(first_at, key=lambda person: (first_at[person], person))
        pks: dict[int, int] = {}
        for start in range(0, len(met), CHUNK):
            part = met[start : start + CHUNK]
            objs = []
            for n, person in enumerate(part, start):
                gender = rng.choices(genders, cum_weights=gender_cum)[0]
                band = rng.choices(bands, cum_weights=band_cum)[0]
                level = rng.choices(levels, cum_weights=level_cum)[0]
                if n % IDENTIFIED_EVERY == IDENTIFIED_EVERY // 2:
                    level = AnonymityLevel.IDENTIFIED
                objs.append(
                    self._person(
                        plan,
                        today,
                        gender,
                        band,
                        level,
                        created_by=plan.e_by[first_of[person]],
                        first=first_at[person],
                        last=last_at[person],
                    )
                )
            created = Person.objects.bulk_create(objs, batch_size=BATCH_SIZE)
            pks.update({person: obj.pk for person, obj in zip(part, created, strict=True)})
        self._say(f"{plan.service.name}: {len(pks):,} persons")
        return pks

    def _person(self, plan, today, gender, band, level, *, created_by, first, last):
        rng, words = self.rng, plan.words
        data = PersonData(anonymity_level=level, gender=gender, age_band=band)
        if level == AnonymityLevel.IDENTIFIED:
            if band == AgeBand.UNKNOWN:
                band = AgeBand.FROM_26
            low, high = AGES[band]
            data.birth_year = today.year - rng.randint(low, high)
            data.birth_date = datetime.date(data.birth_year, 1, 1) + datetime.timedelta(
                days=rng.randrange(365)
            )
            data.age_band = band = AgeBand.for_age(today.year - data.birth_year)
            names = words.first_female if gender == Gender.FEMALE else words.first_male
            data.full_name = f"{rng.choice(names)} {rng.choice(words.last)}"
        if level != AnonymityLevel.DESCRIPTION:
            data.nickname = self._nickname(words, gender, band)
        if level == AnonymityLevel.DESCRIPTION or rng.random() < 0.3:
            data.description = self._description(words, gender, band)
        data.flags = self._flags(band)
        person = self.new_person(
            service_id=plan.service.pk,
            anonymity_level=level,
            nickname=data.nickname,
            nickname_norm=normalise_nickname(data.nickname),
            nickname_key=phonetic_key(data.nickname),
            description=data.description,
            gender=gender,
            birth_year=data.birth_year,
            age_band=band,
            flags=data.flags,
            first_contact_at=datetime.datetime.fromtimestamp(first, UTC),
            last_contact_at=datetime.datetime.fromtimestamp(last, UTC),
            created_by_id=created_by,
        )
        if level == AnonymityLevel.IDENTIFIED:
            _set_identity(person, data)  # encrypted exactly as a worker's entry would be
        return person

    def _nickname(self, words, gender, band):
        rng = self.rng
        names = words.nicknames
        if gender == Gender.MALE:
            names = names + words.nicknames_male
        elif gender == Gender.FEMALE:
            names = names + words.nicknames_female
        name = rng.choice(names)
        if band != AgeBand.FROM_13 and rng.random() < 0.15:
            name = rng.choice(words.prefixes) + name
        return name

    def _description(self, words, gender, band):
        rng = self.rng
        age = {AgeBand.FROM_13: "_young", AgeBand.FROM_50: "_old", AgeBand.OVER_65: "_old"}
        noun = words.nouns[
            (gender if gender in ("male", "female") else "other") + age.get(band, "")
        ]
        text = f"{rng.choice(words.builds)} {noun}, {rng.choice(words.clothing)}"
        if rng.random() < 0.6:
            text += f", {rng.choice(words.features)}"
        return text

    def _flags(self, band):
        rng = self.rng
        flags = []
        if band == AgeBand.FROM_13:
            flags.append(PersonFlag.MINOR)
        if rng.random() < 0.03:
            flags.append(PersonFlag.SAFETY)
        adult = band in (AgeBand.FROM_26, AgeBand.FROM_36, AgeBand.FROM_50)
        if rng.random() < (0.08 if adult else 0.02):
            flags.append(PersonFlag.OVERDOSE_RISK)
        if rng.random() < 0.04:
            flags.append(PersonFlag.PRIORITY)
        return sorted(str(flag) for flag in flags)

    def _write_patrols(self, plan: Plan) -> list[int]:
        service_id = plan.service.pk
        new_patrol = Rows(Patrol)
        area_link, member_link = Patrol.areas.through, Patrol.other_members.through
        new_area_link, new_member_link = Rows(area_link), Rows(member_link)
        pks: list[int] = []
        total = len(plan.p_date)
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            created = Patrol.objects.bulk_create(
                [
                    new_patrol(
                        service_id=service_id,
                        team_id=plan.p_team[p],
                        date=plan.p_date[p],
                        shift=plan.p_shift[p],
                        status=PatrolStatus.ENDED,
                        started_at=datetime.datetime.fromtimestamp(plan.p_start[p], UTC),
                        ended_at=datetime.datetime.fromtimestamp(plan.p_end[p], UTC),
                        first_member_id=plan.p_members[p][0],
                        second_member_id=plan.p_members[p][1],
                    )
                    for p in range(start, stop)
                ],
                batch_size=BATCH_SIZE,
            )
            chunk_pks = [patrol.pk for patrol in created]
            pks.extend(chunk_pks)
            area_link.objects.bulk_create(
                [
                    new_area_link(patrol_id=pk, fieldarea_id=area)
                    for p, pk in zip(range(start, stop), chunk_pks, strict=True)
                    for area in plan.p_areas[p]
                ],
                batch_size=BATCH_SIZE,
            )
            member_link.objects.bulk_create(
                [
                    new_member_link(patrol_id=pk, user_id=user)
                    for p, pk in zip(range(start, stop), chunk_pks, strict=True)
                    for user in plan.p_members[p][2:]
                ],
                batch_size=BATCH_SIZE,
            )
        self._say(f"{plan.service.name}: {total:,} patrols")
        return pks
