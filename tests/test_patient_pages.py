"""The pages a patient's e-mail links to, in a real browser (headless Chromium), on a phone's
width: confirming the request, then following it on the status page."""

from __future__ import annotations

import re

from conftest import acknowledgment_in, browser_problems
from test_staff_page import submit_request


def test_a_patient_confirms_and_follows_their_request_on_a_phone(
    rasa_url, settings, browser, clinic_inbox, screenshots
):
    reference = submit_request(settings.services.api_url, "Keiko Mori")
    mail = acknowledgment_in(clinic_inbox, reference)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    confirm = re.search(r"http://\S+/requests/confirm/\S+", text)[0]
    status = re.search(r"http://\S+/requests/status/\S+", text)[0]

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    # The page itself may answer 404 on purpose (a wrong e-mail address).
    problems = browser_problems(context, meant=lambda r: r.request.resource_type == "document")
    page.goto(confirm)
    assert reference in page.inner_text("main")
    button = page.get_by_role("button", name="Yes, I made this request")
    assert button.bounding_box()["width"] <= 390
    page.screenshot(path=str(screenshots / "confirm-request-390.png"), full_page=True)
    button.click()
    page.get_by_text("has been passed to the clinic").wait_for()
    page.reload()  # the browser asks to send the form again: it finds it confirmed
    page.get_by_text("already confirmed").wait_for()

    page.goto(status)
    assert reference not in page.inner_text("main")
    page.get_by_label("e-mail address you used").fill("someone.else@example.com")
    page.get_by_role("button", name="Show my request").click()
    page.get_by_text("does not match this request").wait_for()
    page.get_by_label("e-mail address you used").fill("page.test@example.com")
    page.get_by_role("button", name="Show my request").click()
    page.get_by_text("E-mail address confirmed").wait_for()
    shown = page.inner_text("main")
    assert reference in shown and "received by the clinic" in shown and "Answer due by" in shown
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "request-status-390.png"), full_page=True)
    assert problems == []  # no CSP violation, no missing file
    context.close()
