"""The measure's status select on the programme page (issue 17, 3): it was cut to its column, its
longest option unreadable. At 390 and 1280 px every select shows its widest option whole and stays
on screen, in every language."""

from __future__ import annotations

import pytest

DEMO_PASSWORD = "demo-password-2023"
PROGRAMME = "/w/henkilostoohjelma-2023-2025/programme"


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("locale", ("fi-FI", "sv-SE", "en-GB"))
def test_the_status_select_is_not_cut(browser, live_server, sign_in, width, locale):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "hr@demo.ideaspace.fi", DEMO_PASSWORD)
        page.goto(live_server.url + PROGRAMME)
        selects = page.locator(".programme-measures select")
        assert selects.count() > 0
        problems = selects.evaluate_all(
            """selects => selects.flatMap(select => {
                // What the select needs: the same select, sized to its widest option by the browser.
                const box = select.getBoundingClientRect();
                const probe = select.cloneNode(true);
                probe.removeAttribute("id");
                probe.style.cssText = "position:absolute;visibility:hidden;width:auto;max-width:none";
                document.body.appendChild(probe);
                const needed = probe.getBoundingClientRect().width;
                probe.remove();
                const out = [];
                if (box.width + 1 < needed) out.push(`${select.id}: ${box.width} of ${needed} px`);
                if (box.right > window.innerWidth) out.push(`${select.id}: ends at ${box.right} px`);
                return out;
            })"""
        )
        assert not problems, problems
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the programme page scrolls sideways by {overflow} px"
    finally:
        context.close()
