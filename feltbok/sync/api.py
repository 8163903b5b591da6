"""The HTTP API (django-ninja): the offline outbox sync. OpenAPI schema at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Feltbok", version="1", urls_namespace="api", docs_url="/docs")
