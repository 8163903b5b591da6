"""Demo data: a partner directory per country and a handful of referrals in every state.

Seeding is a system import (as `seed_demo`): rows are written directly, without audit entries.
Names of public bodies are the countries' own; contact details are placeholders.
"""

import datetime

from django.utils import timezone

from feltbok.referrals.models import (
    Partner,
    PartnerType,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
)

T = PartnerType
SWITCHBOARD = {
    "NO": "Kontakt via sentralbordet (demo). Be om vakthavende.",
    "DK": "Kontakt via omstillingen (demo). Spørg efter den vagthavende.",
    "SE": "Kontakt via växeln (demo). Fråga efter dagens handläggare.",
}

PARTNERS = {
    "NO": [
        ("NAV Grünerløkka", T.SOCIAL_SERVICES, "Oslo"),
        ("NAV Sagene", T.SOCIAL_SERVICES, "Oslo"),
        ("Barneverntjenesten i Bydel Gamle Oslo", T.CHILD_WELFARE, "Oslo"),
        ("Barnevernvakten i Oslo", T.CHILD_WELFARE, "Oslo"),
        ("Oslo kommune Velferdsetaten, midlertidig botilbud", T.HOUSING, "Oslo"),
        ("Oslo legevakt", T.GP, "Oslo"),
        ("Tverrfaglig spesialisert rusbehandling (TSB), Oslo universitetssykehus", T.ADDICTION, ""),
        ("Distriktspsykiatrisk senter (DPS)", T.PSYCHIATRY, "Oslo"),
        ("Akuttovernatting for kvinner", T.SHELTER, "Oslo"),
        ("Oslo politidistrikt, sentrum", T.POLICE, "Oslo"),
        ("KORUS Oslo", T.REGION, ""),
        ("Bydelsutekontakten i Bydel Gamle Oslo", T.OTHER, "Oslo"),
        ("Kirkens Bymisjon", T.CIVIL_SOCIETY, "Oslo"),
    ],
    "DK": [
        ("Socialforvaltningen, Københavns Kommune", T.SOCIAL_SERVICES, "København"),
        ("Børne- og Ungdomsforvaltningen, Københavns Kommune", T.CHILD_WELFARE, "København"),
        ("Kommunal rusmiddelbehandling", T.ADDICTION, "København"),
        ("Psykiatrisk akutmodtagelse", T.PSYCHIATRY, ""),
        ("Lægevagten / Akuttelefonen 1813", T.GP, ""),
        ("Boligsocial anvisning", T.HOUSING, "København"),
        ("Herberg og forsorgshjem (§ 110)", T.SHELTER, "København"),
        ("Københavns Politi", T.POLICE, "København"),
        ("Region Hovedstaden", T.REGION, ""),
        ("Frivilligt værested", T.CIVIL_SOCIETY, "København"),
    ],
    "SE": [
        ("Socialtjänsten, vuxen", T.SOCIAL_SERVICES, "Uppsala"),
        ("Socialtjänsten, barn och unga", T.CHILD_WELFARE, "Uppsala"),
        ("Beroendeenheten", T.ADDICTION, "Uppsala"),
        ("Psykiatrin, Region Uppsala", T.PSYCHIATRY, ""),
        ("Vårdcentral", T.GP, "Uppsala"),
        ("Stödteamet, socialförvaltningen", T.HOUSING, "Uppsala"),
        ("Härbärge", T.SHELTER, "Uppsala"),
        ("Polisen", T.POLICE, "Uppsala"),
        ("Region Uppsala", T.REGION, ""),
        ("Ideell förening, dagverksamhet", T.CIVIL_SOCIETY, "Uppsala"),
    ],
}


def seed_partners(service) -> dict[str, Partner]:
    """The partner directory of the service's country; returns the partners by type."""
    contact = SWITCHBOARD.get(service.country, "")
    by_type = {}
    for name, partner_type, municipality in PARTNERS.get(service.country, []):
        partner, _created = Partner.objects.get_or_create(
            service=service,
            name=name,
            defaults={
                "partner_type": partner_type,
                "municipality": municipality,
                "contact": contact,
            },
        )
        by_type.setdefault(partner_type, partner)
    ReferralSettings.objects.get_or_create(service=service)
    return by_type


# (partner type, kind, steps taken, days ago, what for)
S = ReferralStatus
DEMO_REFERRALS = [
    (T.SOCIAL_SERVICES, ReferralKind.REFERRAL, [S.AGREED, S.SENT], 20, "Økonomisk sosialhjelp"),
    (
        T.ADDICTION,
        ReferralKind.REFERRAL,
        [S.AGREED, S.SENT, S.APPOINTMENT, S.ACCOMPANIED, S.COMPLETED],
        40,
        "Vurdering for rusbehandling",
    ),
    (T.HOUSING, ReferralKind.REFERRAL, [S.AGREED], 3, "Et sted å sove i natt"),
    (T.GP, ReferralKind.REFERRAL, [], 1, "Sår på foten som ikke gror"),
    (
        T.SOCIAL_SERVICES,
        ReferralKind.HOME_MUNICIPALITY,
        [S.AGREED, S.SENT, S.APPOINTMENT],
        10,
        "Trygt hjem til hjemkommunen, oppfølging fra NAV der",
    ),
]


def seed_referrals(service, persons, owner) -> list[Referral]:
    """A few referrals of the owner, in every state: one overdue, one transfer home."""
    partners = seed_partners(service)
    now = timezone.now()
    created = []
    for person, (partner_type, kind, steps, days_ago, purpose) in zip(
        persons, DEMO_REFERRALS, strict=False
    ):
        partner = partners.get(partner_type)
        if partner is None:
            continue
        start = now - datetime.timedelta(days=days_ago)
        consent = S.SENT in steps
        transfer = kind == ReferralKind.HOME_MUNICIPALITY
        referral = Referral.objects.create(
            service=service,
            person=person,
            partner=partner,
            kind=kind,
            purpose=purpose,
            owner=owner,
            created_by=owner,
            status=steps[-1] if steps else S.PROPOSED,
            status_changed_at=start,
            consent_at=start if consent else None,
            consent_by=owner if consent else None,
            appointment_at=start + datetime.timedelta(days=3) if S.APPOINTMENT in steps else None,
            closed_at=start + datetime.timedelta(days=9) if S.COMPLETED in steps else None,
            home_municipality="Drammen" if transfer else "",
            follow_up_on=(now - datetime.timedelta(days=1)).date() if transfer else None,
        )
        events = [ReferralEvent(kind=ReferralEventKind.CREATED, to_status=S.PROPOSED)]
        if consent:
            events.append(ReferralEvent(kind=ReferralEventKind.CONSENT))
        previous = S.PROPOSED
        for step in steps:
            events.append(
                ReferralEvent(kind=ReferralEventKind.STATUS, from_status=previous, to_status=step)
            )
            previous = step
        for index, event in enumerate(events):
            event.service = service
            event.referral = referral
            event.by = owner
            event.occurred_at = start + datetime.timedelta(days=index * 2)
        ReferralEvent.objects.bulk_create(events)
        # created_at is set on insert; the demo back-dates it so overdue referrals show.
        Referral.objects.filter(pk=referral.pk).update(created_at=start)
        created.append(referral)
    return created
