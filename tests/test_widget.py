"""The website chat widget: served by the service, embedded in its demo clinic pages, and used
in a real browser (the `browser` fixture: headless Chromium) against the running assistant."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

REPLY_MS = 30_000  # the first answers of a fresh assistant can take a while on a busy machine
XSS = "<img src=x onerror=alert(1)>"


def storage_key(service_url: str) -> str:
    return f"privacybot-widget:{service_url}"


def stored(page, service_url: str) -> dict:
    return json.loads(
        page.evaluate("key => sessionStorage.getItem(key)", storage_key(service_url)) or "null"
    )


def watch(page) -> dict[str, list]:
    """What the page did that a test wants to know about: dialogs (script run), requests, and
    errors in the console (a Content-Security-Policy violation is one)."""
    seen: dict[str, list] = {"dialogs": [], "requests": [], "errors": []}

    def console(message) -> None:
        # The demo site has no favicon; the browser's 404 for it is not the widget's.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            seen["errors"].append(message.text)

    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", console)
    return seen


def open_widget(page):
    page.get_by_role("button", name="Privacy questions").click()
    expect(page.get_by_role("dialog", name="Privacy questions")).to_be_visible()


def ask(page, text: str, *, may_fail: bool = False):
    """Type and send `text`; wait until the assistant has answered (or the widget gave up)."""
    box = page.get_by_role("textbox", name="Your question")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".pb-typing")).to_be_empty(timeout=REPLY_MS)
    if not may_fail:
        expect(page.locator(".pb-msg--error")).to_have_count(0)


def test_widget_files_and_wording_are_served(settings, tmp_path):
    from privacybot.api.app import create_app

    scratch = settings.model_copy(
        update={
            "database": settings.database.model_copy(update={"url": f"sqlite:///{tmp_path}/d.db"})
        }
    )
    with TestClient(create_app(scratch)) as client:
        script = client.get("/widget.js")
        style = client.get("/widget.css")
        config = client.get("/chat/widget-config", params={"lang": "en"}).json()
        unknown = client.get("/chat/widget-config", params={"lang": "xx"}).json()
        demo = client.get("/demo")
        assert client.get("/demo/access").status_code == 200
        assert client.get("/demo/static/demo.css").headers["content-type"].startswith("text/css")
        assert client.get("/demo/secrets").status_code == 404
        assert client.get("/demo/static/widget.js").status_code == 404
        paths = client.get("/openapi.json").json()["paths"]
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text and "eval(" not in script.text
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert demo.headers["content-type"].startswith("text/html")
    assert demo.headers["content-security-policy"].startswith("default-src 'self'")
    assert demo.text.count("<script") == 1 and "style=" not in demo.text
    assert config["language"] == "en" and unknown["language"] == settings.clinic.languages[0]
    assert config["clinic_name"] == settings.clinic.name
    assert config["contact_email"] == str(settings.clinic.contact_email)
    assert config["max_message_chars"] == 2000
    strings = config["strings"]
    assert strings["clear"] == "Clear conversation" and strings["typing"]
    assert settings.clinic.name in strings["notice"] and "medical details" in strings["notice"]
    assert "2000" in strings["error_too_long"]
    assert "/chat/widget-config" in paths
    assert not {"/widget.js", "/widget.css", "/demo", "/demo/{page}"} & set(paths)


def test_a_patient_asks_clicks_a_button_and_finds_the_conversation_on_the_next_page(
    rasa_url, settings, browser, screenshots
):
    service = settings.services.api_url
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{service}/demo")
    open_widget(page)
    notice = page.locator(".pb-notice")
    expect(notice).to_contain_text("medical details")
    expect(notice.locator(f"a[href='mailto:{settings.clinic.contact_email}']")).to_be_visible()

    ask(page, "What cookies do you use?")
    answer = page.locator(".pb-msg--assistant").last
    expect(answer).to_contain_text("Section 5 (Cookies, etc.)")
    citation = answer.locator("details.pb-citation")
    expect(citation.locator("summary")).to_have_text("Section 5 (Cookies, etc.)")
    passage = citation.locator(".pb-passage").first
    expect(passage).to_be_hidden()
    citation.locator("summary").click()
    expect(passage).to_be_visible()
    expect(passage).to_contain_text("cookies")

    ask(page, "How do I get my data deleted?")
    offer = page.get_by_role("button", name="Yes, make a request")
    offer.click()
    expect(page.locator(".pb-msg--patient").last).to_have_text("You: Yes, make a request")
    kind = page.get_by_role("button", name="Delete my data")
    kind.wait_for(timeout=REPLY_MS)
    expect(offer).to_be_disabled()  # an answered question's buttons are history
    kind.click()
    expect(page.locator(".pb-msg--assistant").last).to_contain_text(
        "What name does the clinic know you by", timeout=REPLY_MS
    )
    page.screenshot(path=str(screenshots / "widget-demo.png"))
    conversation = stored(page, service)["conversationId"]

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Access").click()
    page.wait_for_url(f"{service}/demo/access")
    log = page.get_by_role("log")
    expect(log).to_be_visible()  # it was open, so it opens again on the next page
    expect(log).to_contain_text("What cookies do you use?")
    expect(log.locator("summary", has_text="Section 5 (Cookies, etc.)")).to_have_count(1)
    expect(log.locator(".pb-msg--assistant").last).to_contain_text(
        "What name does the clinic know you by"
    )
    expect(page.get_by_role("button", name="Delete my data")).to_be_disabled()
    ask(page, "cancel")
    expect(log.locator(".pb-msg--assistant").last).to_contain_text("nothing was stored")
    assert stored(page, service)["conversationId"] == conversation

    ask(page, XSS)
    expect(log.locator(".pb-msg--patient").last.locator(".pb-text")).to_have_text(XSS)
    assert page.locator(".pb-root img").count() == 0
    page.screenshot(path=str(screenshots / "widget-demo-access.png"))
    assert seen["dialogs"] == []
    assert seen["errors"] == []
    origin = urlsplit(service)
    assert {urlsplit(url)[:2] for url in seen["requests"]} == {origin[:2]}
    assert f"{service}/chat/widget-config?lang=en" in seen["requests"]
    context.close()


def test_the_widget_is_usable_by_keyboard_and_announces_new_messages(
    rasa_url, settings, browser, screenshots
):
    context = browser.new_context(viewport={"width": 390, "height": 740})  # a phone
    page = context.new_page()
    page.goto(f"{settings.services.api_url}/demo")
    expect(page.locator(".pb-notice-text")).to_be_hidden()  # the panel is closed
    page.get_by_role("button", name="Privacy questions").focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Your question")
    expect(box).to_be_focused()
    launcher = page.locator(".pb-launcher")  # on a phone it steps aside while the panel is open
    expect(launcher).to_have_attribute("aria-expanded", "true")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(box).to_have_attribute("maxlength", "2000")

    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("Who can see my medical records?")
    page.keyboard.press("Enter")
    expect(page.locator(".pb-typing")).to_be_empty(timeout=REPLY_MS)
    question = log.locator(".pb-msg--patient .pb-text").last
    expect(question).to_have_text("first line\nWho can see my medical records?")
    assert question.evaluate("node => getComputedStyle(node).whiteSpace") == "pre-wrap"
    expect(log.locator(".pb-msg--assistant")).to_have_count(1)
    expect(box).to_have_value("")
    # The notice, read before writing, folds to its summary; a tap opens it again.
    notice = page.locator(".pb-notice")
    expect(notice).not_to_have_attribute("open", "")
    expect(page.locator(".pb-notice-text")).to_be_hidden()
    page.locator(".pb-notice-summary").click()
    expect(page.locator(".pb-notice-text")).to_be_visible()
    # A long answer reads on a phone: no line wider than the panel.
    answer = log.locator(".pb-msg--assistant .pb-text").last
    assert answer.evaluate("node => node.scrollWidth <= node.clientWidth + 1")
    page.screenshot(path=str(screenshots / "widget-phone-answer.png"), full_page=True)
    box.focus()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")  # open again, and go to the site's next page
    page.goto(f"{settings.services.api_url}/demo/access")
    expect(page.get_by_role("button", name="Privacy questions")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()  # on a phone it would hide the new page
    page.get_by_role("button", name="Privacy questions").click()
    expect(page.get_by_role("log").locator(".pb-msg")).to_have_count(2)
    context.close()


def test_clearing_starts_a_new_conversation_and_forgets_the_old_one(rasa_url, settings, browser):
    service = settings.services.api_url
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{service}/demo")
    open_widget(page)
    ask(page, "What cookies do you use?")
    log = page.get_by_role("log")
    expect(log.locator(".pb-msg")).to_have_count(2)
    first = stored(page, service)["conversationId"]

    page.get_by_role("button", name="Clear conversation").click()
    expect(log.locator(".pb-msg")).to_have_count(0)
    assert stored(page, service)["history"] == []
    assert stored(page, service)["conversationId"] is None
    ask(page, "How do you use my personal information?")
    expect(log.locator(".pb-msg--assistant")).to_have_count(1)
    assert stored(page, service)["conversationId"] not in (None, first)
    page.reload()  # the panel was open: it opens again with the new conversation
    expect(page.get_by_role("log").locator(".pb-msg")).to_have_count(2)
    context.close()


def test_asking_to_forget_the_conversation_empties_the_widget_too(rasa_url, settings, browser):
    service = settings.services.api_url
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{service}/demo")
    open_widget(page)
    ask(page, "Who can see my medical records?")
    log = page.get_by_role("log")
    expect(log.locator(".pb-msg")).to_have_count(2)
    ask(page, "please delete this conversation")
    # Only the confirmation is left: the question, its answer and the request are gone.
    expect(log.locator(".pb-msg")).to_have_count(1)
    expect(log.locator(".pb-msg--assistant")).to_contain_text("deleted")
    saved = stored(page, service)
    assert saved["conversationId"] is None and len(saved["history"]) == 1
    ask(page, "What cookies do you use?")  # a new conversation
    assert stored(page, service)["conversationId"] is not None
    context.close()


def test_a_conversation_the_service_no_longer_knows_is_replaced_without_a_word(
    rasa_url, settings, browser
):
    service = settings.services.api_url
    forged = "web-forgotten.0123456789abcdef01234567"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{service}/demo")
    page.evaluate(
        "([key, id]) => sessionStorage.setItem(key, JSON.stringify("
        "{conversationId: id, history: [], open: true}))",
        [storage_key(service), forged],
    )
    page.reload()
    ask(page, "What cookies do you use?")
    expect(page.locator(".pb-msg--assistant")).to_contain_text("Section 5 (Cookies, etc.)")
    expect(page.locator(".pb-msg--error")).to_have_count(0)
    assert stored(page, service)["conversationId"] not in (None, forged)
    context.close()


class ServiceInThread:
    """Another instance of the real service, in a thread on a port of its own, with some
    settings changed (`services`/`api` fields) and a scratch database."""

    def __init__(self, settings, tmp_path, port: int, services=None, api=None) -> None:
        import uvicorn

        from privacybot.api.app import create_app

        changed = settings.model_copy(
            update={
                "services": settings.services.model_copy(update=services or {}),
                "api": settings.api.model_copy(update=api or {}),
                "database": settings.database.model_copy(
                    update={"url": f"sqlite:///{tmp_path}/service.db"}
                ),
            }
        )
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(changed), host="127.0.0.1", port=self.port, log_level="warning"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, wait_for) -> None:
        self.thread.start()
        assert wait_for(lambda: self.server.started, 30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture()
def service_without_rasa(settings, tmp_path, wait_for, unused_port):
    """The service with Rasa nowhere to be found: 503 on every message."""
    service = ServiceInThread(
        settings, tmp_path, unused_port(), services={"rasa_port": unused_port()}
    )
    service.start(wait_for)
    yield service
    service.stop()


@pytest.fixture()
def clinic_site(tmp_path):
    """The clinic's own website on another origin (localhost, a port of its own), whose page
    embeds the widget with one tag pointing at `clinic_site.service_url`."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    server.folder = site
    server.origin = f"http://localhost:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_widget_works_on_the_clinics_own_site_when_the_service_allows_it(
    rasa_url, settings, browser, clinic_site, tmp_path, wait_for, unused_port
):
    service = ServiceInThread(
        settings, tmp_path, unused_port(), api={"allowed_origins": [clinic_site.origin]}
    )
    service.start(wait_for)
    (clinic_site.folder / "index.html").write_text(
        "<!doctype html><html lang='en'><head><title>Clinic</title></head><body>"
        "<h1>Our clinic</h1>"
        f"<script src='{service.url}/widget.js' data-lang='en' "
        "data-title='Privacy questions' defer></script></body></html>"
    )
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{clinic_site.origin}/index.html")
    open_widget(page)
    expect(page.locator(".pb-notice")).to_contain_text(settings.clinic.name)  # config came
    ask(page, "What cookies do you use?")
    expect(page.locator(".pb-msg--assistant").last).to_contain_text("Section 5 (Cookies, etc.)")
    assert stored(page, service.url)["history"][0]["text"] == "What cookies do you use?"
    assert seen["errors"] == []
    context.close()
    service.stop()


def test_refusals_and_failures_are_shown_and_the_typed_text_is_kept(
    service_without_rasa, settings, browser
):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{service_without_rasa.url}/demo")
    open_widget(page)
    box = page.get_by_role("textbox", name="Your question")
    log = page.get_by_role("log")

    box.evaluate("node => node.removeAttribute('maxlength')")  # as an old browser might
    too_long = "x" * 2001
    ask(page, too_long, may_fail=True)
    expect(log.locator(".pb-msg--error").last).to_contain_text("at most 2000 characters")
    expect(box).to_have_value(too_long)

    ask(page, "Who sees my records?", may_fail=True)
    error = log.locator(".pb-msg--error").last
    expect(error).to_contain_text("temporarily unavailable")
    expect(error).to_contain_text(str(settings.clinic.contact_email))
    expect(box).to_have_value("Who sees my records?")
    expect(log.locator(".pb-msg--patient")).to_have_count(0)

    service_without_rasa.stop()
    ask(page, "Who sees my records?", may_fail=True)
    expect(log.locator(".pb-msg--error").last).to_contain_text(
        "Could not reach the clinic's assistant"
    )
    expect(box).to_have_value("Who sees my records?")
    context.close()
