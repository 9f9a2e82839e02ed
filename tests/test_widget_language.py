"""The website chat widget in the clinic's languages: the page's data-lang, the switch in the
panel's header, the choice sent with every message and kept from page to page. A real browser
(the `browser` fixture: headless Chromium) against the running assistant; nothing mocked, the
requests the widget makes are only watched."""

from __future__ import annotations

import functools
import json
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import expect

from tests.test_widget import ServiceInThread

REPLY_MS = 30_000  # the first answers of a fresh assistant can take a while on a busy machine
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # kana and kanji
COOKIES_JA = "クッキーは何に使っていますか？"


def stored(page, service_url: str) -> dict:
    return json.loads(
        page.evaluate("key => sessionStorage.getItem(key)", f"privacybot-widget:{service_url}")
        or "null"
    )


def wording(service_url: str, language: str) -> dict[str, str]:
    """The widget's wording in `language`, as the service gives it to the widget."""
    config = httpx.get(f"{service_url}/chat/widget-config", params={"lang": language}).json()
    assert config["language"] == language
    return config["strings"]


def watch(page) -> dict[str, list]:
    """The messages the widget posted (their JSON bodies), the widget-config URLs it fetched,
    and errors in the console (a Content-Security-Policy violation is one)."""
    seen: dict[str, list] = {"messages": [], "configs": [], "errors": []}

    def request(request) -> None:
        if request.method == "POST" and request.url.endswith("/messages"):
            seen["messages"].append(request.post_data_json)
        elif "/chat/widget-config" in request.url:
            seen["configs"].append(request.url)

    def console(message) -> None:
        # The demo site has no favicon; the browser's 404 for it is not the widget's.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            seen["errors"].append(message.text)

    page.on("request", request)
    page.on("console", console)
    return seen


def ask(page, text: str):
    """Type and send `text` (whatever the widget's language); wait for the answer."""
    box = page.locator(".pb-input")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".pb-typing")).to_be_empty(timeout=REPLY_MS)
    expect(page.locator(".pb-msg--error")).to_have_count(0)


def expect_wording(page, strings: dict[str, str], language: str, title: str) -> None:
    """Every text of the widget's own is in `language`."""
    root = page.locator(".pb-root")
    expect(root).to_have_attribute("lang", language)
    expect(page.locator(".pb-launcher")).to_have_accessible_name(title)
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog.get_by_role("heading")).to_have_text(title)
    expect(page.locator(".pb-notice-text")).to_have_text(strings["notice"])
    box = page.get_by_role("textbox", name=strings["input_label"])
    expect(box).to_have_attribute("placeholder", strings["placeholder"])
    expect(page.get_by_role("button", name=strings["send"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=strings["clear"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=strings["close"], exact=True)).to_be_visible()
    switch = page.get_by_role("combobox", name=strings["language_label"])
    expect(switch).to_have_value(language)
    for speaker in page.locator(".pb-log .pb-speaker").all():
        names = "|".join(re.escape(strings[key]) for key in ("you", "assistant"))
        expect(speaker).to_have_text(re.compile(rf"^({names}): $"))


# ---- a clinic page in Japanese, on the clinic's own origin ----


@pytest.fixture(scope="module")
def japanese_page(settings, tmp_path_factory, wait_for, unused_port):
    """A page of the clinic's own website in Japanese (localhost, a port of its own), embedding
    the widget with `data-lang="ja"`; yields (page URL, service URL)."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    folder = tmp_path_factory.mktemp("japanese-site")
    site = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder))
    )
    origin = f"http://localhost:{site.server_address[1]}"
    threading.Thread(target=site.serve_forever, daemon=True).start()
    service = ServiceInThread(settings, folder, unused_port(), api={"allowed_origins": [origin]})
    service.start(wait_for)
    (folder / "index.html").write_text(
        "<!doctype html><html lang='ja'><head><meta charset='utf-8'>"
        "<title>クリニック</title></head><body><h1>当院について</h1>"
        f"<script src='{service.url}/widget.js' data-lang='ja' defer></script></body></html>",
        encoding="utf-8",
    )
    yield f"{origin}/index.html", service.url
    service.stop()
    site.shutdown()
    site.server_close()


def test_a_page_in_japanese_opens_the_widget_in_japanese(
    rasa_url, settings, browser, screenshots, japanese_page
):
    page_url, service = japanese_page
    ja = wording(service, "ja")
    assert all(JAPANESE.search(ja[key]) for key in ("title", "notice", "placeholder", "send"))
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    page.goto(page_url)
    expect(page.locator(".pb-root")).to_have_attribute("lang", "ja")
    page.get_by_role("button", name=ja["title"]).click()
    expect_wording(page, ja, "ja", ja["title"])
    expect(page.locator(".pb-notice-text")).to_contain_text(settings.clinic.name)
    switch = page.get_by_role("combobox", name=ja["language_label"])
    expect(switch.locator("option")).to_have_text(["English", "日本語"])
    expect(switch.locator("option[value='ja']")).to_have_attribute("lang", "ja")
    page.screenshot(path=str(screenshots / "widget-japanese-page.png"))
    assert seen["configs"] == [f"{service}/chat/widget-config?lang=ja"]
    assert stored(page, service)["language"] is None  # the page chose, not the patient
    assert seen["errors"] == []
    context.close()


def test_switching_to_japanese_rewords_the_widget_keeps_the_conversation_and_follows_the_patient(
    rasa_url, settings, browser, screenshots
):
    service = settings.services.api_url
    en, ja = wording(service, "en"), wording(service, "ja")
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{service}/demo")
    page.get_by_role("button", name="Privacy questions").click()
    expect_wording(page, en, "en", "Privacy questions")  # the page's data-title
    ask(page, "What cookies do you use?")
    log = page.get_by_role("log")
    expect(log.locator(".pb-msg")).to_have_count(2)
    conversation = stored(page, service)["conversationId"]

    switch = page.get_by_role("combobox", name="Language")
    expect(switch).to_be_visible()
    switch.select_option(label="日本語")
    expect_wording(page, ja, "ja", ja["title"])
    expect(page.get_by_role("button", name=ja["title"])).to_have_count(1)  # the launcher too
    # The conversation stays as it was written; only the names of the speakers changed.
    expect(log.locator(".pb-msg")).to_have_count(2)
    expect(log.locator(".pb-msg--patient .pb-text")).to_have_text("What cookies do you use?")
    expect(log.locator(".pb-msg--patient")).to_have_text(f"{ja['you']}: What cookies do you use?")
    expect(log.locator(".pb-msg--assistant")).to_contain_text("Section 5 (Cookies, etc.)")
    saved = stored(page, service)
    assert saved["language"] == "ja" and saved["conversationId"] == conversation
    page.screenshot(path=str(screenshots / "widget-switched-to-japanese.png"))

    with page.expect_request(
        lambda request: request.method == "POST" and request.url.endswith("/messages")
    ) as sent:
        ask(page, "Who can see my medical records?")
    assert sent.value.post_data_json == {
        "text": "Who can see my medical records?",
        "language": "ja",
    }
    expect(log.locator(".pb-msg")).to_have_count(4)
    assert stored(page, service)["conversationId"] == conversation

    # The next page: the widget opens again (it was open), in Japanese, with the conversation.
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Access").click()
    page.wait_for_url(f"{service}/demo/access")
    expect(page.get_by_role("log")).to_be_visible()
    expect_wording(page, ja, "ja", ja["title"])
    expect(page.get_by_role("log").locator(".pb-msg")).to_have_count(4)
    expect(page.get_by_role("log")).to_contain_text("Who can see my medical records?")
    assert seen["configs"][-1] == f"{service}/chat/widget-config?lang=ja"
    page.screenshot(path=str(screenshots / "widget-japanese-next-page.png"))

    # And back to English: the page's own title again, and the next message says so.
    page.get_by_role("combobox", name=ja["language_label"]).select_option("en")
    expect_wording(page, en, "en", "Privacy questions")
    ask(page, "What cookies do you use?")
    assert stored(page, service)["language"] == "en"
    assert [message.get("language") for message in seen["messages"]] == ["en", "ja", "en"]
    assert seen["errors"] == []
    context.close()


def test_the_language_switch_is_reachable_and_operable_by_keyboard(rasa_url, settings, browser):
    service = settings.services.api_url
    en, ja = wording(service, "en"), wording(service, "ja")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{service}/demo")
    page.get_by_role("button", name="Privacy questions").focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Your question")
    expect(box).to_be_focused()

    # Back from the question box, through the panel, to the switch: a handful of steps.
    expect(page.get_by_role("combobox", name="Language")).to_be_visible()
    switch = page.locator("#pb-language")  # its name changes with the language
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        if switch.evaluate("node => node === document.activeElement"):
            break
    expect(switch).to_be_focused()
    assert switch.evaluate("node => getComputedStyle(node).outlineStyle") == "solid"  # visible

    page.keyboard.press("ArrowDown")  # the next language, as a closed <select> does
    expect_wording(page, ja, "ja", ja["title"])
    expect(switch).to_be_focused()  # the switch is kept, not re-made: focus stays
    assert stored(page, service)["language"] == "ja"
    page.keyboard.press("ArrowUp")
    expect_wording(page, en, "en", "Privacy questions")
    expect(switch).to_be_focused()

    page.keyboard.press("Tab")  # on to "clear", and Escape still closes the panel
    expect(page.get_by_role("button", name="Clear conversation")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator(".pb-launcher")).to_be_focused()
    context.close()


def test_a_japanese_question_in_the_japanese_widget_gets_a_japanese_answer_citing_section_5(
    rasa_url, settings, browser, screenshots, japanese_page
):
    page_url, service = japanese_page
    ja = wording(service, "ja")
    context = browser.new_context()
    page = context.new_page()
    page.goto(page_url)
    page.get_by_role("button", name=ja["title"]).click()
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith("/messages")
    ) as answered:
        ask(page, COOKIES_JA)
    assert answered.value.request.post_data_json == {"text": COOKIES_JA, "language": "ja"}
    page.screenshot(path=str(screenshots / "widget-japanese-answer.png"))
    replies = answered.value.json()["replies"]
    answers = [r for r in replies if r["custom"].get("outcome") == "answer"]
    assert answers, [(r["custom"].get("outcome"), r["text"]) for r in replies]
    answer = answers[0]
    lead = answer["custom"].get("lead") or answer["text"].split("\n", 1)[0]
    assert JAPANESE.search(lead), lead
    assert 5 in answer["custom"]["sections"]
    assert 5 in [citation["section"] for citation in answer["custom"]["citations"]]
    shown = page.locator(".pb-msg--assistant").last
    expect(shown.locator(".pb-text")).to_contain_text(lead.strip())
    expect(shown.locator("details.pb-citation summary")).to_have_count(
        len(answer["custom"]["citations"])
    )
    context.close()
