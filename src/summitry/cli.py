"""The ``summitry`` command: serve, demo, bot, janus-config, and Django's management commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("summitry.cli")

USAGE = """summitry COMMAND [options]

  serve          run the web server (uvicorn) and a supervised Janus
  demo           migrate, load the 26 February 2021 scenario, then serve and print where to click
  bot ENGAGEMENT --as PERSON
                 join an engagement from the command line with a test pattern and a tone
  janus-config   print the Janus configuration Summitry generates
  (anything else) a Django management command, e.g. migrate, createsuperuser, load_scenario
"""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summitry.settings")
    import django

    django.setup()


async def _serve(host: str, port: int, with_janus: bool, banner: str = "", certfile: str | None = None,
                 keyfile: str | None = None) -> None:
    import uvicorn

    from summitry.media import JanusSupervisor
    from summitry.meetings import services
    from summitry.meetings.janus import janus_secrets, janus_settings

    async def on_ready() -> None:
        dropped = await services.forget_media_state()
        if dropped:
            log.info("Janus (re)started: %s stale grants revoked", dropped)

    from dataclasses import replace

    # Janus reports sessions, WebRTC states and media to the audit trail, over loopback HTTP
    events_url = "" if certfile else f"http://127.0.0.1:{port}/internal/janus-events"
    settings_ = replace(janus_settings(), events_url=events_url)
    supervisor = JanusSupervisor(settings_, janus_secrets(), on_ready=on_ready) if with_janus else None
    if supervisor is not None:
        await supervisor.start()
    config = uvicorn.Config("summitry.asgi:application", host=host, port=port, log_level="info",
                            lifespan="off", ws="websockets", proxy_headers=False,
                            ssl_certfile=certfile, ssl_keyfile=keyfile)
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    if banner:
        print(banner, flush=True)
    from summitry.meetings.schedule import run_schedule

    schedule = asyncio.create_task(run_schedule())  # in one process only, however many serve
    try:
        await server.serve()
    finally:
        schedule.cancel()
        if supervisor is not None:
            await supervisor.stop()


def cmd_serve(argv: list[str], banner: str = "") -> int:
    p = argparse.ArgumentParser(prog="summitry serve")
    p.add_argument("--host", default=os.environ.get("SUMMITRY_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SUMMITRY_PORT", "8000")))
    p.add_argument("--no-janus", action="store_true", help="do not start Janus (one runs elsewhere)")
    p.add_argument("--certfile", help="serve HTTPS with this certificate (PEM); turns on secure cookies and HSTS")
    p.add_argument("--keyfile", help="the certificate's private key (PEM)")
    args = p.parse_args(argv)
    if bool(args.certfile) != bool(args.keyfile):
        p.error("--certfile and --keyfile go together")
    if args.certfile:
        os.environ["SUMMITRY_TLS"] = "1"
    _django()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(args.host, args.port, not args.no_janus, banner, args.certfile, args.keyfile))
    return 0


def cmd_demo(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="summitry demo")
    p.add_argument("--host", default=os.environ.get("SUMMITRY_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SUMMITRY_PORT", "8000")))
    args = p.parse_args(argv)
    _django()
    from django.core.management import call_command

    from summitry.demo.loader import SCENARIO

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_scenario")
    scenario = json.loads(SCENARIO.read_text())
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host  # noqa: S104
    url = f"http://{host}:{args.port}/"
    banner = f"""
  Summitry is running: open {url}

  Demo sign-ins (password: {scenario['demo_password']})
    blinken   Antony Blinken, Secretary of State (Washington)
    garneau   Marc Garneau, Minister of Foreign Affairs of Canada (Ottawa)
    ebrard    Marcelo Ebrard, Secretary of Foreign Affairs of Mexico (Mexico City)
    trudeau   Justin Trudeau, Prime Minister of Canada
    interpreter-fr, interpreter-fr-2   the French booth (English and French channels)
    protocol  the protocol office (plans trips)

  Meeting room of the Canada bilateral: {url}engagements/canada-bilateral/room
  Its French booth's interpreter console: {url}engagements/canada-bilateral/booth
  Add a third participant from the command line:
    .venv/bin/summitry bot canada-bilateral --as julie-chung
  Put an interpreter on air in the French channel (choose "Listen to: Français" in the room):
    .venv/bin/summitry bot canada-bilateral --as ca-interpreter-fr --interpret

  Press Ctrl+C to stop.
"""
    return cmd_serve(["--host", args.host, "--port", str(args.port)], banner=banner)


def cmd_bot(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="summitry bot", description="Join an engagement as a headless participant.")
    p.add_argument("engagement", help="the engagement's slug, e.g. canada-bilateral")
    p.add_argument("--as", dest="person", required=True, help="the person's slug, e.g. julie-chung")
    p.add_argument("--tone", type=float, default=440.0, help="tone frequency in Hz (default 440)")
    p.add_argument("--seconds", type=float, default=0, help="stay this long, then leave (default: until Ctrl+C)")
    p.add_argument("--report", type=Path, help="write what arrived (frames, tone heard) as JSON here")
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--interpret", action="store_true",
                   help="an interpreter with a booth: take the booth's microphone and speak the tone into its channel")
    args = p.parse_args(argv)
    _django()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(_bot(args))


async def _interpreter(grant: Any, user: Any, slug: str, tone: float) -> Any:
    """Speak into the booth's channel and take its microphone, as the console does."""
    from summitry.domain.interpretation import AirAction
    from summitry.media.bot import ChannelBot
    from summitry.meetings import interpretation
    from summitry.meetings.janus import janus_settings
    from summitry.meetings.models import MediaGrant

    room = next(c.room for c in grant.channels if c.language == grant.booth)
    bot = ChannelBot(janus_settings().ws_url, grant.token, room, tone_hz=tone, participant_id=grant.publisher_id,
                     display=grant.display)
    await bot.start()
    # The bot reaches Janus directly, as Summitry's operator does, not through a relay: record what a
    # relay records when it sees a visit join its booth's channel as itself.
    visit = await MediaGrant.objects.aget(token=grant.token)
    await interpretation.note_channel(visit.pk, room)
    await interpretation.change_air(user, slug, grant.booth, AirAction.TAKE)
    return bot


async def _bot(args: argparse.Namespace) -> int:
    from asgiref.sync import sync_to_async

    from summitry.accounts.models import Person
    from summitry.media.bot import Bot
    from summitry.meetings import access, services
    from summitry.meetings.janus import janus_settings

    person = await sync_to_async(lambda: Person.objects.select_related("user").filter(slug=args.person).first())()
    if person is None or person.user is None:
        print(f"summitry bot: no person {args.person!r} with an account", file=sys.stderr)
        return 2
    try:
        await _admit_from_command_line(person, args.engagement)
        grant = await services.join(person.user, args.engagement)
    except access.NotAllowed as exc:
        print(f"summitry bot: {person} may not join {args.engagement!r}: {exc.reason}", file=sys.stderr)
        return 3
    except services.MediaUnavailable as exc:
        print(f"summitry bot: the media server is unreachable: {exc}", file=sys.stderr)
        return 4
    except Exception as exc:
        if exc.__class__.__name__ == "DoesNotExist":
            print(f"summitry bot: no engagement {args.engagement!r}", file=sys.stderr)
            return 2
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot: Any
    if args.interpret:
        if not grant.booth:
            print(f"summitry bot: {person} has no interpreter's booth in {args.engagement!r}", file=sys.stderr)
            await services.leave(person.user, args.engagement)
            return 3
        try:
            bot = await _interpreter(grant, person.user, args.engagement, args.tone)
        except access.NotAllowed as exc:
            print(f"summitry bot: the microphone of the {grant.booth} booth: {exc.reason}", file=sys.stderr)
            await services.leave(person.user, args.engagement)
            return 3
        except services.MediaUnavailable:
            print(f"summitry bot: the media server did not put {person} on air", file=sys.stderr)
            await services.leave(person.user, args.engagement)
            return 4
        print(f"{grant.display} is on air in the {grant.booth} channel of {args.engagement} (tone {args.tone:g} Hz)",
              flush=True)
    else:
        bot = Bot(janus_settings().ws_url, grant.token, grant.room, grant.publisher_id, display=grant.display,
                  tone_hz=args.tone, video=not args.no_video, publish=grant.publish)
        await bot.start()
        print(f"{grant.display} joined {args.engagement} (feed {grant.publisher_id}, tone {args.tone:g} Hz)",
              flush=True)
    try:
        if args.seconds:
            await asyncio.wait_for(stop.wait(), args.seconds)
        else:
            await stop.wait()
    except TimeoutError:
        pass
    report = bot.report()
    await bot.stop()
    await services.leave(person.user, args.engagement)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2))
    for feed in report.get("feeds", []):
        print(f"  feed {feed['feed']}: {feed['frames_decoded']} frames decoded, heard {feed['heard_hz']} Hz")
    return 0


async def _admit_from_command_line(person: object, slug: str) -> None:
    """Whoever runs the bot on the server is an operator: the bot is admitted, and the trail says so."""
    from asgiref.sync import sync_to_async

    from summitry.meetings import lobby
    from summitry.meetings.models import Engagement, Participation

    @sync_to_async
    def _admit() -> None:
        engagement = Engagement.objects.filter(slug=slug).first()
        participation = Participation.objects.filter(engagement=engagement, person=person).first()
        if engagement is None or participation is None:
            return
        lobby.check_in(participation, "operator")
        if participation.role != "host":
            lobby.decide(engagement, participation.pk, "admitted", "operator (summitry bot)")

    await _admit()


def cmd_janus_config(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="summitry janus-config")
    p.add_argument("--show-secrets", action="store_true")
    args = p.parse_args(argv)
    _django()
    from summitry.media import config
    from summitry.meetings.janus import janus_secrets, janus_settings

    sec = janus_secrets()
    for name, text in config.build(janus_settings(), sec).items():
        if not args.show_secrets:
            for value in (sec.admin_secret, sec.videoroom_admin_key, sec.service_token):
                text = text.replace(value, "<redacted>")
        print(f"### {name}\n{text}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    handlers = {"serve": cmd_serve, "demo": cmd_demo, "bot": cmd_bot, "janus-config": cmd_janus_config}
    if command in handlers:
        return handlers[command](rest)
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["summitry", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
