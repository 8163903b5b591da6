"""The one access layer: who is acting, in which service, and what they may do.

Every query for service data goes through `scoped()` with an `Actor`. An object of another
service is a 404 (never a 403 that would confirm it exists); a missing permission inside the
own service is a 403.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from feltbok.accounts.models import Membership, Role


class Perm(StrEnum):
    SEARCH_PERSON = "search_person"  # find a person by nickname (patrol contact)
    VIEW_PERSON = "view_person"  # open a person page and timeline
    CREATE_PERSON = "create_person"
    VIEW_IDENTITY = "view_identity"  # decrypt identifying fields
    VIEW_ACCESS_LOG = "view_access_log"
    RECORD_FIELDWORK = "record_fieldwork"  # start patrols, record contacts
    VIEW_PATROLS = "view_patrols"
    VIEW_STATISTICS = "view_statistics"
    PLAN_PATROLS = "plan_patrols"  # shift templates, the weekly rota, staff assignment
    VIEW_PLAN = "view_plan"  # see the rota (own assignments and the week)
    VIEW_MAP = "view_map"  # areas, places and environments on a map
    MANAGE_PLACES = "manage_places"  # places and environments
    MANAGE_SERVICE = "manage_service"  # the service's settings (map tiles, exact locations)
    VIEW_COVERAGE = "view_coverage"  # areas × shifts for the week, plan against actual
    RECORD_TIME = "record_time"  # register follow-up time
    VIEW_TIME_USE = "view_time_use"  # field vs follow-up hours per worker and team
    SYNC = "sync"  # the offline outbox API
    VIEW_INCIDENTS = "view_incidents"  # incidents with the persons involved and staff affected
    # Partners, referrals and mandatory notifications (issue 4)
    VIEW_PARTNERS = "view_partners"  # the partner directory
    MANAGE_PARTNERS = "manage_partners"
    MANAGE_REFERRALS = "manage_referrals"  # refer persons to partners, follow the referral
    CONFIGURE_REFERRALS = "configure_referrals"  # the service's referral settings
    RAISE_CONCERN = "raise_concern"  # record a concern (peer workers: see only their own)
    HANDLE_NOTIFICATIONS = "handle_notifications"  # assess, decide, send, follow up
    APPROVE_NOTIFICATIONS = "approve_notifications"  # the four-eyes approval
    # Follow-up episodes, tasks, commissions and programmes (issue 4)
    VIEW_FOLLOWUP = "view_followup"  # who is in follow-up and with whom
    MANAGE_FOLLOWUP = "manage_followup"  # start follow-ups, needs, goals, plan, tasks
    CONFIGURE_FOLLOWUP = "configure_followup"  # the service's follow-up settings and programmes
    # The on-call line, walk-in visits and public concern reports (issue 5)
    TRIAGE_INQUIRIES = "triage_inquiries"  # the dispatch board: log, dispatch, close, feedback
    HANDLE_INQUIRIES = "handle_inquiries"  # inquiries sent to one's patrol (or to oneself)
    RECORD_WALKINS = "record_walkins"  # the walk-in log
    CONFIGURE_ONCALL = "configure_oncall"  # opening hours, the public form, retention
    # Counts of homeless people (issue 6, scope 5)
    MANAGE_COUNTS = "manage_counts"  # create, open and close count campaigns; undo merges
    RECORD_COUNTS = "record_counts"  # record observations (peer workers: only their own)
    VIEW_COUNT_RESULT = "view_count_result"  # the full result of a count
    VIEW_COUNT_AGGREGATES = "view_count_aggregates"  # the result with small cells suppressed
    # Emergency access and access-log review (issue 7, scope 3 and 4)
    BREAK_GLASS = "break_glass"  # open a person outside the normal scope, giving a reason
    REVIEW_ACCESS = "review_access"  # emergency accesses, access-log review, monthly report
    # Data-subject rights and protected exports (issue 7, scope 2 and 5)
    SUBJECT_ACCESS = "subject_access"  # the access export of everything held about a person
    RECTIFY_PERSON = "rectify_person"  # correct a person's details, keeping the earlier values
    MANAGE_KEYS = "manage_keys"  # see the progress of key rotation
    # The report builder (issue 6, scope 4)
    BUILD_REPORTS = "build_reports"  # reports of figures and text, rendered and published
    # Retention, legal hold and erasure (issue 7, scope 1 and 2)
    CONFIGURE_RETENTION = "configure_retention"  # the service's retention periods
    VIEW_SHREDDING = "view_shredding"  # the record of what retention and erasure removed
    LEGAL_HOLD = "legal_hold"  # place and lift a legal hold on a person
    ERASE_PERSON = "erase_person"  # erase a person on request, giving a reason
    # Lectures and knowledge sharing (issue 6, scope 6)
    RECORD_LECTURES = "record_lectures"  # record lectures given and see the service's list


_FIELD = {
    Perm.SEARCH_PERSON,
    Perm.CREATE_PERSON,
    Perm.RECORD_FIELDWORK,
    Perm.VIEW_PATROLS,
    Perm.VIEW_PLAN,
    Perm.VIEW_MAP,
    Perm.SYNC,
}

# Need to know: each role gets what its work needs and nothing more.
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.WORKER: frozenset(
        _FIELD | {Perm.VIEW_PERSON, Perm.VIEW_IDENTITY, Perm.RECORD_TIME, Perm.VIEW_INCIDENTS}
    ),
    # Peer workers record what they do on patrol; they do not open records or identities.
    Role.PEER_WORKER: frozenset(_FIELD),
    Role.COORDINATOR: frozenset(
        {
            Perm.SEARCH_PERSON,
            Perm.VIEW_PERSON,
            Perm.VIEW_IDENTITY,
            Perm.VIEW_PATROLS,
            Perm.VIEW_PLAN,
            Perm.VIEW_MAP,
        }
    ),
    Role.TEAM_LEAD: frozenset(
        _FIELD
        | {
            Perm.VIEW_PERSON,
            Perm.VIEW_IDENTITY,
            Perm.VIEW_ACCESS_LOG,
            Perm.VIEW_STATISTICS,
            Perm.PLAN_PATROLS,
            Perm.MANAGE_PLACES,
            Perm.VIEW_COVERAGE,
            Perm.RECORD_TIME,
            Perm.VIEW_TIME_USE,
            Perm.VIEW_INCIDENTS,
        }
    ),
    # Analysts and administrators see aggregates, never persons.
    Role.ANALYST: frozenset({Perm.VIEW_STATISTICS}),
    Role.ADMIN: frozenset(
        {
            Perm.VIEW_STATISTICS,
            Perm.VIEW_PATROLS,
            Perm.VIEW_MAP,
            Perm.MANAGE_PLACES,
            Perm.MANAGE_SERVICE,
            Perm.VIEW_COVERAGE,
            Perm.VIEW_TIME_USE,
        }
    ),
}


# Partners, referrals and mandatory notifications (issue 4). Added role by role here so this
# block stays apart from the rows above: staff who follow persons up refer and notify, only team
# leads approve, peer workers may record a concern, coordinators and admins see the directory,
# analysts none of it.
_REFERRAL_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {
        Perm.VIEW_PARTNERS,
        Perm.MANAGE_REFERRALS,
        Perm.RAISE_CONCERN,
        Perm.HANDLE_NOTIFICATIONS,
    },
    Role.PEER_WORKER: {Perm.RAISE_CONCERN},
    Role.COORDINATOR: {Perm.VIEW_PARTNERS},
    Role.TEAM_LEAD: {
        Perm.VIEW_PARTNERS,
        Perm.MANAGE_PARTNERS,
        Perm.MANAGE_REFERRALS,
        Perm.CONFIGURE_REFERRALS,
        Perm.RAISE_CONCERN,
        Perm.HANDLE_NOTIFICATIONS,
        Perm.APPROVE_NOTIFICATIONS,
    },
    Role.ADMIN: {Perm.VIEW_PARTNERS, Perm.MANAGE_PARTNERS, Perm.CONFIGURE_REFERRALS},
}
for _role, _extra in _REFERRAL_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Follow-up (issue 4): contact persons and team leads see details; whether an actor is a
# contact person is decided in followup.selectors. Peer workers see only what they record;
# coordinators, analysts and administrators none of it.
_FOLLOWUP_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.VIEW_FOLLOWUP, Perm.MANAGE_FOLLOWUP},
    Role.PEER_WORKER: {Perm.VIEW_FOLLOWUP},
    Role.TEAM_LEAD: {Perm.VIEW_FOLLOWUP, Perm.MANAGE_FOLLOWUP, Perm.CONFIGURE_FOLLOWUP},
}
for _role, _extra in _FOLLOWUP_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# On-call line and walk-in (issue 5): coordinators and team leads triage and dispatch; workers
# see what is sent to their patrol or to them and log walk-ins; peer workers see only what is
# sent to their patrol (decided in oncall.selectors); analysts none; administrators set the
# opening hours and the public form, without seeing inquiries.
_ONCALL_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.HANDLE_INQUIRIES, Perm.RECORD_WALKINS},
    Role.PEER_WORKER: {Perm.HANDLE_INQUIRIES},
    Role.COORDINATOR: {Perm.TRIAGE_INQUIRIES, Perm.HANDLE_INQUIRIES, Perm.RECORD_WALKINS},
    Role.TEAM_LEAD: {
        Perm.TRIAGE_INQUIRIES,
        Perm.HANDLE_INQUIRIES,
        Perm.RECORD_WALKINS,
        Perm.CONFIGURE_ONCALL,
    },
    Role.ADMIN: {Perm.CONFIGURE_ONCALL},
}
for _role, _extra in _ONCALL_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Counts (issue 6): team leads run campaigns; workers and peer workers record observations
# (peer workers see only their own); analysts see the result with small cells suppressed;
# administrators see the result; coordinators none of it.
_COUNTS_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.RECORD_COUNTS},
    Role.PEER_WORKER: {Perm.RECORD_COUNTS},
    Role.TEAM_LEAD: {Perm.MANAGE_COUNTS, Perm.RECORD_COUNTS, Perm.VIEW_COUNT_RESULT},
    Role.ANALYST: {Perm.VIEW_COUNT_AGGREGATES},
    Role.ADMIN: {Perm.VIEW_COUNT_RESULT},
}
for _role, _extra in _COUNTS_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Emergency access and access-log review (issue 7): staff who open person pages (workers,
# on-call coordinators) may break the glass, giving a reason; team leads are always in scope
# and review the log. Whether a person is in scope is decided in oversight.selectors.
_OVERSIGHT_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.BREAK_GLASS},
    Role.COORDINATOR: {Perm.BREAK_GLASS},
    Role.TEAM_LEAD: {Perm.REVIEW_ACCESS},
}
for _role, _extra in _OVERSIGHT_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Data-subject rights (issue 7): staff who keep records up to date correct them (the earlier
# values are kept); only team leads make the access export of everything held about a person
# (administrators see no persons, so they do not either); administrators follow key rotation.
_SUBJECT_RIGHTS_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.RECTIFY_PERSON},
    Role.TEAM_LEAD: {Perm.RECTIFY_PERSON, Perm.SUBJECT_ACCESS},
    Role.ADMIN: {Perm.MANAGE_KEYS},
}
for _role, _extra in _SUBJECT_RIGHTS_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# The report builder (issue 6): the statistics holders who write for the administration and the
# political level, analysts and team leads, build and publish reports (aggregates only, through
# the statistics engine). Administrators see statistics but do not publish in the service's name.
_REPORTBUILDER_PERMISSIONS: dict[str, set[Perm]] = {
    Role.TEAM_LEAD: {Perm.BUILD_REPORTS},
    Role.ANALYST: {Perm.BUILD_REPORTS},
}
for _role, _extra in _REPORTBUILDER_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Retention, legal hold and erasure (issue 7): administrators set the retention periods; team
# leads and administrators place legal holds and erase a person on request; both see the
# shredding record. Nobody else touches it.
_PRIVACY_PERMISSIONS: dict[str, set[Perm]] = {
    Role.TEAM_LEAD: {Perm.VIEW_SHREDDING, Perm.LEGAL_HOLD, Perm.ERASE_PERSON},
    Role.ADMIN: {
        Perm.CONFIGURE_RETENTION,
        Perm.VIEW_SHREDDING,
        Perm.LEGAL_HOLD,
        Perm.ERASE_PERSON,
    },
}
for _role, _extra in _PRIVACY_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# Lectures (issue 6): the staff who give them, workers and team leads, record them and see the
# list, as with other activity records (time, walk-ins); analysts and administrators read the
# "lectures" measure in the statistics; peer workers and coordinators none of it.
_LECTURE_PERMISSIONS: dict[str, set[Perm]] = {
    Role.WORKER: {Perm.RECORD_LECTURES},
    Role.TEAM_LEAD: {Perm.RECORD_LECTURES},
}
for _role, _extra in _LECTURE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra


@dataclass(frozen=True)
class Actor:
    """The acting user in one service, with the role they hold there."""

    user: object
    membership: Membership

    @property
    def service(self):
        return self.membership.service

    @property
    def service_id(self):
        return self.membership.service_id

    @property
    def role(self):
        return self.membership.role

    def can(self, perm: Perm) -> bool:
        return perm in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, perm: Perm) -> None:
        if not self.can(perm):
            raise PermissionDenied


def actor_for_user(user, service_id=None) -> Actor | None:
    """The actor for a user: their active membership (in `service_id` when given)."""
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("service").filter(user=user, is_active=True)
    if service_id is not None:
        memberships = memberships.filter(service_id=service_id)
    membership = memberships.order_by("created_at").first()
    return Actor(user=user, membership=membership) if membership else None


def actor_for(request) -> Actor | None:
    """The request's actor, computed once per request."""
    if not hasattr(request, "_feltbok_actor"):
        request._feltbok_actor = actor_for_user(request.user)
    return request._feltbok_actor


def scoped(actor: Actor, model_or_queryset):
    """Service data visible to the actor: only their own service's rows."""
    queryset = (
        model_or_queryset
        if hasattr(model_or_queryset, "filter")
        else model_or_queryset._default_manager.all()
    )
    return queryset.filter(service_id=actor.service_id)


def get_scoped_or_404(actor: Actor, model_or_queryset, **lookup):
    """One object of the actor's service, or 404 whether it is missing or foreign."""
    queryset = scoped(actor, model_or_queryset)
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def acting(*perms: Perm):
    """View decorator: log-in required, resolve the actor, check permissions.

    The view receives the actor as its second argument. A logged-in user without a
    membership gets 403: they belong to no service.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request)
            actor = actor_for(request)
            if actor is None:
                raise PermissionDenied
            for perm in perms:
                actor.require(perm)
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorator


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as django_redirect_to_login

    if request.headers.get("HX-Request"):
        response = redirect("account_login")
        response["HX-Redirect"] = response["Location"]
        return response
    return django_redirect_to_login(request.get_full_path())
