"""WCAG 2.1 A/AA rules checked by axe-core (from npm) on every page, as three kinds of users see them,
in English, French and Spanish (whose longer words wrap and overflow where English does not)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.janus]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "protocol": ["/", "/trips/", "/trips/first-virtual-trip/", "/calendar/", "/engagements/canada-bilateral/",
                 "/accounts/security/"],
    "blinken": ["/engagements/canada-bilateral/room", "/engagements/canada-bilateral/"],
    "trudeau": ["/engagements/canada-bilateral/room"],  # the refusal page
    "interpreter-fr": ["/engagements/canada-bilateral/booth"],
    "chung": ["/engagements/canada-bilateral/booth"],  # the console's refusal page
}


async def violations(page) -> list:
    # axe is added as a script element: the test context bypasses the page's CSP for it alone
    await page.add_script_tag(content=AXE.read_text())
    return await page.evaluate(
        "async (rules) => (await axe.run(document, {runOnly: rules})).violations"
        ".map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])", RULES)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
async def test_pages_meet_wcag_21_aa(server, launch, lang):
    browser = await launch()
    found = {}
    for username, paths in PAGES.items():
        context = await browser.new_context(bypass_csp=True)
        await context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
        page = await context.new_page()
        await page.goto(f"{server.url}/accounts/login/")
        found["/accounts/login/"] = await violations(page)
        await page.locator("#id_username").fill(username)
        await page.locator("#id_password").fill("summitry-demo-2021")
        await page.locator("main button[type=submit]").click()
        await page.wait_for_url(f"{server.url}/")
        for path in paths:
            await page.goto(f"{server.url}{path}")
            found[f"{username} {path}"] = await violations(page)
        await context.close()
    assert {k: v for k, v in found.items() if v} == {}
