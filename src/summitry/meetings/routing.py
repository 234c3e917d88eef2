from django.urls import path

from .consumers import JanusRelayConsumer, RoomPresenceConsumer

websocket_urlpatterns = [
    path("ws/engagements/<slug:slug>/presence", RoomPresenceConsumer.as_asgi()),
    path("ws/engagements/<slug:slug>/janus", JanusRelayConsumer.as_asgi()),
]
