"""Writes for counts: campaigns, observations, de-duplication and merges.

Every write checks the actor's permission, runs in one transaction and is audited in it.
"""

import datetime
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.counts.models import (
    Campaign,
    CampaignStatus,
    Category,
    Comorbidity,
    CountAgeBand,
    Definition,
    Duration,
    Merge,
    Observation,
    Source,
)
from feltbok.people.models import Gender

MAX_CHILDREN = 20
MAX_INITIALS = 4
EARLIEST_BIRTH_YEAR = 1900


class CountError(Exception):
    """Bad input or a rule broken: the message is shown to the user, nothing is stored."""


# --- The de-duplication key ------------------------------------------------------------------


def normalise_initials(text: str) -> str:
    """Letters only, upper case: "k.n." and "KN" are the same initials."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(char for char in text if char.isalpha()).upper()


def dedup_key(campaign: Campaign, *, initials: str, birth_year: int | None, gender: str) -> str:
    """HMAC-SHA256 of initials + birth year + gender under the campaign's own random salt.

    The same person gives the same key within a campaign and an unrelated one in any other
    campaign, so keys cannot be linked across counts. Nothing that goes in is stored.
    """
    letters = normalise_initials(initials)
    if not 1 <= len(letters) <= MAX_INITIALS:
        raise CountError(_("Give the person's initials (one to four letters)."))
    this_year = timezone.localdate().year
    if birth_year is None or not EARLIEST_BIRTH_YEAR <= birth_year <= this_year:
        raise CountError(
            _("Give a birth year between %(first)s and %(last)s.")
            % {"first": EARLIEST_BIRTH_YEAR, "last": this_year}
        )
    if gender not in Gender.values:
        raise CountError(_("Choose a gender."))
    message = f"{letters}|{birth_year}|{gender}".encode()
    return hmac.new(bytes.fromhex(campaign.dedup_salt), message, hashlib.sha256).hexdigest()


# --- Campaigns ---------------------------------------------------------------------------------


def create_campaign(
    actor, *, name: str, definition: Definition, starts_on: datetime.date, ends_on: datetime.date
) -> Campaign:
    actor.require(Perm.MANAGE_COUNTS)
    name = (name or "").strip()
    if not name:
        raise CountError(_("Give the count a name."))
    if ends_on < starts_on:
        raise CountError(_("The last day cannot be before the first day."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            service_id=actor.service_id,
            name=name[:120],
            definition=definition,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            campaign,
            detail={"definition": definition.code, "starts_on": str(starts_on)},
        )
    return campaign


def _locked(actor, campaign) -> Campaign:
    if campaign.service_id != actor.service_id:
        raise CountError(_("This count belongs to another service."))
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def open_campaign(actor, campaign: Campaign) -> Campaign:
    actor.require(Perm.MANAGE_COUNTS)
    with transaction.atomic():
        campaign = _locked(actor, campaign)
        if campaign.status != CampaignStatus.PLANNED:
            raise CountError(_("Only a planned count can be opened."))
        campaign.status = CampaignStatus.OPEN
        campaign.save(update_fields=["status", "updated_at"])
        log_action(actor, AuditAction.UPDATE, campaign, detail={"status": campaign.status})
    return campaign


def close_campaign(actor, campaign: Campaign) -> Campaign:
    actor.require(Perm.MANAGE_COUNTS)
    with transaction.atomic():
        campaign = _locked(actor, campaign)
        if campaign.status != CampaignStatus.OPEN:
            raise CountError(_("Only an open count can be closed."))
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at", "updated_at"])
        log_action(actor, AuditAction.UPDATE, campaign, detail={"status": campaign.status})
    return campaign


# --- Observations ------------------------------------------------------------------------------


@dataclass
class ObservationData:
    observed_on: datetime.date
    source: str
    category: str  # the code of a category of the campaign's definition
    gender: str
    age_band: str = CountAgeBand.UNKNOWN
    comorbidity: str = Comorbidity.UNKNOWN
    duration: str = Duration.UNKNOWN
    children: int = 0
    source_name: str = ""
    person: object = None  # a people.Person of the actor's service, or None (anonymous)
    initials: str = ""  # used for the key only, never stored
    birth_year: int | None = None  # used for the key (and the age band) only, never stored
    area: object = None
    place: object = None


def _check_choice(value, choices, message):
    if value not in choices:
        raise CountError(message)


def record_observation(actor, campaign: Campaign, data: ObservationData) -> Observation:
    """Record one observation; a duplicate of an earlier one is merged into it at once."""
    actor.require(Perm.RECORD_COUNTS)
    _check_choice(data.source, Source.values, _("Choose where the observation comes from."))
    _check_choice(data.gender, Gender.values, _("Choose a gender."))
    _check_choice(data.age_band, CountAgeBand.values, _("Choose an age band."))
    _check_choice(
        data.comorbidity,
        Comorbidity.values,
        _("Choose what is known of substance use and mental illness."),
    )
    _check_choice(
        data.duration, Duration.values, _("Choose how long the person has been homeless.")
    )
    if not 0 <= (data.children or 0) <= MAX_CHILDREN:
        raise CountError(
            _("Children with them: a number from 0 to %(max)s.") % {"max": MAX_CHILDREN}
        )
    if data.observed_on > timezone.localdate():
        raise CountError(_("The date cannot be in the future."))
    for related in (data.person, data.area, data.place):
        if related is not None and related.service_id != actor.service_id:
            raise CountError(_("This person or place belongs to another service."))
    if data.place is not None and data.area is not None and data.place.area_id != data.area.pk:
        raise CountError(_("The place is not in the chosen field area."))
    with transaction.atomic():
        campaign = _locked(actor, campaign)
        if campaign.status != CampaignStatus.OPEN:
            raise CountError(
                _("This count is not open: observations can only be recorded while it is open.")
            )
        if not campaign.starts_on <= data.observed_on <= campaign.ends_on:
            raise CountError(
                _("The date is outside the count (%(first)s – %(last)s).")
                % {"first": campaign.starts_on, "last": campaign.ends_on}
            )
        category = Category.objects.filter(
            definition_id=campaign.definition_id, code=data.category
        ).first()
        if category is None:
            raise CountError(_("Unknown sleeping situation for this count's definition."))
        age_band = data.age_band
        key = ""
        if data.person is None:
            key = dedup_key(
                campaign, initials=data.initials, birth_year=data.birth_year, gender=data.gender
            )
        birth_year = data.birth_year or (data.person.birth_year if data.person else None)
        if age_band == CountAgeBand.UNKNOWN and birth_year:
            age_band = CountAgeBand.for_age(data.observed_on.year - birth_year)
        same = Observation.objects.filter(campaign=campaign, merged_into__isnull=True)
        same = same.filter(person=data.person) if data.person else same.filter(dedup_hash=key)
        first = same.order_by("observed_on", "created_at", "pk").first()
        observation = Observation.objects.create(
            service_id=actor.service_id,
            campaign=campaign,
            observed_on=data.observed_on,
            source=data.source,
            source_name=(data.source_name or "").strip()[:120],
            recorded_by=actor.user,
            person=data.person,
            dedup_hash=key,
            category=category,
            gender=data.gender,
            age_band=age_band,
            comorbidity=data.comorbidity,
            duration=data.duration,
            children=data.children or 0,
            area=data.area,
            place=data.place,
            merged_into=first,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            observation,
            detail={
                "campaign": str(campaign.code),
                "source": data.source,
                "known_person": str(data.person.code) if data.person else "",
            },
        )
        if first is not None:
            merge = Merge.objects.create(
                service_id=actor.service_id,
                campaign=campaign,
                primary=first,
                automatic=True,
                basis="person" if data.person else "key",
                merged_by=actor.user,
            )
            merge.merged.add(observation)
            log_action(
                actor,
                AuditAction.CREATE,
                merge,
                detail={
                    "campaign": str(campaign.code),
                    "kept": str(first.code),
                    "merged": [str(observation.code)],
                    "automatic": True,
                },
            )
    return observation


def unmerge(actor, merge: Merge) -> Merge:
    """Undo a merge: the merged observations count as persons of their own again."""
    actor.require(Perm.MANAGE_COUNTS)
    with transaction.atomic():
        campaign = _locked(actor, merge.campaign)
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise CountError(_("This merge has already been undone."))
        if campaign.status == CampaignStatus.CLOSED:
            raise CountError(_("The count is closed: its result is final."))
        merged = list(merge.merged.all())
        Observation.objects.filter(pk__in=[o.pk for o in merged], merged_into=merge.primary).update(
            merged_into=None, updated_at=timezone.now()
        )
        merge.undone_at = timezone.now()
        merge.undone_by = actor.user
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            merge,
            detail={"undone": True, "observations": [str(o.code) for o in merged]},
        )
    return merge


def merge_observations(actor, primary: Observation, duplicate: Observation) -> Merge:
    """Merge by hand what the key could not find (a typo in the initials, a known person who
    was also recorded anonymously): `duplicate` is then counted as `primary`."""
    actor.require(Perm.MANAGE_COUNTS)
    if primary.pk == duplicate.pk:
        raise CountError(_("Choose two different observations."))
    if primary.campaign_id != duplicate.campaign_id:
        raise CountError(_("The observations belong to different counts."))
    with transaction.atomic():
        campaign = _locked(actor, primary.campaign)
        if campaign.status == CampaignStatus.CLOSED:
            raise CountError(_("The count is closed: its result is final."))
        rows = Observation.objects.select_for_update().filter(
            pk__in=[primary.pk, duplicate.pk], campaign=campaign
        )
        if any(row.merged_into_id for row in rows):
            raise CountError(_("One of them is already merged into another observation."))
        if Observation.objects.filter(merged_into=duplicate).exists():
            raise CountError(
                _("Others are merged into the observation to merge: undo those merges first.")
            )
        Observation.objects.filter(pk=duplicate.pk).update(
            merged_into=primary, updated_at=timezone.now()
        )
        merge = Merge.objects.create(
            service_id=actor.service_id,
            campaign=campaign,
            primary=primary,
            automatic=False,
            basis="manual",
            merged_by=actor.user,
        )
        merge.merged.add(duplicate)
        log_action(
            actor,
            AuditAction.CREATE,
            merge,
            detail={
                "campaign": str(campaign.code),
                "kept": str(primary.code),
                "merged": [str(duplicate.code)],
                "automatic": False,
            },
        )
    return merge
