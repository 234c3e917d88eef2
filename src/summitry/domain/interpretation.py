"""Simultaneous interpretation: which channels an engagement has, who may speak into them, and how a
booth hands its one live microphone from one interpreter to the other.

Pure rules: the services apply them to the database and to Janus.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

FLOOR = "floor"

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português", "de": "Deutsch",
                  "ar": "العربية", "zh": "中文", "ru": "Русский", "ja": "日本語", "it": "Italiano"}


def parse_languages(text: str) -> list[str]:
    """``"en, fr,es"`` → ``["en", "fr", "es"]``: lower-case codes, each once, in the order given."""
    out: list[str] = []
    for part in text.split(","):
        code = part.strip().lower()
        if code and code not in out:
            out.append(code)
    return out


def channels(languages: list[str]) -> list[str]:
    """An engagement in one language needs no interpretation; in several, each has a channel."""
    return languages if len(languages) > 1 else []


class AirAction(StrEnum):
    TAKE = "take"          # an interpreter takes the booth's free microphone
    HANDOVER = "handover"  # the interpreter on air gives it to their partner
    RELEASE = "release"    # the interpreter on air goes off air, leaving the channel silent


@dataclass(frozen=True)
class AirChange:
    allowed: bool
    on_air: int | None = None  # the participation on air after the change
    reason: str = ""


def change_air(action: AirAction, *, actor: int, booth: list[int], on_air: int | None,
               connected: set[int]) -> AirChange:
    """Who is on air after ``actor`` asks for ``action``.

    ``booth`` is the channel's interpreters, ``on_air`` who holds the microphone now, ``connected``
    the booth members whose console is in the channel. A booth has one live microphone: nobody takes
    it from a colleague; the colleague hands it over, and only to a partner who is there to speak."""
    if actor not in booth:
        return AirChange(False, on_air, "not_in_booth")
    if action == AirAction.TAKE:
        if actor not in connected:
            return AirChange(False, on_air, "console_not_connected")
        if on_air is not None and on_air != actor and on_air in connected:
            return AirChange(False, on_air, "partner_on_air")
        return AirChange(True, actor)
    if on_air != actor:
        return AirChange(False, on_air, "not_on_air")
    if action == AirAction.RELEASE:
        return AirChange(True, None)
    partners = [p for p in booth if p != actor and p in connected]
    if not partners:
        return AirChange(False, on_air, "partner_not_connected")
    return AirChange(True, partners[0])


def input_choices(channel: str, languages: list[str]) -> list[str]:
    """What a booth may listen to: the floor, or another booth's channel (relay)."""
    return [FLOOR, *(lang for lang in channels(languages) if lang != channel)]


def mix_gains(channel: str, floor_level: float) -> tuple[float, float]:
    """(floor gain, channel gain) of a listener's mix: the floor alone, or the interpretation with the
    floor underneath at the listener's level (0 silences it, 1 leaves it as loud as the interpreter)."""
    level = min(max(floor_level, 0.0), 1.0)
    return (1.0, 0.0) if channel == FLOOR else (level, 1.0)
