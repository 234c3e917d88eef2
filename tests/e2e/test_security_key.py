"""A security key (WebAuthn) as second factor, with Chromium's virtual authenticator."""

from __future__ import annotations

import pytest

from .conftest import HOSTNAME, PASSWORD, PORT

pytestmark = [pytest.mark.e2e, pytest.mark.janus]


async def _password(page, base):
    await page.goto(f"{base}/accounts/login/")
    await page.get_by_label("User name").fill("price")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.locator("main").get_by_role("button", name="Sign in").click()


async def test_register_a_security_key_then_sign_in_with_it(server, launch):
    base = f"http://{HOSTNAME}:{PORT}"
    browser = await launch()
    context = await browser.new_context()
    await context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    await _password(page, base)
    await page.wait_for_url(f"{base}/")
    await page.goto(f"{base}/accounts/security/")
    await page.get_by_label("Name of the key").fill("Spokesperson's laptop")
    await page.get_by_role("button", name="Add a security key").click()
    await page.get_by_text("Spokesperson's laptop").wait_for(timeout=10000)

    await page.locator("form[action='/accounts/logout/'] button").click()
    await _password(page, base)
    await page.wait_for_url(f"{base}/accounts/login/code")
    assert await page.locator("#use-key").is_visible()
    await page.get_by_role("button", name="Use my security key").click()
    await page.wait_for_url(f"{base}/", timeout=10000)
    await page.get_by_role("heading", name="My engagements").wait_for()
    methods = server.query("SELECT detail FROM audit_auditentry WHERE action = 'login' AND subject = 'price'")
    assert any('"password+webauthn"' in row[0] for row in methods), methods
