from django.core.management.base import BaseCommand, CommandError, CommandParser

from summitry.meetings import access, lobby
from summitry.meetings.models import Engagement, Participation


class Command(BaseCommand):
    help = "Show who waits in an engagement's lobby; admit or deny them as the operator (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("engagement")
        parser.add_argument("--admit", metavar="PERSON", help="the person's slug")
        parser.add_argument("--deny", metavar="PERSON", help="the person's slug")

    def handle(self, *args: object, **options: str) -> None:
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"no engagement {options['engagement']!r}")
        for flag, state in (("admit", "admitted"), ("deny", "denied")):
            if options.get(flag):
                p = Participation.objects.filter(engagement=engagement, person__slug=options[flag]).first()
                if p is None:
                    raise CommandError(f"{options[flag]!r} does not take part in {engagement.slug!r}")
                lobby.check_in(p, "operator")
                try:
                    lobby.decide(engagement, p.pk, state, "operator (command line)")
                except access.NotAllowed:
                    raise CommandError(f"{options[flag]!r} is the host and needs no admission") from None
                self.stdout.write(f"{p.person}: {state}")
        for w in lobby.waiting(engagement):
            self.stdout.write(f"waiting: {w['name']} ({w['delegation']}, {w['role']}) since {w['since']}")
