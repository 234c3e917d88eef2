"""The Janus boundary: the only package that knows Janus's JSON, its config and its process."""

from .admin import JanusAdmin
from .audiobridge import AudioBridge, ChannelSpec
from .client import Handle, JanusClient, Session
from .config import JanusSecrets, JanusSettings
from .errors import (
    JanusError,
    JanusPluginError,
    JanusPluginNotAllowed,
    JanusSessionGone,
    JanusTimeout,
    JanusUnauthorized,
    JanusUnavailable,
)
from .ports import MediaGateway
from .streaming import MountpointSpec, Streaming
from .supervisor import JanusSupervisor
from .videoroom import RoomSpec, VideoRoom

__all__ = [
    "AudioBridge", "ChannelSpec", "Handle", "JanusAdmin",
    "JanusClient", "JanusError", "JanusPluginError", "JanusPluginNotAllowed",
    "JanusSecrets", "JanusSessionGone", "JanusSettings", "JanusSupervisor", "JanusTimeout",
    "JanusUnauthorized", "JanusUnavailable", "MediaGateway", "MountpointSpec", "RoomSpec", "Session", "Streaming",
    "VideoRoom",
]
