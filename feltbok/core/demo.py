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
