"""Count definitions as data: ETHOS Light and the three national counts, mapped to ETHOS Light.

Configuration, not code, for what differs between countries (DESIGN §3.6): the categories live
in the `Definition` and `Category` tables, seeded from this module by a data migration. Labels
are English msgids marked with `gettext_noop` so they are translated where shown.

ETHOS Light (FEANTSA, 2007) is the common frame: every national category is mapped to one of
its six operational categories, or to "outside ETHOS Light" where a national count counts
something ETHOS Light does not (Sweden's situation 3, the secondary housing market).
"""

from django.utils.translation import gettext_noop as N_

ETHOS_OUTSIDE = 0

# The six operational categories of ETHOS Light.
ETHOS_LIGHT = {
    1: N_("1 People living rough"),
    2: N_("2 People in emergency accommodation"),
    3: N_("3 People living in accommodation for the homeless"),
    4: N_("4 People living in institutions, due to leave without a home"),
    5: N_("5 People living in non-conventional dwellings due to lack of housing"),
    6: N_("6 People living temporarily with family and friends due to lack of housing"),
    ETHOS_OUTSIDE: N_("Outside ETHOS Light"),
}

# (code, name, country, description, [(category code, label, ETHOS Light category)])
DEFINITIONS = [
    (
        "ethos_light",
        N_("ETHOS Light"),
        "",
        N_("The European common frame (FEANTSA): six operational categories."),
        [(str(number), label, number) for number, label in ETHOS_LIGHT.items() if number],
    ),
    (
        "no_national",
        N_("Norway: national count of homeless people (week 48)"),
        "NO",
        N_(
            "The national mapping of homeless people, held in week 48 every four years: "
            "persons without an owned or rented home who rely on temporary housing, live "
            "temporarily with friends or relatives, are in an institution or prison and are "
            "due to leave within two months without a home, or have no place for the night."
        ),
        [
            ("no_place", N_("No place to stay for the night"), 1),
            ("emergency", N_("Emergency or temporary housing (hostel, hotel, camping cabin)"), 2),
            ("crisis_centre", N_("Crisis centre"), 3),
            ("institution", N_("Institution, due to leave within two months without a home"), 4),
            ("prison", N_("Prison, due to be released within two months without a home"), 4),
            ("friends", N_("Temporarily with friends, acquaintances or relatives"), 6),
        ],
    ),
    (
        "se_socialstyrelsen",
        N_("Sweden: Socialstyrelsen's situations 1–4"),
        "SE",
        N_(
            "Socialstyrelsen's national mapping of homelessness and exclusion from the "
            "housing market. Situation 1 is acute homelessness (Uppsala's mapping counted it)."
        ),
        [
            ("1_outdoors", N_("1 Acute: outdoors, in stairwells or public premises"), 1),
            ("1_shelter", N_("1 Acute: emergency accommodation, night shelter, hostel"), 2),
            ("1_protected", N_("1 Acute: women's shelter or protected housing"), 3),
            ("2", N_("2 Institution or supported housing, moving within three months"), 4),
            ("3", N_("3 Long-term housing arranged by the municipality"), ETHOS_OUTSIDE),
            ("4", N_("4 Short-term own solution: with friends or family, short sublet"), 6),
        ],
    ),
    (
        "dk_national",
        N_("Denmark: national count of homelessness (VIVE, week 6)"),
        "DK",
        N_("VIVE's national count of homelessness, held in week 6 every second year."),
        [
            ("rough", N_("Rough sleeping"), 1),
            ("night_shelter", N_("Night shelter"), 2),
            ("hostel", N_("Homeless hostel (section 110 shelter)"), 3),
            ("hotel", N_("Hotel, hostel or camping site"), 3),
            ("womens_shelter", N_("Women's shelter"), 3),
            ("transitional", N_("Emergency or transitional housing"), 3),
            ("family_friends", N_("Temporarily with family or friends"), 6),
            (
                "institution",
                N_("Hospital or institution, leaving within a month without a home"),
                4,
            ),
            ("prison", N_("Prison, released within a month without a home"), 4),
            ("other", N_("Other"), ETHOS_OUTSIDE),
        ],
    ),
]


def sync_definitions(definition_model, category_model) -> None:
    """Create or update the definitions and their categories (idempotent; used by migrations)."""
    for order, (code, name, country, description, categories) in enumerate(DEFINITIONS):
        definition, _created = definition_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "country": country,
                "description": description,
                "order": order,
            },
        )
        for position, (category_code, label, ethos) in enumerate(categories):
            category_model.objects.update_or_create(
                definition=definition,
                code=category_code,
                defaults={"label": label, "ethos": ethos, "order": position},
            )
