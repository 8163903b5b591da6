"""The HTTP API (django-ninja): the offline outbox sync. OpenAPI schema at /api/docs.

The contract is docs/sync-protocol.md. Authentication is the normal session cookie; writes
carry the CSRF token in the `X-CSRFToken` header. The body of `POST /api/sync` is read here
(not by ninja) so that its own limits apply: 2 MB and 1,000 entries, each entry validated on
its own so that one malformed entry does not refuse the others.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from feltbok.core.access import Perm, actor_for
from feltbok.sync import schemas, services

logger = logging.getLogger(__name__)


class FeltbokAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, with the sync request body (which ninja does not parse) described."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        body = schemas.SyncRequest.model_json_schema(ref_template=REF_TEMPLATE)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["SyncRequest"] = body
        return schema


api = FeltbokAPI(
    title="Feltbok",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description="The offline outbox of patrol mode (docs/sync-protocol.md).",
)


class FieldStaffSession(APIKeyCookie):
    """A logged-in member of a service whose role may sync; CSRF checked on writes.

    Not logged in → 401 (before the CSRF check, so the phone knows to log in again); no
    membership, no `sync` permission or a missing CSRF token → 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        return self.authenticate(request, self._get_key(request))

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            message = _("The security token is missing or out of date. Reload the page.")
            raise HttpError(403, message)
        actor = actor_for(request)
        if actor is None:
            raise HttpError(403, _("You are not a member of any service."))
        if not actor.can(Perm.SYNC):
            raise HttpError(403, _("Your role does not record field work."))
        return actor


field_staff = FieldStaffSession()

PROBLEMS = {401: schemas.Problem, 403: schemas.Problem}


def _problem(request, status, message):
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(AuthenticationError)
def _not_logged_in(request, exc):
    return _problem(request, 401, _("Log in to send entries."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return _problem(request, exc.status_code, exc.message)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    messages = [schemas.describe(error) for error in exc.errors[:5]]
    return _problem(request, 422, " ".join(messages))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _problem(request, 403, _("Your role does not record field work."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _problem(request, 404, _("Not found."))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _problem(request, 413, _too_big_message())


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    return _problem(request, 400, _("The request could not be read."))


@api.exception_handler(DatabaseError)
def _database_unavailable(request, exc):
    logger.exception("sync: database error")
    message = _("The server cannot store entries just now. They stay on the phone; try again.")
    return _problem(request, 503, message)


def _too_big_message():
    return _("The request is larger than 2 MB. Send fewer entries at a time.")


def _refuse_constant(name):
    raise ValueError(name)


def read_entries(request) -> list:
    """The entries of the body, or an HttpError that says what is wrong with it."""
    if request.content_type != "application/json":
        raise HttpError(415, _("Send the entries as JSON (Content-Type: application/json)."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > schemas.MAX_BODY_BYTES:
        raise HttpError(413, _too_big_message())
    body = request.read(schemas.MAX_BODY_BYTES + 1)
    if len(body) > schemas.MAX_BODY_BYTES:
        raise HttpError(413, _too_big_message())
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HttpError(422, _("The body is not valid JSON.")) from exc
    if (
        not isinstance(payload, dict)
        or set(payload) != {"entries"}
        or not isinstance(payload["entries"], list)
    ):
        raise HttpError(422, _("The body must be a JSON object with a list of entries."))
    if len(payload["entries"]) > schemas.MAX_ENTRIES:
        message = _("At most %(max)d entries per request. Send the rest in another request.")
        raise HttpError(422, message % {"max": schemas.MAX_ENTRIES})
    return payload["entries"]


@api.post(
    "/sync",
    auth=field_staff,
    response={
        200: schemas.SyncResponse,
        **PROBLEMS,
        413: schemas.Problem,
        415: schemas.Problem,
        422: schemas.Problem,
    },
    exclude_none=True,
    summary="Send outbox entries",
    description=(
        "Each entry is applied once, in its own transaction, and answered in order. A replay "
        "of a key returns the stored result; a key reused for another payload is refused."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="SyncRequest")}}
            },
        }
    },
    tags=["sync"],
)
def sync(request):
    entries = read_entries(request)
    return {"results": services.apply_batch(request.auth, entries)}


@api.get(
    "/lookup",
    auth=field_staff,
    response={200: schemas.LookupResponse, **PROBLEMS},
    summary="The offline look-up list",
    description=(
        "Nicknames (or descriptions) and safety flags of persons met in the last 90 days, at "
        "most 500. Audited as a search. `removed`: persons erased in the last 90 days, to drop."
    ),
    tags=["sync"],
)
def lookup(request):
    return {
        "persons": services.lookup_list(request.auth),
        "removed": services.lookup_removals(request.auth),
    }
