import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from summitry.audit.log import export, verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or export it as JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("verify", help="recompute the chain; exit 1 on any edited or removed entry")
        exp = sub.add_parser("export", help="write every entry as one JSON object per line")
        exp.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: str) -> None:
        if options["what"] == "verify":
            verdict = verify()
            if not verdict.ok:
                raise CommandError(f"audit trail broken after {verdict.entries} entries: {verdict.problem}",
                                   returncode=1)
            self.stdout.write(f"audit trail intact: {verdict.entries} entries")
            return
        out = open(options["out"], "w", encoding="utf-8") if options.get("out") else sys.stdout  # noqa: SIM115
        try:
            for row in export():
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
