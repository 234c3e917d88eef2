"""``{{ w|warning_text }}``: a planning warning's sentence in the reader's language (see ``trips.warnings``)."""

from __future__ import annotations

from typing import Any

from django import template

from summitry.domain.planning import PlanWarning

from .. import warnings

register = template.Library()


@register.filter
def warning_text(value: Any) -> str:
    return warnings.text(value) if isinstance(value, PlanWarning) else ""
