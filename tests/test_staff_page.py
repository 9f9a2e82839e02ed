"""The staff desk page in a real browser (the `browser` fixture: headless Chromium)."""

from __future__ import annotations

import os
import re
import uuid

import httpx
import pytest
from conftest import browser_problems, confirm_by_link
from playwright.sync_api import expect


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


def test_staff_work_a_request_through_the_desk_and_the_patient_hears_of_each_step(
    rasa_url, settings, browser, staff_user, screenshots, clinic_inbox, wait_for
):
    api_url = settings.services.api_url
    reference = submit_request(api_url, "Desk Workflow")
    confirm_by_link(clinic_inbox, reference)

    def to_patient(subject_part: str) -> list:
        return [
            m
            for m in list(clinic_inbox.messages)
            if m["To"] == "page.test@example.com"
            and reference in m["Subject"]
            and subject_part in m["Subject"]
        ]

    context = browser.new_context(
        http_credentials={"username": staff_user[0], "password": staff_user[1]},
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    # The desk API's refusals below (completing before the identity check, a reply still
    # marked [[...]]) are meant, and shown to staff.
    problems = browser_problems(
        context, meant=lambda r: r.status in (409, 422) and "/desk/api/" in r.url
    )
    page.goto(f"{api_url}/desk")
    page.locator(f"tr[data-reference='{reference}']").click()
    page.locator("#detail-title").filter(has_text=reference).wait_for()
    audit = page.locator("#audit")

    page.locator("#assignee").select_option(staff_user[0])
    page.get_by_role("button", name="Assign").click()
    audit.get_by_text(f"assigned: nobody → {staff_user[0]}").wait_for()
    page.locator("#filters select[name=assignee]").select_option("me")
    page.get_by_role("button", name="Filter").click()
    page.locator(f"tr[data-reference='{reference}'] td", has_text=staff_user[0]).wait_for()

    page.get_by_label("Internal note (colleagues only)").fill("Patient phoned; ID on Monday.")
    page.get_by_role("button", name="Add note").click()
    page.locator("#messages li.note", has_text="Patient phoned").wait_for()

    page.get_by_role("button", name="Mark in progress").click()
    audit.get_by_text("received → in_progress").wait_for()
    page.get_by_role("button", name="Mark completed").click()  # no identity check yet
    page.locator("#action-error").get_by_text("identity").wait_for()
    page.locator("#identity-method").select_option(index=0)
    page.get_by_label("Identity check note").fill("driving licence")
    page.get_by_role("button", name="Record identity check").click()
    audit.get_by_text("identity checked:").wait_for()

    page.locator("#reply-template").select_option("done")
    page.get_by_role("button", name="Use template").click()
    reply = page.get_by_label("Reply to the patient (e-mailed, and shown on their status page)")
    expect(reply).to_have_value(re.compile(r"\[\["))  # the template, with what to write in
    page.get_by_role("button", name="Send to the patient").click()
    page.locator("#action-error").get_by_text("write in what is still marked").wait_for()
    drafted = reply.input_value()
    reply.fill(drafted.split("[[")[0] + "Your new address is now in our records.")
    page.get_by_role("button", name="Send to the patient").click()
    page.locator("#messages li.reply", has_text="Your new address").wait_for()
    page.get_by_role("button", name="Mark completed").click()
    audit.get_by_text("in_progress → completed").wait_for()
    page.screenshot(path=str(screenshots / "staff-desk-workflow.png"), full_page=True)
    # The record for the clinic's files, as it prints: no button, the whole trail.
    with context.expect_page() as opened:
        page.get_by_role("link", name="Printable record").click()
    record = opened.value
    record.wait_for_load_state()
    record.emulate_media(media="print")
    assert not record.get_by_role("button", name="Print or save as PDF").is_visible()
    trail = record.inner_text("table.trail")
    assert "identity_checked" in trail and "in_progress → completed" in trail
    assert "Your new address is now in our records." in record.inner_text("body")
    record.screenshot(path=str(screenshots / "request-record-print.png"), full_page=True)
    assert problems == []
    context.close()

    # The patient heard of each step: in progress, the reply, completed; never the note.
    assert wait_for(lambda: len(to_patient("update")) == 2 and to_patient("message"), timeout=20)
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in clinic_inbox.messages]
    assert any("Your new address is now in our records." in t for t in texts)
    assert not any("Patient phoned" in t for t in texts)


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
