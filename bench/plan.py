"""Planning at the scale of a government's week.

A synthetic week of 20 capitals, 200 engagements and 1,000 people (a temporary SQLite database):
  - the full conflict check (working hours, holidays, double bookings, interpreter breaks) with slot
    suggestions for every engagement that has a warning, through Summitry's services; and the same
    rules on plain domain objects (the baseline without the database);
  - every person's calendar feed (iCalendar with VTIMEZONE).
Goals: the check with suggestions <= 0.5 s; each feed <= 1 s.

    .venv/bin/python bench/plan.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["SUMMITRY_DATA_DIR"] = tempfile.mkdtemp(prefix="summitry-bench-plan-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summitry.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from summitry.accounts.models import Country, Delegation, Person  # noqa: E402
from summitry.domain.planning import SlotQuery, check, suggest_slots  # noqa: E402
from summitry.meetings.models import Engagement, Participation  # noqa: E402
from summitry.trips import ics, services  # noqa: E402

CAPITALS = [
    ("US", "Washington", "America/New_York", "DC"), ("CA", "Ottawa", "America/Toronto", "ON"),
    ("MX", "Mexico City", "America/Mexico_City", "CMX"), ("BR", "Brasília", "America/Sao_Paulo", "DF"),
    ("AR", "Buenos Aires", "America/Argentina/Buenos_Aires", None), ("GB", "London", "Europe/London", None),
    ("FR", "Paris", "Europe/Paris", None), ("DE", "Berlin", "Europe/Berlin", "BE"),
    ("ES", "Madrid", "Europe/Madrid", "MD"), ("IT", "Rome", "Europe/Rome", None),
    ("PL", "Warsaw", "Europe/Warsaw", None), ("TR", "Ankara", "Europe/Istanbul", None),
    ("EG", "Cairo", "Africa/Cairo", None), ("ZA", "Pretoria", "Africa/Johannesburg", None),
    ("IN", "New Delhi", "Asia/Kolkata", None), ("CN", "Beijing", "Asia/Shanghai", None),
    ("JP", "Tokyo", "Asia/Tokyo", None),
    ("KR", "Seoul", "Asia/Seoul", None), ("AU", "Canberra", "Australia/Sydney", "ACT"),
    ("NZ", "Wellington", "Pacific/Auckland", None),
]


def build(rng: random.Random) -> None:
    countries = [Country.objects.create(code=c, name=c, capital=cap, timezone=tz, holiday_subdivision=sub or "")
                 for c, cap, tz, sub in CAPITALS]
    delegations = [Delegation.objects.create(slug=f"d-{c.code.lower()}", name=f"{c.capital} MFA", country=c,
                                             ministry="Foreign Affairs") for c in countries]
    people = Person.objects.bulk_create(
        Person(slug=f"p{i}", delegation=delegations[i % 20], given_name=f"Given{i}", family_name=f"Family{i}",
               rank=rng.randint(1, 100)) for i in range(1000))
    monday = datetime(2021, 2, 22, 12, tzinfo=UTC)
    starts = [monday + timedelta(days=i % 5, minutes=30 * rng.randint(-16, 16)) for i in range(200)]
    engagements = Engagement.objects.bulk_create(
        Engagement(slug=f"e{i}", title=f"Engagement {i}", kind="bilateral", host=delegations[i % 20],
                   starts_at=s, ends_at=s + timedelta(minutes=30 * rng.randint(1, 4)))
        for i, s in enumerate(starts))
    parts = []
    for e in engagements:
        for n, p in enumerate(rng.sample(people, 8)):
            parts.append(Participation(engagement=e, person=p, role="interpreter" if n == 7 else "principal"))
    Participation.objects.bulk_create(parts)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    build(random.Random(2021))
    all_e = list(services._engagements().order_by("starts_at"))
    print(f"synthetic week: {Country.objects.count()} capitals, {len(all_e)} engagements, "
          f"{Person.objects.count()} people, {Participation.objects.count()} participations")

    service_runs, domain_runs, flagged = [], [], 0
    bookings = [services.booking(e) for e in all_e]
    for run in range(args.repeat + 1):
        t0 = time.perf_counter()
        engagements = list(services._engagements().order_by("starts_at"))
        warnings = services.warnings_for(engagements)
        needing = {w.engagement for w in warnings if w.code in ("outside_working_hours", "public_holiday",
                                                                "double_booked")}
        services.suggestions_for([e for e in engagements if e.slug in needing], days=3, limit=3)
        if run:  # the first run warms caches (zones, holiday calendars, VTIMEZONEs)
            service_runs.append(time.perf_counter() - t0)
        flagged = len(needing)

        t0 = time.perf_counter()
        dw = check(bookings)
        for b in bookings:
            if b.key in needing:
                suggest_slots(SlotQuery(b.interval.duration, b.parties, b.interval.start.date(), days=3, limit=3))
        if run:
            domain_runs.append(time.perf_counter() - t0)
    print(f"conflict check + suggestions for {flagged} flagged engagements ({len(warnings)} warnings):")
    print(f"  summitry (database + rules)  p50 {pct(service_runs, 50):.3f} s   p95 {pct(service_runs, 95):.3f} s")
    print(f"  rules alone (baseline)       p50 {pct(domain_runs, 50):.3f} s   p95 {pct(domain_runs, 95):.3f} s "
          f"({len(dw)} warnings)")
    print(f"  ratio summitry/rules p50: {pct(service_runs, 50) / pct(domain_runs, 50):.2f}")

    feeds = []
    people = list(Person.objects.select_related("delegation__country"))
    t_all = time.perf_counter()
    for p in people:
        t0 = time.perf_counter()
        es = Engagement.objects.filter(participations__person=p).select_related("host__country").prefetch_related(
            "participations__person").order_by("starts_at")
        body = ics.feed(p, es, "https://summitry.example")
        assert body.startswith(b"BEGIN:VCALENDAR")
        feeds.append(time.perf_counter() - t0)
    total = time.perf_counter() - t_all
    print(f"calendar feeds for {len(people)} people: per feed p50 {pct(feeds, 50) * 1000:.1f} ms   "
          f"p95 {pct(feeds, 95) * 1000:.1f} ms   max {max(feeds) * 1000:.1f} ms;   all of them {total:.2f} s "
          f"({len(people) / total:.0f} feeds/s on one core)")
    ok = pct(service_runs, 95) <= 0.5 and max(feeds) <= 1.0
    print(f"goals (check <= 0.5 s at p95, every feed <= 1 s): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
