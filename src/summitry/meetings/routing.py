from django.urls import path

from .consumers import RoomPresenceConsumer

websocket_urlpatterns = [
    path("ws/engagements/<slug:slug>/presence", RoomPresenceConsumer.as_asgi()),
]
