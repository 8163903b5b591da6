"""The fixed demo log-ins, shared by `seed_demo` (which creates them) and `demo_logins`.

All names are invented. The accounts are marked `is_demo`, so they may skip multi-factor
enrolment, and only while FELTBOK_DEMO=1 (which needs FELTBOK_DEBUG=1).
"""

from dataclasses import dataclass

from feltbok.accounts.models import Role

DEMO_URL = "http://127.0.0.1:8000"
DEMO_PASSWORD = "feltbok-demo-2026"  # noqa: S105  (public on purpose: demo accounts only)

DEMO_SERVICE = "Uteseksjonen (demo)"
DEMO_SERVICE_DK = "Det Opsøgende Team (demo)"

# Team names of the demo services.
TEAM_DAY = "Sentrum dag"
TEAM_EVENING = "Sentrum kveld"
TEAM_NIGHT = "Natt"
TEAM_DK = "Vesterbro"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    role: str
    service: str
    team: str | None


# The documented accounts, in the order they are listed to the person trying the demo.
DEMO_ACCOUNTS = [
    DemoAccount(
        "arbeider@uteseksjonen.demo", "Kari", "Demostad", Role.WORKER, DEMO_SERVICE, TEAM_DAY
    ),
    DemoAccount(
        "kollega@uteseksjonen.demo", "Ola", "Prøvesen", Role.WORKER, DEMO_SERVICE, TEAM_DAY
    ),
    DemoAccount(
        "teamleder@uteseksjonen.demo",
        "Ingrid",
        "Eksempelrud",
        Role.TEAM_LEAD,
        DEMO_SERVICE,
        TEAM_DAY,
    ),
    DemoAccount(
        "koordinator@uteseksjonen.demo", "Sigrid", "Påfunnsen", Role.COORDINATOR, DEMO_SERVICE, None
    ),
    DemoAccount(
        "likeperson@uteseksjonen.demo",
        "Jonas",
        "Tenktvik",
        Role.PEER_WORKER,
        DEMO_SERVICE,
        TEAM_EVENING,
    ),
    DemoAccount(
        "analytiker@uteseksjonen.demo", "Per", "Fiktivdal", Role.ANALYST, DEMO_SERVICE, None
    ),
    DemoAccount("admin@uteseksjonen.demo", "Astrid", "Oppdiktsen", Role.ADMIN, DEMO_SERVICE, None),
    DemoAccount(
        "medarbejder@opsogende.demo", "Mette", "Demogaard", Role.WORKER, DEMO_SERVICE_DK, TEAM_DK
    ),
]

# (e-mail, role label): what `demo_logins` prints. Labels are lazy, so they follow the language.
DEMO_LOGINS = [(account.email, Role(account.role).label) for account in DEMO_ACCOUNTS]


def seed_referrals_and_notifications(services):
    """Partner directories of every demo service; referrals and notifications in Oslo's."""
    from feltbok.accounts.models import User
    from feltbok.notifications.demo import seed_notifications
    from feltbok.people.models import Person
    from feltbok.referrals.demo import seed_partners, seed_referrals

    for service in services:
        seed_partners(service)
        if service.name != DEMO_SERVICE:
            continue
        worker = User.objects.get(email="arbeider@uteseksjonen.demo")
        lead = User.objects.get(email="teamleder@uteseksjonen.demo")
        persons = Person.objects.filter(service=service).exclude(nickname="").order_by("pk")
        minors = list(persons.filter(age_band="13-17")[:2])
        adults = persons.exclude(age_band__in=["0-12", "13-17"])
        women = list(adults.filter(gender="female")[:1])
        seed_referrals(service, list(adults.exclude(gender="female")[:5]), worker)
        seed_notifications(service, [*minors[:1], *women, *minors[1:2]], worker, lead)
