"""The people of an engagement as the meeting room shows them, in protocol order."""

from __future__ import annotations

from typing import Any

from summitry.domain.people import initials

from .models import Engagement


def roster(engagement: Engagement) -> list[dict[str, Any]]:
    """Host delegation first, then by rank; equal ranks in alphabetical order of country, as protocol
    seats heads of delegation: the gallery order."""
    parts = (engagement.participations.select_related("person__delegation__country")
             .order_by("person__rank", "person__delegation__country__name", "person__family_name"))
    rows = [{
        "publisher_id": p.publisher_id,
        "name": p.person.styling.name,
        "formal_name": p.person.styling.formal_name,
        "title": p.person.title,
        "country": p.person.delegation.country.name,
        "country_code": p.person.delegation.country.code,
        "delegation": p.person.delegation.name,
        "role": p.role,
        "initials": initials(p.person.styling.name),
        "host_side": p.person.delegation_id == engagement.host_id,
    } for p in parts]
    rows.sort(key=lambda r: not r["host_side"])  # stable: keeps rank order within each side
    return rows
