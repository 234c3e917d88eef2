"""Names of the channel-layer groups, in one place. Who is in each is decided by ``access``."""


def room(engagement_id: int) -> str:
    """Pages in the meeting: admitted, allowed in the segment in force, with a visit not ended."""
    return f"engagement-{engagement_id}"


def notices(engagement_id: int) -> str:
    """Every page of the engagement's participants, in the room or not: segment changes."""
    return f"engagement-{engagement_id}-notices"


def grant(grant_id: int) -> str:
    """The relay carrying one grant's Janus traffic."""
    return f"grant-{grant_id}"


def booth(engagement_id: int, language: str) -> str:
    return f"booth-{engagement_id}-{language}"
