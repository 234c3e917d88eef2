"""``summitry protocol_officer USERNAME``: the first protocol officer of a new installation (who then
adds everyone else from the pages). The password is read from ``SUMMITRY_OFFICER_PASSWORD`` or asked."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from summitry.audit.log import record
from summitry.trips.exchange import PROTOCOL_GROUP


class Command(BaseCommand):
    help = "Create (or promote) a protocol officer: an account that may plan trips and the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created or not user.has_usable_password():
            password = os.environ.get("SUMMITRY_OFFICER_PASSWORD") or getpass.getpass(f"Password for {username}: ")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                if created:
                    user.delete()
                raise CommandError(" ".join(exc.messages)) from None
            user.set_password(password)
            user.save()
        group, _ = Group.objects.get_or_create(name=PROTOCOL_GROUP)
        group.permissions.add(Permission.objects.get(codename="plan_trips", content_type__app_label="trips"))
        user.groups.add(group)
        record("protocol_officer_added", actor="command line", subject=username, created=created)
        self.stdout.write(f"{username} is a protocol officer{' (new account)' if created else ''}.")
