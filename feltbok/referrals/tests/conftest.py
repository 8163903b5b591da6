import pytest

from feltbok.referrals.models import Partner, PartnerType


@pytest.fixture
def partner(service):
    return Partner.objects.create(
        service=service,
        name="NAV Grünerløkka",
        partner_type=PartnerType.SOCIAL_SERVICES,
        municipality="Oslo",
        contact="Sentralbord (test)",
    )


@pytest.fixture
def foreign_partner(other_service):
    return Partner.objects.create(
        service=other_service,
        name="Socialforvaltningen",
        partner_type=PartnerType.SOCIAL_SERVICES,
    )


@pytest.fixture
def referral(worker, person, partner):
    from feltbok.referrals.services import ReferralData, create_referral

    return create_referral(
        worker, ReferralData(person=person, partner=partner, purpose="Økonomisk sosialhjelp")
    )
