"""The demo scenario: the week of the first virtual trip, as a plan file (see trips.exchange)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summitry.trips import exchange
from summitry.trips.exchange import PlanError

SCENARIO = Path(__file__).with_name("scenario.json")

ScenarioError = PlanError


def load(data: Any) -> dict[str, int]:
    """A plan from the command line: trusted with the demo's passwords and protocol officers."""
    return exchange.load(data, trusted=True)


def load_file(path: Path = SCENARIO) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path}: cannot read it as JSON ({exc})") from exc
    return load(data)
