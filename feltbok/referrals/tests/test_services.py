"""Referral rules: same-service partners, allowed steps, consent, overdue, transfers, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.referrals import selectors, services
from feltbok.referrals.models import (
    Partner,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
)
from feltbok.referrals.services import ReferralData, ReferralError

S = ReferralStatus


def snapshot(referral=None):
    state = (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        AuditEvent.objects.filter(object_type="referral").count(),
    )
    if referral is not None:
        referral.refresh_from_db()
        state += (referral.status, referral.consent_at, referral.closed_at)
    return state


def back_date(referral, days, minutes=0):
    moment = timezone.now() - datetime.timedelta(days=days, minutes=minutes)
    Referral.objects.filter(pk=referral.pk).update(created_at=moment)


def test_create_referral_is_proposed_owned_and_audited(worker, person, partner):
    referral = services.create_referral(
        worker, ReferralData(person=person, partner=partner, purpose="  Bolig  ")
    )

    referral.refresh_from_db()
    assert referral.status == S.PROPOSED
    assert referral.owner == worker.user
    assert referral.created_by == worker.user
    assert referral.purpose == "Bolig"
    assert referral.consent_at is None
    event = referral.events.get()
    assert (event.kind, event.to_status, event.by) == ("created", S.PROPOSED, worker.user)
    audit = AuditEvent.objects.get(object_type="referral", object_id=str(referral.code))
    assert audit.action == "create"
    assert audit.detail == {"person": str(person.code), "partner": str(partner.code)}


def test_partner_of_another_service_is_refused_and_nothing_stored(worker, person, foreign_partner):
    before = snapshot()
    with pytest.raises(ReferralError, match="belongs to another service"):
        services.create_referral(
            worker, ReferralData(person=person, partner=foreign_partner, purpose="Bolig")
        )
    assert snapshot() == before == (0, 0, 0)


def test_inactive_partner_and_empty_purpose_are_refused(worker, person, partner):
    with pytest.raises(ReferralError, match="Say what the referral is for"):
        services.create_referral(worker, ReferralData(person=person, partner=partner, purpose=""))
    partner.is_active = False
    partner.save()
    with pytest.raises(ReferralError, match="no longer in use"):
        services.create_referral(worker, ReferralData(person=person, partner=partner, purpose="x"))
    assert Referral.objects.count() == 0


def test_the_whole_way_to_completed_each_step_dated_with_who(worker, actors, referral):
    colleague = actors["colleague"]
    appointment = timezone.now() + datetime.timedelta(days=2)
    services.change_status(worker, referral, S.AGREED, note="Vil ha hjelp")
    services.record_consent(worker, referral, "Navn og hva hun trenger")
    services.change_status(worker, referral, S.SENT)
    services.change_status(colleague, referral, S.APPOINTMENT, appointment_at=appointment)
    services.change_status(worker, referral, S.ACCOMPANIED, note="Fulgte til døra")
    done = services.change_status(worker, referral, S.COMPLETED)

    assert done.status == S.COMPLETED
    assert done.closed_at is not None
    assert done.appointment_at == appointment
    assert done.consent_scope == "Navn og hva hun trenger"
    events = list(referral.events.order_by("pk"))
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        ("created", "", S.PROPOSED),
        ("status", S.PROPOSED, S.AGREED),
        ("consent", "", ""),
        ("status", S.AGREED, S.SENT),
        ("status", S.SENT, S.APPOINTMENT),
        ("status", S.APPOINTMENT, S.ACCOMPANIED),
        ("status", S.ACCOMPANIED, S.COMPLETED),
    ]
    assert events[4].by == colleague.user
    assert all(e.occurred_at is not None for e in events)
    assert events[1].note == "Vil ha hjelp"
    assert AuditEvent.objects.filter(object_id=str(referral.code), action="update").count() == 6


def test_skipping_from_proposed_to_completed_is_refused(worker, referral):
    before = snapshot(referral)
    with pytest.raises(ReferralError, match="cannot go from “Proposed” to “Completed”"):
        services.change_status(worker, referral, S.COMPLETED)
    assert snapshot(referral) == before


def test_sending_without_consent_is_refused(worker, referral):
    services.change_status(worker, referral, S.AGREED)
    before = snapshot(referral)
    with pytest.raises(ReferralError, match="consent to share before"):
        services.change_status(worker, referral, S.SENT)
    assert snapshot(referral) == before
    assert referral.status == S.AGREED


def test_an_outcome_ends_the_referral(worker, referral):
    services.change_status(worker, referral, S.DECLINED)
    before = snapshot(referral)
    for status in S.values:
        with pytest.raises(ReferralError):
            services.change_status(worker, referral, status)
    with pytest.raises(ReferralError, match="has ended"):
        services.record_consent(worker, referral)
    assert snapshot(referral) == before


def test_appointment_needs_its_time_and_unknown_steps_are_refused(worker, referral):
    services.change_status(worker, referral, S.AGREED)
    services.record_consent(worker, referral)
    services.change_status(worker, referral, S.SENT)
    before = snapshot(referral)
    with pytest.raises(ReferralError, match="time of the appointment"):
        services.change_status(worker, referral, S.APPOINTMENT)
    with pytest.raises(ReferralError, match="next step"):
        services.change_status(worker, referral, "teleported")
    with pytest.raises(ReferralError, match="already recorded"):
        services.record_consent(worker, referral)
    assert snapshot(referral) == before


def test_roles_without_referrals_are_refused(actors, person, partner):
    for name in ("peer_worker", "coordinator", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.create_referral(
                actors[name], ReferralData(person=person, partner=partner, purpose="x")
            )
    assert Referral.objects.count() == 0


def test_another_services_team_lead_cannot_refer_our_person(actors, person, foreign_partner):
    with pytest.raises(ReferralError, match="person of this service"):
        services.create_referral(
            actors["outsider"], ReferralData(person=person, partner=foreign_partner, purpose="x")
        )
    assert Referral.objects.count() == 0


def test_overdue_after_the_default_14_days(worker, referral):
    assert services.overdue_days(worker.service_id) == 14
    back_date(referral, 14, minutes=-1)  # a minute short of 14 days
    assert selectors.my_referrals(worker).overdue == []
    back_date(referral, 14, minutes=1)
    mine = selectors.my_referrals(worker)
    assert [r.pk for r in mine.overdue] == [referral.pk]
    assert mine.open == []


def test_overdue_days_is_a_service_setting(worker, actors, referral):
    back_date(referral, 8)
    assert selectors.my_referrals(worker).overdue == []
    services.set_overdue_days(actors["team_lead"], 7)
    assert ReferralSettings.objects.get(service_id=worker.service_id).overdue_after_days == 7
    mine = selectors.my_referrals(worker)
    assert (len(mine.overdue), mine.overdue_days) == (1, 7)
    # An outcome takes it off the list.
    services.change_status(worker, referral, S.DECLINED)
    mine = selectors.my_referrals(worker)
    assert mine.overdue == mine.open == []


@pytest.mark.parametrize("days", [0, 366, -1])
def test_overdue_days_out_of_range_are_refused(actors, days):
    with pytest.raises(ReferralError, match="from 1 to 365"):
        services.set_overdue_days(actors["team_lead"], days)
    assert ReferralSettings.objects.count() == 0


def test_only_team_leads_and_admins_change_the_setting(actors):
    for name in ("worker", "peer_worker", "coordinator", "analyst"):
        with pytest.raises(PermissionDenied):
            services.set_overdue_days(actors[name], 10)
    services.set_overdue_days(actors["admin"], 10)
    audit = AuditEvent.objects.get(object_type="referralsettings")
    assert audit.detail == {"overdue_after_days": [14, 10]}


def test_my_referrals_are_the_owners_only(worker, actors, person, partner, referral):
    services.create_referral(
        actors["colleague"], ReferralData(person=person, partner=partner, purpose="Lege")
    )
    assert [r.pk for r in selectors.my_referrals(worker).open] == [referral.pk]
    audit = AuditEvent.objects.filter(object_type="referral", action="search").last()
    assert audit.detail == {"results": [str(referral.code)]}


def test_transfer_home_needs_a_municipality_and_a_check_date(worker, person, partner):
    data = ReferralData(
        person=person, partner=partner, purpose="Hjem", kind=ReferralKind.HOME_MUNICIPALITY
    )
    with pytest.raises(ReferralError, match="home municipality"):
        services.create_referral(worker, data)
    data.home_municipality = "Drammen"
    with pytest.raises(ReferralError, match="date to check"):
        services.create_referral(worker, data)
    data.follow_up_on = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ReferralError, match="cannot be in the past"):
        services.create_referral(worker, data)
    assert Referral.objects.count() == 0


def test_transfer_follow_up_check_surfaces_when_due(worker, person, partner):
    today = timezone.localdate()
    transfer = services.create_referral(
        worker,
        ReferralData(
            person=person,
            partner=partner,
            purpose="Trygt hjem",
            kind=ReferralKind.HOME_MUNICIPALITY,
            home_municipality="Drammen",
            follow_up_on=today + datetime.timedelta(days=3),
        ),
    )
    assert selectors.my_referrals(worker).follow_up_due == []
    Referral.objects.filter(pk=transfer.pk).update(follow_up_on=today)
    due = selectors.my_referrals(worker).follow_up_due
    assert [r.pk for r in due] == [transfer.pk]
    assert due[0].follow_up_due is True

    with pytest.raises(ReferralError, match="found"):
        services.record_follow_up_check(worker, transfer, "  ")
    services.record_follow_up_check(worker, transfer, "Har fått bolig og fast kontakt i NAV.")
    transfer.refresh_from_db()
    assert transfer.follow_up_note == "Har fått bolig og fast kontakt i NAV."
    assert selectors.my_referrals(worker).follow_up_due == []
    with pytest.raises(ReferralError, match="already recorded"):
        services.record_follow_up_check(worker, transfer, "igjen")


def test_a_plain_referral_has_no_follow_up_check(worker, referral):
    with pytest.raises(ReferralError, match="Only a transfer"):
        services.record_follow_up_check(worker, referral, "sjekket")


def test_partners_unique_per_service_and_audited(actors, partner):
    lead = actors["team_lead"]
    data = services.PartnerData(name="NAV Grünerløkka", partner_type="social_services")
    with pytest.raises(ReferralError, match="already has a partner"):
        services.create_partner(lead, data)
    with pytest.raises(ReferralError, match="kind of partner"):
        services.create_partner(lead, services.PartnerData(name="X", partner_type="spaceship"))
    with pytest.raises(PermissionDenied):
        services.create_partner(actors["worker"], services.PartnerData("Y", "gp"))
    created = services.create_partner(lead, services.PartnerData("Oslo legevakt", "gp"))
    assert Partner.objects.filter(service_id=lead.service_id).count() == 2
    assert AuditEvent.objects.filter(object_id=str(created.code), action="create").exists()


def test_person_panel_is_none_for_roles_without_referrals(actors, person, referral):
    assert selectors.person_panel(actors["coordinator"], person) is None
    assert [r.pk for r in selectors.person_panel(actors["worker"], person)] == [referral.pk]
