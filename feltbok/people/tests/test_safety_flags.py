"""A staff-safety flag shows wherever the person appears, not only on their own page."""

from django.urls import reverse

from feltbok.followup import services as followup
from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import NotificationType
from feltbok.notifications.services import record_concern
from feltbok.people.services import PersonData, create_person
from feltbok.referrals.models import Partner, PartnerType
from feltbok.referrals.services import ReferralData, create_referral

TAG = "⚠ Staff safety</span>"


def test_the_flag_shows_on_follow_up_referral_and_notification_pages(login, actors, users):
    worker = actors["worker"]
    wolf = create_person(
        worker,
        PersonData(anonymity_level="nickname", nickname="Ulven", gender="male", flags=["safety"]),
    )
    followup.start_episode(worker, wolf, contact_persons=[users["worker"]])
    partner = Partner.objects.create(
        service=wolf.service, name="NAV Sentrum", partner_type=PartnerType.SOCIAL_SERVICES
    )
    referral = create_referral(worker, ReferralData(person=wolf, partner=partner, purpose="Bolig"))
    ensure_types()
    notification = record_concern(
        worker,
        notification_type=NotificationType.objects.get(country="NO", key="child_welfare"),
        person=wolf,
        concern="Bekymring.",
    )
    client = login("worker")

    for url in (
        reverse("followup:mine"),
        reverse("referrals:detail", args=[referral.code]),
        reverse("referrals:mine"),
        reverse("notifications:detail", args=[notification.code]),
    ):
        page = client.get(url).content.decode()
        assert "Ulven" in page, url
        assert TAG in page, url
