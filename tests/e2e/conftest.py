"""End-to-end fixtures: a real ``summitry serve`` (with its supervised Janus) in the server namespace,
and Chromium browsers in the clients namespace, as in Washington and Ottawa."""

from __future__ import annotations

import os
import subprocess
import wave
from pathlib import Path

import pytest

from summitry.media.tones import sine
from tests.support.serving import PASSWORD, SUMMITRY, Server, wait_until_serving

HERE = Path(__file__).parent
PORT = 8765
CHROMIUM_FLAGS = [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]
HOSTNAME = "summitry.test"


@pytest.fixture(scope="session")
def server(testnet, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("summitry-e2e")
    env = {**os.environ, "SUMMITRY_DATA_DIR": str(data_dir),
           "SUMMITRY_ALLOWED_HOSTS": f"{testnet.server_ip},127.0.0.1,localhost,{HOSTNAME}",
           "SUMMITRY_JANUS_DEBUG_LEVEL": "3"}
    env.pop("SUMMITRY_DATABASE_URL", None)
    for args in (["migrate", "-v0"], ["load_scenario"], ["load_scenario", str(HERE / "trilateral.json")]):
        done = subprocess.run([*SUMMITRY, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([*SUMMITRY, "serve", "--host", "0.0.0.0", "--port", str(PORT)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{testnet.server_ip}:{PORT}"
    os.environ["SUMMITRY_TEST_ORIGIN"] = url
    os.environ["SUMMITRY_TEST_SERVER_IP"] = testnet.server_ip
    wait_until_serving(url, proc, data_dir / "serve.log")
    yield Server(url, env, data_dir, proc)
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def tone_wav(path: Path, freq: float) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(sine(freq, 48000 * 4, amplitude=0.5).tobytes())
    return path


@pytest.fixture
async def playwright(testnet):
    from playwright.async_api import async_playwright

    os.environ["SUMMITRY_TEST_CLIENT_NS"] = testnet.client_ns
    async with async_playwright() as p:
        yield p


def server_origin() -> str:
    return os.environ["SUMMITRY_TEST_ORIGIN"]


@pytest.fixture
def launch(playwright, tmp_path, server):
    """Start a Chromium in the clients namespace; ``tone`` is what its fake microphone plays."""
    browsers = []

    async def _launch(tone: float | None = None, fake_devices: bool = True, grant_devices: bool = True):
        # A page served over plain HTTP from a non-localhost address is no secure context, and gets no
        # camera or microphone; production serves HTTPS, the test network treats its server as secure.
        # WebAuthn needs a host name, not an address: the browser maps one to the test server.
        named = f"http://{HOSTNAME}:{PORT}"
        secure = f"--unsafely-treat-insecure-origin-as-secure={server_origin()},{named}"
        args = [*CHROMIUM_FLAGS, secure,
                f"--host-resolver-rules=MAP {HOSTNAME} {os.environ['SUMMITRY_TEST_SERVER_IP']}"]
        if fake_devices:
            args.append("--use-fake-device-for-media-stream")
        if grant_devices:  # without it, headless Chromium refuses camera and microphone prompts
            args.append("--use-fake-ui-for-media-stream")
        if tone is not None:
            args.append(f"--use-file-for-fake-audio-capture={tone_wav(tmp_path / f'tone-{tone:g}.wav', tone)}")
        browser = await playwright.chromium.launch(executable_path=str(HERE / "chromium-in-clients-ns.sh"),
                                                   args=args, headless=True)
        browsers.append(browser)
        return browser

    yield _launch
    # Playwright closes the browsers with its context manager


async def sign_in(browser, server, username: str, lang: str = "en", bypass_csp: bool = False):
    """Sign in; the language cookie is what the language switcher sets (people have their own default).
    ``bypass_csp`` lets a test add axe-core to the page (for accessibility checks of live states)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=bypass_csp)
    await context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    page = await context.new_page()
    page.on("console", lambda m: print(f"[{username} console {m.type}] {m.text}"))
    page.on("pageerror", lambda e: print(f"[{username} page error] {e}"))
    await page.goto(f"{server.url}/accounts/login/")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{server.url}/")
    return page
