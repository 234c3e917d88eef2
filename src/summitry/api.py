"""The JSON API (OpenAPI at /api/docs)."""

from ninja import NinjaAPI

from summitry.meetings.api import router as meetings_router
from summitry.trips.api import router as trips_router

api = NinjaAPI(title="Summitry API", version="1", urls_namespace="api")
api.add_router("/", meetings_router)
api.add_router("/", trips_router)
