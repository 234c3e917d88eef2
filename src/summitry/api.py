"""The JSON API (OpenAPI at /api/docs).

The docs page is Swagger UI served from django-ninja's own static files ("ninja" is in
INSTALLED_APPS; without it ninja falls back to a CDN that our CSP blocks). Swagger UI's online
validator is off: it would send the schema's address to validator.swagger.io for a badge image."""

from ninja import NinjaAPI, Swagger

from summitry.meetings.api import router as meetings_router
from summitry.trips.api import router as trips_router

api = NinjaAPI(title="Summitry API", version="1", urls_namespace="api",
               docs=Swagger(settings={"validatorUrl": None}))
api.add_router("/", meetings_router)
api.add_router("/", trips_router)
