"""The staff desk page in a real browser (the `browser` fixture: headless Chromium)."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from conftest import confirm_by_link


def submit_request(api_url: str, name: str) -> str:
    response = httpx.post(
        f"{api_url}/internal/requests",
        headers={"X-Internal-Token": os.environ["PRIVACYBOT_API__INTERNAL_TOKEN"]},
        json={
            "idempotency_key": uuid.uuid4().hex,
            "channel": "web",
            "kind": "correction",
            "requester_name": name,
            "contact_email": "page.test@example.com",
            "description": "My address changed. <script>alert('desc')</script>",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def test_staff_page_lists_a_new_request_and_shows_a_status_change_in_its_audit_trail(
    rasa_url, settings, browser, staff_user, screenshots, clinic_inbox
):
    api_url = settings.services.api_url
    name = "<img src=x onerror=alert(1)> Hanako"
    reference = submit_request(api_url, name)
    confirm_by_link(clinic_inbox, reference)

    context = browser.new_context(
        http_credentials={"username": staff_user[0], "password": staff_user[1]}
    )
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{api_url}/desk")
    row = page.locator(f"tr[data-reference='{reference}']")
    row.wait_for(timeout=10_000)
    assert name in row.inner_text()  # shown as text, not run as HTML
    row.click()
    page.locator("#detail-title").filter(has_text=reference).wait_for()
    assert "<script>" in page.locator("#detail-description").inner_text()
    page.get_by_role("button", name="Mark in progress").click()
    page.locator("#audit li").filter(has_text="received → in_progress").wait_for()
    trail = page.locator("#audit").inner_text()
    assert f"{staff_user[0]} · received → in_progress" in trail
    assert "e-mail confirmed: unconfirmed → received" in trail
    row.locator("td", has_text="in_progress").wait_for(timeout=10_000)  # the list refreshed
    page.screenshot(path=str(screenshots / "staff-desk.png"), full_page=True)
    assert dialogs == []
    context.close()


def test_staff_page_without_sign_in_is_refused(rasa_url, settings, browser):
    from playwright.sync_api import Error

    context = browser.new_context()
    url = f"{settings.services.api_url}/desk"
    with pytest.raises(Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
        context.new_page().goto(url)  # headless Chromium cannot show the sign-in prompt
    assert context.request.get(url).status == 401
    wrong = browser.new_context(http_credentials={"username": "desk.tester", "password": "no"})
    assert wrong.request.get(url).status == 401
    wrong.close()
    context.close()
