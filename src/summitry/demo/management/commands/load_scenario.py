from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from summitry.demo.loader import SCENARIO, ScenarioError, load_file


class Command(BaseCommand):
    help = "Load the demo scenario (or another scenario file). Running it twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(SCENARIO))

    def handle(self, *args: object, **options: str) -> None:
        try:
            counts = load_file(Path(options["path"]))
        except ScenarioError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(", ".join(f"{v} {k}" for k, v in counts.items()) + " loaded.")
