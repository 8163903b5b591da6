"""The notification types of each country, as data (DESIGN §3.6: configuration, not code).

The texts summarise the legal basis soberly in the country's language; they are not legal
advice, and the service checks them against the law in force. A deadline that the law words as
"without undue delay" or "at once" is given here as the service's practice, and the text says so.
The data migration 0002 loads these rows; `ensure_types` loads them again where a test or the
demo has emptied the table.
"""

WORKER_OR_LEAD = ["worker", "team_lead"]

TYPES = [
    {
        "country": "NO",
        "key": "child_welfare",
        "order": 1,
        "name": "Bekymringsmelding til barneverntjenesten",
        "legal_basis": (
            "Barnevernsloven § 13-2 (opplysningsplikt til barneverntjenesten): offentlige "
            "myndigheter og yrkesutøvere skal uten hinder av taushetsplikt melde fra til "
            "barneverntjenesten når det er grunn til å tro at et barn blir mishandlet, utsatt "
            "for alvorlige mangler ved den daglige omsorgen eller annen alvorlig omsorgssvikt, "
            "eller har vist vedvarende alvorlige atferdsvansker. Meldingen sendes uten "
            "ugrunnet opphold; fristen på 24 timer er tjenestens egen praksis."
        ),
        "recipient_type": "child_welfare",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": True,
        "deadline_hours": 24,
    },
    {
        "country": "NO",
        "key": "pregnant_substance_use",
        "order": 2,
        "name": "Melding om gravid kvinne med rusmiddelbruk",
        "legal_basis": (
            "Helse- og omsorgstjenesteloven § 10-3 (tiltak overfor gravide rusmiddelavhengige): "
            "kommunen kan sette i verk tiltak når en gravid kvinne misbruker rusmidler slik at "
            "det er overveiende sannsynlig at barnet blir født med skade. Tjenesten melder fra "
            "til kommunen (NAV / helse- og omsorgstjenesten), helst sammen med kvinnen, slik at "
            "kommunen kan vurdere oppfølging. Fristen på 48 timer er tjenestens egen praksis."
        ),
        "recipient_type": "social_services",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": True,
        "deadline_hours": 48,
    },
    {
        "country": "NO",
        "key": "compulsory_mental_health",
        "order": 3,
        "name": "Initiativ til vurdering av tvungent psykisk helsevern",
        "legal_basis": (
            "Psykisk helsevernloven § 3-1 (undersøkelse og begjæring): når en person kan være "
            "så alvorlig psykisk syk at vilkårene for tvungen observasjon eller tvungent "
            "psykisk helsevern kan være oppfylt, kan tjenesten ta initiativ til at lege "
            "undersøker personen. Meldingen går til fastlege eller legevakt. Fristen på "
            "24 timer er tjenestens egen praksis."
        ),
        "recipient_type": "gp",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": True,
        "deadline_hours": 24,
    },
    {
        "country": "NO",
        "key": "emergency",
        "order": 4,
        "name": "Nødrett: liv og helse i fare",
        "legal_basis": (
            "Helsepersonelloven § 7 (øyeblikkelig hjelp) og straffeloven § 17 (nødrett): når "
            "noens liv eller helse er i fare, handler tjenesten straks og kan dele det som "
            "trengs med nødetatene uten hinder av taushetsplikt. Handlingen dokumenteres "
            "etterpå; den trenger ikke forhåndsgodkjenning."
        ),
        "recipient_type": "gp",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": False,
        "deadline_hours": 1,
    },
    {
        "country": "DK",
        "key": "child_welfare",
        "order": 1,
        "name": "Underretning til kommunen",
        "legal_basis": (
            "Barnets lov § 133 (skærpet underretningspligt for offentligt ansatte): den, der "
            "under udøvelsen af offentlig tjeneste eller offentligt hverv får kendskab til "
            "eller grund til at antage, at et barn eller en ung under 18 år kan have behov for "
            "særlig støtte, skal underrette kommunen. Underretningen sendes uden ophold; "
            "fristen på 24 timer er tjenestens egen praksis."
        ),
        "recipient_type": "child_welfare",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": True,
        "deadline_hours": 24,
    },
    {
        "country": "SE",
        "key": "child_welfare",
        "order": 1,
        "name": "Orosanmälan till socialnämnden",
        "legal_basis": (
            "Socialtjänstlagen (2001:453) 14 kap. 1 §, från den 1 juli 2025 socialtjänstlagen "
            "(2025:400) 10 kap. 1 §: myndigheter och anställda vars verksamhet berör barn och "
            "unga är skyldiga att genast anmäla till socialnämnden om de i sin verksamhet får "
            "kännedom om eller misstänker att ett barn far illa. Fristen på 24 timmar är "
            "verksamhetens egen praxis; lagen säger genast."
        ),
        "recipient_type": "child_welfare",
        "decider_roles": WORKER_OR_LEAD,
        "requires_approval": True,
        "deadline_hours": 24,
    },
]


def ensure_types(model=None):
    """Create or update the rows above (idempotent); returns how many there are."""
    if model is None:
        from feltbok.notifications.models import NotificationType as model
    for row in TYPES:
        values = dict(row)
        model.objects.update_or_create(
            country=values.pop("country"), key=values.pop("key"), defaults=values
        )
    return len(TYPES)
