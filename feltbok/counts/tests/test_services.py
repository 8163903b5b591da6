"""Counts: campaigns, observations, the de-duplication key, merges and the result."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from feltbok.audit.models import AuditEvent
from feltbok.counts import selectors, services
from feltbok.counts.models import Campaign, CampaignStatus, Definition, Merge, Observation
from feltbok.counts.tests.conftest import anonymous
from feltbok.reports.disclosure import Cell

DAY = datetime.timedelta(days=1)


# --- Definitions as data -----------------------------------------------------------------------


@pytest.mark.django_db
def test_definitions_are_seeded_and_every_category_maps_to_ethos_light():
    codes = set(Definition.objects.values_list("code", flat=True))
    assert codes == {"ethos_light", "no_national", "se_socialstyrelsen", "dk_national"}
    ethos = Definition.objects.get(code="ethos_light")
    assert [c.ethos for c in ethos.categories.all()] == [1, 2, 3, 4, 5, 6]
    for definition in Definition.objects.all():
        assert definition.categories.exists()
        assert all(0 <= c.ethos <= 6 for c in definition.categories.all())
    sweden = Definition.objects.get(code="se_socialstyrelsen")
    assert sweden.categories.get(code="3").ethos == 0  # outside ETHOS Light
    assert sweden.categories.get(code="1_outdoors").ethos == 1


# --- Campaigns ---------------------------------------------------------------------------------


def test_team_lead_creates_opens_and_closes_a_campaign(actors, definition, today):
    lead = actors["team_lead"]
    campaign = services.create_campaign(
        lead, name="Uke 48", definition=definition, starts_on=today, ends_on=today + 6 * DAY
    )
    assert campaign.status == CampaignStatus.PLANNED
    assert len(campaign.dedup_salt) == 64
    services.open_campaign(lead, campaign)
    services.close_campaign(lead, campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.closed_at is not None
    events = AuditEvent.objects.filter(object_type="campaign", object_id=str(campaign.code))
    assert list(events.values_list("action", flat=True)) == ["create", "update", "update"]


def test_campaign_with_a_window_backwards_is_refused(actors, definition, today):
    with pytest.raises(services.CountError, match="last day cannot be before"):
        services.create_campaign(
            actors["team_lead"],
            name="Bakvendt",
            definition=definition,
            starts_on=today,
            ends_on=today - DAY,
        )
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", ["worker", "peer_worker", "analyst", "admin", "coordinator"])
def test_only_team_leads_create_campaigns(actors, definition, today, role):
    with pytest.raises(PermissionDenied):
        services.create_campaign(
            actors[role], name="X", definition=definition, starts_on=today, ends_on=today
        )
    assert not Campaign.objects.exists()


def test_closed_campaign_cannot_be_reopened(actors, campaign):
    services.close_campaign(actors["team_lead"], campaign)
    with pytest.raises(services.CountError, match="Only a planned count"):
        services.open_campaign(actors["team_lead"], campaign)


# --- The de-duplication key --------------------------------------------------------------------


def test_same_key_same_hash_within_a_campaign_and_different_across(
    actors, campaign, definition, today
):
    other = services.create_campaign(
        actors["team_lead"], name="Neste", definition=definition, starts_on=today, ends_on=today
    )
    one = services.dedup_key(campaign, initials="k.n.", birth_year=1970, gender="male")
    same = services.dedup_key(campaign, initials="KN", birth_year=1970, gender="male")
    elsewhere = services.dedup_key(other, initials="KN", birth_year=1970, gender="male")
    assert one == same
    assert one != elsewhere
    assert len(one) == 64
    assert one != services.dedup_key(campaign, initials="KN", birth_year=1971, gender="male")
    assert one != services.dedup_key(campaign, initials="KN", birth_year=1970, gender="female")


def test_the_raw_key_is_never_stored(worker, campaign, today):
    observation = services.record_observation(worker, campaign, anonymous(today))
    row = Observation.objects.filter(pk=observation.pk).values().get()
    stored = " ".join(str(value) for value in row.values())
    assert "KN" not in stored
    assert "K.N." not in stored
    assert "1970" not in stored
    assert row["dedup_hash"] == services.dedup_key(
        campaign, initials="KN", birth_year=1970, gender="male"
    )
    audit = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert row["dedup_hash"] not in audit
    assert "1970" not in audit
    assert not {"initials", "birth_year"} & {f.name for f in Observation._meta.fields}


# --- Observations and bad input ----------------------------------------------------------------


def test_worker_records_an_observation(worker, campaign, today):
    observation = services.record_observation(worker, campaign, anonymous(today))
    assert (observation.category.code, observation.gender, observation.age_band) == (
        "no_place",
        "male",
        "50-65",
    )
    assert observation.merged_into is None
    assert AuditEvent.objects.filter(
        action="create", object_type="observation", object_id=str(observation.code)
    ).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"observed_on": "before"}, "outside the count"),
        ({"category": "palace"}, "Unknown sleeping situation"),
        ({"initials": ""}, "initials"),
        ({"birth_year": 1800}, "birth year"),
        ({"gender": "robot"}, "gender"),
        ({"children": 50}, "Children"),
        ({"source": "rumour"}, "comes from"),
    ],
)
def test_bad_observations_are_refused_and_nothing_stored(worker, campaign, today, change, message):
    if change.get("observed_on") == "before":
        change = {"observed_on": campaign.starts_on - DAY}
    audit_before = AuditEvent.objects.count()
    with pytest.raises(services.CountError, match=message):
        services.record_observation(worker, campaign, anonymous(today, **change))
    assert not Observation.objects.exists()
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize("status", ["planned", "closed"])
def test_no_observations_unless_open(actors, worker, definition, today, status):
    campaign = services.create_campaign(
        actors["team_lead"], name="X", definition=definition, starts_on=today, ends_on=today
    )
    if status == "closed":
        services.open_campaign(actors["team_lead"], campaign)
        services.close_campaign(actors["team_lead"], campaign)
    with pytest.raises(services.CountError, match="not open"):
        services.record_observation(worker, campaign, anonymous(today))
    assert not Observation.objects.exists()


def test_analysts_cannot_record(actors, campaign, today):
    with pytest.raises(PermissionDenied):
        services.record_observation(actors["analyst"], campaign, anonymous(today))
    assert not Observation.objects.exists()


def test_a_person_of_another_service_is_refused(actors, campaign, today, other_service):
    from feltbok.people.services import PersonData, create_person

    foreign = create_person(
        actors["outsider"],
        PersonData(anonymity_level="nickname", nickname="Fremmed", gender="male", age_band="26-35"),
    )
    with pytest.raises(services.CountError, match="another service"):
        services.record_observation(
            actors["worker"], campaign, anonymous(today, person=foreign, initials="")
        )
    assert not Observation.objects.exists()


# --- Duplicates --------------------------------------------------------------------------------


def test_same_key_from_two_sources_is_merged_with_a_trail(actors, campaign, today):
    first = services.record_observation(actors["worker"], campaign, anonymous(today - DAY))
    second = services.record_observation(
        actors["peer_worker"],
        campaign,
        anonymous(today, source="shelter", source_name="Natthjemmet", initials="kn"),
    )
    assert second.merged_into == first
    merge = Merge.objects.get()
    assert (merge.primary, list(merge.merged.all()), merge.basis) == (first, [second], "key")
    assert merge.merged_by == actors["peer_worker"].user
    assert merge.automatic
    assert AuditEvent.objects.filter(action="create", object_type="merge").count() == 1
    outcome = selectors.result(actors["team_lead"], campaign)
    assert (outcome.total, outcome.observations, outcome.duplicates) == (1, 2, 1)


def test_same_known_person_is_merged(worker, actors, campaign, today, person):
    first = services.record_observation(worker, campaign, anonymous(today, person=person))
    second = services.record_observation(
        actors["colleague"], campaign, anonymous(today, person=person, source="partner")
    )
    assert second.merged_into == first
    assert Merge.objects.get().basis == "person"
    assert first.dedup_hash == ""


def test_different_persons_are_not_merged(worker, campaign, today):
    services.record_observation(worker, campaign, anonymous(today))
    services.record_observation(worker, campaign, anonymous(today, initials="AB"))
    services.record_observation(worker, campaign, anonymous(today, gender="female"))
    assert not Merge.objects.exists()
    assert Observation.objects.filter(merged_into__isnull=True).count() == 3


def test_unmerge_counts_them_separately_again(actors, campaign, today):
    worker = actors["worker"]
    services.record_observation(worker, campaign, anonymous(today))
    second = services.record_observation(worker, campaign, anonymous(today))
    merge = Merge.objects.get()

    services.unmerge(actors["team_lead"], merge)

    second.refresh_from_db()
    merge.refresh_from_db()
    assert second.merged_into is None
    assert merge.undone_by == actors["team_lead"].user
    assert merge.undone_at is not None
    assert list(merge.merged.all()) == [second]  # the trail stays
    assert selectors.result(actors["team_lead"], campaign).total == 2
    assert AuditEvent.objects.filter(action="update", object_type="merge").count() == 1
    with pytest.raises(services.CountError, match="already been undone"):
        services.unmerge(actors["team_lead"], merge)


def test_workers_cannot_unmerge(actors, campaign, today):
    services.record_observation(actors["worker"], campaign, anonymous(today))
    services.record_observation(actors["worker"], campaign, anonymous(today))
    with pytest.raises(PermissionDenied):
        services.unmerge(actors["worker"], Merge.objects.get())
    assert Merge.objects.get().undone_at is None


# --- The result --------------------------------------------------------------------------------


def _uppsala_like(actors, campaign, today):
    """Eight persons (one seen twice): six men, two women; most 50–65 with co-morbidity."""
    worker = actors["worker"]
    people = [
        ("AA", 1965, "male", "no_place", "both"),
        ("BB", 1962, "male", "no_place", "both"),
        ("CC", 1968, "male", "emergency", "both"),
        ("DD", 1960, "male", "emergency", "substance"),
        ("EE", 1990, "male", "friends", "mental"),
        ("FF", 1970, "male", "prison", "none"),
        ("GG", 1966, "female", "crisis_centre", "both"),
        ("HH", 1995, "female", "no_place", "both"),
    ]
    for initials, year, gender, category, comorbidity in people:
        services.record_observation(
            worker,
            campaign,
            anonymous(
                today,
                initials=initials,
                birth_year=year,
                gender=gender,
                category=category,
                comorbidity=comorbidity,
            ),
        )
    services.record_observation(
        actors["peer_worker"],
        campaign,
        anonymous(today, initials="AA", birth_year=1965, source="shelter", category="emergency"),
    )


def _table(outcome, key):
    table = next(t for t in outcome.tables if t.key == key)
    return {row.label: row.value for row in table.rows}


def test_result_counts_each_person_once_by_every_breakdown(actors, campaign, today):
    _uppsala_like(actors, campaign, today)
    outcome = selectors.result(actors["team_lead"], campaign)
    assert (outcome.total, outcome.women, outcome.women_share) == (8, 2, 25)
    assert (outcome.observations, outcome.duplicates) == (9, 1)
    assert _table(outcome, "gender") == {"Female": 2, "Male": 6, "Other": 0, "Unknown": 0}
    age = _table(outcome, "age")
    year = today.year
    expected_50 = sum(1 for y in (1965, 1962, 1968, 1960, 1970, 1966) if 50 <= year - y <= 65)
    assert age["50–65"] == expected_50
    assert sum(age.values()) == 8
    situation = _table(outcome, "situation")
    # The duplicate (seen at a shelter) is not counted again: AA stays "no place".
    assert situation["No place to stay for the night"] == 3
    assert situation["Emergency or temporary housing (hostel, hotel, camping cabin)"] == 2
    ethos = _table(outcome, "ethos")
    assert ethos["1 People living rough"] == 3
    assert ethos["2 People in emergency accommodation"] == 2
    assert ethos["3 People living in accommodation for the homeless"] == 1
    assert ethos["4 People living in institutions, due to leave without a home"] == 1
    assert ethos["6 People living temporarily with family and friends due to lack of housing"] == 1
    assert _table(outcome, "comorbidity")["Both (co-morbidity)"] == 5
    assert _table(outcome, "women")["Crisis centre"] == 1


def test_analyst_gets_small_cells_suppressed(actors, campaign, today):
    _uppsala_like(actors, campaign, today)
    outcome = selectors.result(actors["analyst"], campaign)
    assert outcome.suppressed
    assert outcome.total == Cell(8, False)
    assert str(outcome.women) == "<5"
    assert outcome.women_share is None
    gender = _table(outcome, "gender")
    # Female (2) is below the threshold; Male is withheld too, or 8 − 6 would give it away.
    assert str(gender["Female"]) == "<5"
    assert str(gender["Male"]) == "×"
    assert str(_table(outcome, "comorbidity")["Both (co-morbidity)"]) == "5"
    # No published table lets a suppressed cell be worked out from the total.
    for table in outcome.tables:
        hidden = [row.value for row in table.rows if row.value.suppressed]
        assert len(hidden) != 1, table.key


def test_admin_sees_the_full_result_workers_none(actors, campaign, today):
    _uppsala_like(actors, campaign, today)
    assert selectors.result(actors["admin"], campaign).women == 2
    for role in ("worker", "peer_worker", "coordinator"):
        with pytest.raises(PermissionDenied):
            selectors.result(actors[role], campaign)


def test_reading_the_result_is_audited(actors, campaign):
    selectors.result(actors["analyst"], campaign)
    event = AuditEvent.objects.get(object_type="count_result")
    assert (event.action, event.object_id, event.detail) == (
        "read",
        str(campaign.code),
        {"suppressed": True},
    )


def test_peer_workers_see_only_their_own_observations(actors, campaign, today):
    services.record_observation(actors["worker"], campaign, anonymous(today))
    own = services.record_observation(
        actors["peer_worker"], campaign, anonymous(today, initials="PP")
    )
    assert selectors.observations_for(actors["peer_worker"], campaign) == [own]
    assert len(selectors.observations_for(actors["worker"], campaign)) == 2


def test_a_hidden_situation_cannot_be_worked_out_from_ethos_light(actors, campaign, today):
    """Institution (3) and prison (10) are both ETHOS Light 4: ETHOS 4 must not be published,
    or 13 − 10 would give the hidden 3 away."""
    counts = {"institution": 3, "prison": 10, "no_place": 6, "friends": 20}
    n = 0
    for category, how_many in counts.items():
        for _ in range(how_many):
            initials = chr(65 + n % 26) + chr(65 + n // 26)
            services.record_observation(
                actors["worker"], campaign, anonymous(today, initials=initials, category=category)
            )
            n += 1
    outcome = selectors.result(actors["analyst"], campaign)
    situation = _table(outcome, "situation")
    assert str(situation["Institution, due to leave within two months without a home"]) == "<5"
    assert str(situation["Prison, due to be released within two months without a home"]) == "10"
    ethos = _table(outcome, "ethos")
    assert ethos["4 People living in institutions, due to leave without a home"].suppressed
    published = {label: c for label, c in ethos.items() if not c.suppressed}
    assert "4 People living in institutions, due to leave without a home" not in published
    for table in outcome.tables:
        assert sum(row.value.suppressed for row in table.rows) != 1, table.key


def test_team_lead_merges_a_typo_by_hand_and_can_undo_it(actors, campaign, today):
    first = services.record_observation(actors["worker"], campaign, anonymous(today))
    typo = services.record_observation(actors["worker"], campaign, anonymous(today, initials="KM"))
    assert selectors.result(actors["team_lead"], campaign).total == 2

    merge = services.merge_observations(actors["team_lead"], first, typo)

    typo.refresh_from_db()
    assert typo.merged_into == first
    assert (merge.automatic, merge.basis, merge.merged_by) == (
        False,
        "manual",
        actors["team_lead"].user,
    )
    assert selectors.result(actors["team_lead"], campaign).total == 1
    assert AuditEvent.objects.filter(object_type="merge", action="create").count() == 1
    with pytest.raises(services.CountError, match="already merged"):
        services.merge_observations(actors["team_lead"], first, typo)
    services.unmerge(actors["team_lead"], merge)
    assert selectors.result(actors["team_lead"], campaign).total == 2


def test_manual_merge_refusals_change_nothing(actors, campaign, today):
    first = services.record_observation(actors["worker"], campaign, anonymous(today))
    services.record_observation(actors["worker"], campaign, anonymous(today))  # merged into first
    other = services.record_observation(actors["worker"], campaign, anonymous(today, initials="XY"))
    with pytest.raises(services.CountError, match="two different"):
        services.merge_observations(actors["team_lead"], first, first)
    with pytest.raises(services.CountError, match="undo those merges first"):
        services.merge_observations(actors["team_lead"], other, first)
    with pytest.raises(PermissionDenied):
        services.merge_observations(actors["worker"], first, other)
    assert Merge.objects.count() == 1
    other.refresh_from_db()
    assert other.merged_into is None
