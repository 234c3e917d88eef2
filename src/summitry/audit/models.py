"""The audit trail: append-only and hash-chained.

Each entry's hash covers its content and the previous entry's hash, so editing or removing any entry
breaks the chain from there on; the ``AuditHead`` row holds the count and the last hash, so removing
the newest entries shows too. Database triggers refuse UPDATE and DELETE on entries.
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    engagement = models.CharField(max_length=50, blank=True)
    subject = models.CharField(max_length=150, blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["action", "subject", "at"]), models.Index(fields=["engagement", "at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.engagement} {self.subject}"


class AuditHead(models.Model):
    """One row: how many entries there are and the hash of the last one."""

    count = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.count} entries, last {self.last_hash[:12]}"
