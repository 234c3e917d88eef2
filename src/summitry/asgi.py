"""ASGI entry point (uvicorn): Django for HTTP through Channels' protocol router."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summitry.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

application = ProtocolTypeRouter({"http": get_asgi_application()})
