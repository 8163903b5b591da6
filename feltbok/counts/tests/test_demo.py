from feltbok.counts import selectors
from feltbok.counts.demo import seed_counts
from feltbok.counts.models import Campaign, CampaignStatus


def test_demo_counts_look_like_uppsalas_mapping(service, users, actors, area):
    made = seed_counts(service)

    assert made == 84 + 11 + 12 + 2
    national, current = Campaign.objects.order_by("starts_on")
    assert national.status == CampaignStatus.CLOSED
    assert national.starts_on.isocalendar()[1] == 48
    assert current.status == CampaignStatus.OPEN
    outcome = selectors.result(actors["team_lead"], national)
    assert (outcome.total, outcome.duplicates, outcome.women) == (84, 11, 21)
    ages = {row.label: row.value for row in outcome.tables[1].rows}
    assert ages["50–65"] == max(ages.values())
    comorbidity = {row.label: row.value for row in outcome.tables[4].rows}
    assert comorbidity["Both (co-morbidity)"] == 48
    assert selectors.result(actors["team_lead"], current).total == 12
    assert seed_counts(service) == 0  # only once
