"""The demo seed: partner directories per country, referrals and notifications in every state."""

from feltbok.notifications.demo import seed_notifications
from feltbok.notifications.models import Notification
from feltbok.referrals import selectors
from feltbok.referrals.demo import PARTNERS, seed_partners, seed_referrals
from feltbok.referrals.models import Partner


def test_partners_of_each_country(service, other_service):
    seed_partners(service)
    seed_partners(other_service)
    norwegian = set(Partner.objects.filter(service=service).values_list("name", flat=True))
    assert {"NAV Grünerløkka", "Barneverntjenesten i Bydel Gamle Oslo", "Oslo legevakt"} <= (
        norwegian
    )
    assert "Oslo kommune Velferdsetaten, midlertidig botilbud" in norwegian
    danish = set(Partner.objects.filter(service=other_service).values_list("name", flat=True))
    assert "Børne- og Ungdomsforvaltningen, Københavns Kommune" in danish
    assert len(PARTNERS["SE"]) == 10
    seed_partners(service)  # idempotent
    assert Partner.objects.filter(service=service).count() == len(PARTNERS["NO"])


def test_demo_referrals_and_notifications(worker, users, person):
    seed_referrals(worker.service, [person] * 5, users["worker"])
    mine = selectors.my_referrals(worker)
    # 20 days without an outcome is overdue (14 days by default); 10, 3 and 1 are open.
    assert [r.purpose for r in mine.overdue] == ["Økonomisk sosialhjelp"]
    assert len(mine.open) == 3
    assert len(mine.follow_up_due) == 1
    rows = seed_notifications(worker.service, [person] * 3, users["worker"], users["team_lead"])
    statuses = sorted(n.status for n in rows)
    assert statuses == ["closed", "concern", "decided"]
    overdue = [n for n in Notification.objects.all() if n.is_overdue()]
    assert len(overdue) == 1
