"""Writing and verifying the audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, at: str, actor: str, action: str, engagement: str, subject: str,
            detail: dict[str, Any]) -> str:
    canonical = json.dumps([prev_hash, at, actor, action, engagement, subject, detail], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(action: str, *, actor: str = "system", engagement: str = "", subject: str = "",
           **detail: Any) -> AuditEntry:
    """Append an entry (inside the caller's transaction, if any: it commits or rolls back with it)."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        at = timezone.now().replace(microsecond=timezone.now().microsecond // 1000 * 1000)
        entry = AuditEntry(at=at, actor=actor[:150], action=action, engagement=engagement[:50],
                           subject=subject[:150], detail=detail, prev_hash=head.last_hash)
        entry.hash = _digest(entry.prev_hash, at.isoformat(), entry.actor, action, entry.engagement,
                             entry.subject, detail)
        entry.save()
        head.count += 1
        head.last_hash = entry.hash
        head.save(update_fields=["count", "last_hash"])
    return entry


SAMPLED_FIRST = 20  # of each attempt's kind and author: the first ones, then every hundredth
_attempts: dict[tuple[str, object], int] = {}


def record_attempt(action: str, key: object, **fields: Any) -> AuditEntry | None:
    """Record a refused attempt, sampled per ``key`` (a grant, a user and engagement) in this process, so
    that attempts show in the audit but a flood of them cannot fill it. ``count`` says how many so far."""
    n = _attempts[(action, key)] = _attempts.get((action, key), 0) + 1
    if n <= SAMPLED_FIRST or n % 100 == 0:
        return record(action, count=n, **fields)
    return None


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    problem: str = ""


def verify() -> Verdict:
    """Recompute the chain; name the first entry that does not fit."""
    prev, n = GENESIS, 0
    for e in AuditEntry.objects.order_by("id").iterator():
        n += 1
        if e.prev_hash != prev:
            return Verdict(False, n, f"entry {e.pk}: the entry before it was removed or changed")
        expected = _digest(e.prev_hash, e.at.isoformat(), e.actor, e.action, e.engagement, e.subject, e.detail)
        if e.hash != expected:
            return Verdict(False, n, f"entry {e.pk}: its content was changed")
        prev = e.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.count != n or head.last_hash != prev):
        return Verdict(False, n, f"the trail should hold {head.count} entries ending in {head.last_hash[:12]}…, "
                                 f"it holds {n}: entries were removed")
    return Verdict(True, n)


def export() -> Iterator[dict[str, Any]]:
    for e in AuditEntry.objects.order_by("id").iterator():
        yield {"id": e.pk, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
               "engagement": e.engagement, "subject": e.subject, "detail": e.detail,
               "prev_hash": e.prev_hash, "hash": e.hash}
