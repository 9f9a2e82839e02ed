/* The clinic's privacy-questions chat widget. A page embeds it with one tag:

     <script src="https://<service>/widget.js" data-service-url="" data-lang="en"
             data-title="Privacy questions" defer></script>

   data-service-url: where the service answers (empty: where this script came from);
   data-lang: the wording's language at first (the page's own lang when absent); data-title: the
   panel's title, in that language (other languages use the service's title).

   When the clinic offers more than one language, the panel's header has a switch between them.
   The patient's choice re-words the widget, goes with every message as a hint for the
   assistant, and is kept with the conversation, so it follows the patient from page to page.

   It talks to the service's web chat (/chat/...), takes its wording from
   /chat/widget-config, and keeps the conversation id and what it showed in sessionStorage,
   so the conversation follows the patient from page to page. Everything the patient or the
   assistant wrote goes into the page as text (textContent), never as HTML. Styles come only
   from widget.css; nothing here sets a style attribute, so a strict Content-Security-Policy
   holds. */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || document.querySelector(".pb-root")) return;

  const scriptUrl = new URL(script.src, document.baseURI);
  const configuredUrl = script.dataset.serviceUrl;
  const serviceUrl = (configuredUrl ? new URL(configuredUrl, document.baseURI) : new URL(".", scriptUrl))
    .href.replace(/\/+$/, "");
  // "en-US" asks for "en": the service's languages are plain codes.
  const pageLanguage = script.dataset.lang || document.documentElement.lang || "en";
  const requestedLanguage = pageLanguage.trim().split(/[-_]/)[0].toLowerCase() || "en";
  const storageKey = "privacybot-widget:" + serviceUrl;
  const CONFIG_TIMEOUT_MS = 5000;

  // Used when /chat/widget-config cannot be reached; the service's catalogue is the source.
  const FALLBACK_STRINGS = {
    language_label: "Language",
    title: "Privacy questions",
    notice_summary: "About this chat",
    notice: "Answers quote the clinic's privacy policy. Please don't type medical details (symptoms, diagnoses, medicines) here.",
    policy_link: "Read the clinic's privacy policy",
    policy_ask: "To receive the full privacy policy, write to",
    input_label: "Your question",
    placeholder: "Type your question…",
    send: "Send",
    clear: "Clear conversation",
    close: "Close",
    you: "You",
    assistant: "Assistant",
    typing: "The assistant is typing…",
    error_unreachable: "Could not reach the clinic's assistant. Please check your connection and try again; your message is back in the box.",
    error_unavailable: "The assistant is temporarily unavailable. Please try again in a moment.",
    error_too_long: "That message could not be sent: it is too long.",
    error_other: "Sorry, something went wrong sending your message. Please try again.",
    error_language: "The language could not be changed just now. Please try again.",
    feedback_prompt: "Was this answer helpful?",
    feedback_up: "Yes, helpful",
    feedback_down: "No, not helpful",
    feedback_missing: "What was missing? (optional; please don't type personal details)",
    feedback_send: "Send feedback",
    feedback_thanks: "Thank you for your feedback.",
    feedback_error: "Your feedback could not be sent. Please try again.",
  };
  const FALLBACK_MAX_CHARS = 2000;

  class ChatError extends Error {}

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- what is kept between pages ----

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
      if (saved && Array.isArray(saved.history)) {
        return {
          conversationId: typeof saved.conversationId === "string" ? saved.conversationId : null,
          history: saved.history.filter((entry) => entry && typeof entry.text === "string"),
          open: saved.open === true,
          // The language the patient chose with the switch; null: the page's (data-lang).
          language: typeof saved.language === "string" ? saved.language : null,
        };
      }
    } catch (blockedOrCorrupt) {
      // Storage disabled or unreadable: start afresh.
    }
    return { conversationId: null, history: [], open: false, language: null };
  }

  function saveState(state) {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (blockedOrFull) {
      // The chat still works; it just won't follow the patient to the next page.
    }
  }

  // ---- talking to the service ----

  // The wording and clinic details in `language` (the service picks its first language for one
  // it does not have, and says which in `language`); null when the service cannot be reached.
  async function fetchConfig(language) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CONFIG_TIMEOUT_MS);
    try {
      const response = await fetch(
        serviceUrl + "/chat/widget-config?lang=" + encodeURIComponent(language),
        { signal: controller.signal },
      );
      if (!response.ok) return null;
      const config = await response.json();
      return config && typeof config === "object" ? config : null;
    } catch (unreachable) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  function entryFromReply(reply) {
    const custom = reply.custom && typeof reply.custom === "object" ? reply.custom : {};
    const citations = Array.isArray(custom.citations) ? custom.citations : [];
    return {
      role: "assistant",
      text: typeof reply.text === "string" ? reply.text : "",
      // The answer can be rated (👍/👎) under this id; `rated` once the patient has.
      feedbackId: typeof reply.feedback_id === "string" ? reply.feedback_id : null,
      rated: null,
      buttons: (Array.isArray(reply.buttons) ? reply.buttons : [])
        .filter((button) => button && typeof button.title === "string")
        .map((button) => ({
          title: button.title,
          payload: typeof button.payload === "string" ? button.payload : button.title,
        })),
      citations: citations
        .filter((citation) => citation && typeof citation.label === "string")
        .map((citation) => ({
          label: citation.label,
          passages: (Array.isArray(citation.passages) ? citation.passages : [])
            .map((passage) => passage && passage.text)
            .filter((text) => typeof text === "string"),
        })),
    };
  }

  // The patient's vote on an answer: true when it is stored (or was already).
  async function rateAnswer(answerId, vote, comment) {
    const body = comment ? { vote, comment } : { vote };
    try {
      const response = await fetch(
        serviceUrl + "/chat/answers/" + encodeURIComponent(answerId) + "/feedback",
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
      );
      return response.status === 204 || response.status === 409;
    } catch (networkFailure) {
      return false;
    }
  }

  // A 422 about the language hint rather than the text (the clinic stopped offering it).
  async function rejectsLanguage(response) {
    const body = await response.clone().json().catch(() => ({}));
    return (
      Array.isArray(body.detail) &&
      body.detail.some((item) => item && Array.isArray(item.loc) && item.loc.includes("language"))
    );
  }

  function createChat(strings) {
    async function post(path, body) {
      try {
        return await fetch(serviceUrl + path, {
          method: "POST",
          headers: body === undefined ? {} : { "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (networkFailure) {
        throw new ChatError(strings.error_unreachable);
      }
    }

    async function failure(response) {
      // The service words these itself: assistant down (with the clinic's contact), too many
      // messages at once.
      if (response.status === 503 || response.status === 429) {
        const body = await response.json().catch(() => ({}));
        if (typeof body.detail === "string") return new ChatError(body.detail);
        return new ChatError(response.status === 503 ? strings.error_unavailable : strings.error_other);
      }
      if (response.status === 422) return new ChatError(strings.error_too_long);
      return new ChatError(strings.error_other);
    }

    async function startConversation() {
      const response = await post("/chat/conversations");
      if (response.status !== 201) throw await failure(response);
      return (await response.json()).conversation_id;
    }

    // The assistant's replies to `text` in the conversation (a new one when there is none),
    // with the patient's `language` as a hint: {conversationId, replies, forgotten}. A
    // conversation the service no longer knows (it restarted) is replaced by a new one and the
    // message sent once more; so is a language the service refuses, without the hint.
    return async function deliver(text, conversationId, language) {
      let hint = language || null;
      let replaced = false;
      for (;;) {
        if (!conversationId) conversationId = await startConversation();
        const response = await post(
          "/chat/conversations/" + encodeURIComponent(conversationId) + "/messages",
          hint ? { text, language: hint } : { text },
        );
        if (response.ok) {
          const turn = await response.json();
          const replies = (Array.isArray(turn.replies) ? turn.replies : [])
            .map(entryFromReply)
            .filter((entry) => entry.text || entry.buttons.length);
          return { conversationId, replies, forgotten: turn.forgotten === true };
        }
        if (response.status === 404 && !replaced) {
          replaced = true;
          conversationId = null;
          continue;
        }
        if (response.status === 422 && hint && (await rejectsLanguage(response))) {
          hint = null;
          continue;
        }
        throw await failure(response);
      }
    };
  }

  // ---- the launcher and the panel ----

  function mount(state, config) {
    const strings = { ...FALLBACK_STRINGS }; // re-worded in place when the language changes
    let language = state.language || requestedLanguage; // sent with every message
    let shownLanguage = "en"; // the wording's: the fallback wording is English
    let languages = []; // [{code, name}]: the clinic's, offered by the switch
    let shownLanguages = ""; // the switch's options, to rebuild them only when they change
    let maxChars = FALLBACK_MAX_CHARS;
    let policyUrl = "";
    let contactEmail = "";
    const deliver = createChat(strings);

    function applyConfig(next) {
      Object.assign(strings, FALLBACK_STRINGS);
      for (const [key, value] of Object.entries(next.strings || {})) {
        if (typeof value === "string") strings[key] = value;
      }
      if (typeof next.language === "string") {
        language = next.language;
        shownLanguage = next.language;
      }
      languages = (Array.isArray(next.languages) ? next.languages : []).filter(
        (option) => option && typeof option.code === "string" && typeof option.name === "string",
      );
      if (Number.isInteger(next.max_message_chars)) maxChars = next.max_message_chars;
      policyUrl = typeof next.policy_url === "string" ? next.policy_url : "";
      contactEmail = typeof next.contact_email === "string" ? next.contact_email : "";
    }

    const root = el("div", "pb-root");

    const launcher = el("button", "pb-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "pb-panel");
    const launcherIcon = el("span", "pb-launcher-icon");
    launcherIcon.setAttribute("aria-hidden", "true");
    const launcherText = el("span", "pb-launcher-text");
    launcher.append(launcherIcon, launcherText);

    const panel = el("section", "pb-panel");
    panel.id = "pb-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "pb-title");

    // Title and close on the first row, the language switch and "clear" on the second: the
    // order of the page is the order of the eye.
    const header = el("div", "pb-header");
    const heading = el("h2", "pb-title");
    heading.id = "pb-title";
    const closeButton = el("button", "pb-close", "×");
    closeButton.type = "button";
    const tools = el("div", "pb-tools");
    const languageBox = el("div", "pb-language");
    const languageLabel = el("label", "pb-sr-only");
    languageLabel.htmlFor = "pb-language";
    const languageSelect = el("select", "pb-language-select");
    languageSelect.id = "pb-language";
    languageBox.append(languageLabel, languageSelect);
    const clearButton = el("button", "pb-clear");
    clearButton.type = "button";
    tools.append(languageBox, clearButton);
    header.append(heading, closeButton, tools);

    // The notice is open until the patient has read it and written: then it folds to its
    // summary line, which opens it again (the answers need the room on a phone).
    const notice = el("details", "pb-notice");
    notice.open = state.history.length === 0;

    const log = el("div", "pb-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-labelledby", "pb-title");
    log.tabIndex = 0; // it scrolls: keyboard users must be able to reach it

    const typing = el("p", "pb-typing");
    typing.setAttribute("role", "status");

    const form = el("form", "pb-form");
    const label = el("label", "pb-sr-only");
    label.htmlFor = "pb-input";
    const input = el("textarea", "pb-input");
    input.id = "pb-input";
    input.rows = 2;
    input.setAttribute("enterkeyhint", "send");
    const sendButton = el("button", "pb-send");
    sendButton.type = "submit";
    form.append(label, input, sendButton);

    panel.append(header, notice, log, typing, form);
    root.append(panel, launcher);

    function renderNotice() {
      const lines = [
        el("summary", "pb-notice-summary", strings.notice_summary),
        el("p", "pb-notice-text", strings.notice),
      ];
      if (/^(https?:\/\/|\/)/i.test(policyUrl)) {
        const link = el("a", "pb-link", strings.policy_link);
        link.href = policyUrl;
        link.target = "_blank";
        link.rel = "noopener";
        const line = el("p", "pb-notice-policy");
        line.append(link);
        lines.push(line);
      } else if (contactEmail) {
        const mail = el("a", "pb-link", contactEmail);
        mail.href = "mailto:" + contactEmail;
        const line = el("p", "pb-notice-policy", strings.policy_ask + " ");
        line.append(mail, document.createTextNode("."));
        lines.push(line);
      }
      notice.replaceChildren(...lines);
    }

    function renderLanguages() {
      const offered = languages.some((option) => option.code === language) ? languages : [];
      const key = JSON.stringify(offered);
      if (key !== shownLanguages) {
        shownLanguages = key;
        languageSelect.replaceChildren(
          ...offered.map((option) => {
            const item = el("option", "", option.name);
            item.value = option.code;
            item.lang = option.code; // each name is in its own language
            return item;
          }),
        );
      }
      languageSelect.value = language;
      languageBox.hidden = offered.length < 2;
    }

    function speakerName(role) {
      return (role === "patient" ? strings.you : strings.assistant) + ": ";
    }

    // Every text of the widget's own, in the current language; the conversation stays as it was
    // written, only the names of its speakers (read out by screen readers) change.
    function relabel() {
      // data-title is in the page's language: other languages use the service's title.
      const pageTitle = language === requestedLanguage ? script.dataset.title : "";
      const title = pageTitle || strings.title;
      root.lang = shownLanguage;
      launcherText.textContent = title;
      heading.textContent = title;
      closeButton.setAttribute("aria-label", strings.close);
      languageLabel.textContent = strings.language_label;
      languageSelect.title = strings.language_label;
      renderLanguages();
      clearButton.textContent = strings.clear;
      renderNotice();
      label.textContent = strings.input_label;
      input.placeholder = strings.placeholder;
      input.maxLength = maxChars;
      sendButton.textContent = strings.send;
      if (typing.textContent) typing.textContent = strings.typing;
      for (const speaker of log.querySelectorAll(".pb-speaker")) {
        speaker.textContent = speakerName(speaker.dataset.role);
      }
    }

    if (config) applyConfig(config);
    relabel();

    let activeChoices = []; // the buttons of the latest replies; older ones are history
    let epoch = 0; // bumped by "clear", so a late answer does not land in a new conversation
    let busy = false;
    let switching = 0; // bumped by each language change: only the latest one is applied

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function setChoicesEnabled(enabled) {
      for (const button of activeChoices) button.disabled = !enabled;
    }

    function speakerLabel(role) {
      const speaker = el("span", "pb-sr-only pb-speaker", speakerName(role));
      speaker.dataset.role = role;
      return speaker;
    }

    function render(entry, active) {
      const item = el("div", "pb-msg pb-msg--" + entry.role);
      item.append(speakerLabel(entry.role === "patient" ? "patient" : "assistant"));
      if (entry.text) item.append(el("p", "pb-text", entry.text));
      for (const citation of entry.citations || []) {
        const details = el("details", "pb-citation");
        details.append(el("summary", "pb-citation-label", citation.label));
        for (const passage of citation.passages || []) {
          details.append(el("blockquote", "pb-passage", passage));
        }
        item.append(details);
      }
      const choices = [];
      if (Array.isArray(entry.buttons) && entry.buttons.length) {
        const group = el("div", "pb-choices");
        group.setAttribute("role", "group");
        for (const choice of entry.buttons) {
          const button = el("button", "pb-choice", choice.title);
          button.type = "button";
          button.disabled = !active;
          button.addEventListener("click", () => {
            input.focus(); // the clicked button is about to be disabled
            send(choice.payload, choice.title);
          });
          group.append(button);
          choices.push(button);
        }
        item.append(group);
      }
      if (entry.feedbackId) item.append(renderFeedback(entry));
      log.append(item);
      return { item, choices };
    }

    // 👍 / 👎 under an answer; 👎 asks what was missing. Buttons with spoken labels, the
    // outcome announced politely; a failure keeps the choice open and says so.
    function renderFeedback(entry) {
      const box = el("div", "pb-feedback");
      const status = el("p", "pb-feedback-status");
      status.setAttribute("role", "status");
      if (entry.rated) {
        status.textContent = strings.feedback_thanks;
        box.append(status);
        return box;
      }
      const votes = el("div", "pb-feedback-votes");
      votes.setAttribute("role", "group");
      votes.setAttribute("aria-label", strings.feedback_prompt);
      const prompt = el("span", "pb-feedback-prompt", strings.feedback_prompt);
      prompt.setAttribute("aria-hidden", "true");
      const up = el("button", "pb-vote pb-vote--up", "👍");
      const down = el("button", "pb-vote pb-vote--down", "👎");
      for (const [button, name] of [[up, strings.feedback_up], [down, strings.feedback_down]]) {
        button.type = "button";
        button.setAttribute("aria-label", name);
        button.title = name;
      }
      votes.append(prompt, up, down);
      box.append(votes, status);

      async function submit(vote, comment, controls) {
        for (const control of controls) control.disabled = true;
        status.textContent = "";
        if (await rateAnswer(entry.feedbackId, vote, comment)) {
          entry.rated = vote;
          saveState(state);
          box.replaceChildren(status);
          status.textContent = strings.feedback_thanks;
          return;
        }
        for (const control of controls) control.disabled = false;
        status.textContent = strings.feedback_error;
      }

      up.addEventListener("click", () => submit("up", null, [up, down]));
      down.addEventListener("click", () => {
        up.disabled = true;
        down.disabled = true;
        down.setAttribute("aria-pressed", "true");
        const form = el("form", "pb-feedback-form");
        const fieldId = "pb-missing-" + entry.feedbackId;
        const label = el("label", "pb-feedback-label", strings.feedback_missing);
        label.htmlFor = fieldId;
        const missing = el("textarea", "pb-feedback-text");
        missing.id = fieldId;
        missing.rows = 2;
        missing.maxLength = 1000;
        const sendFeedback = el("button", "pb-choice pb-feedback-send", strings.feedback_send);
        sendFeedback.type = "submit";
        form.append(label, missing, sendFeedback);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          submit("down", missing.value.trim() || null, [missing, sendFeedback]);
        });
        box.insertBefore(form, status);
        missing.focus();
      });
      return box;
    }

    function showError(message) {
      const item = el("div", "pb-msg pb-msg--error");
      item.append(speakerLabel("assistant"), el("p", "pb-text", message));
      log.append(item);
      scrollToEnd();
    }

    async function send(text, shownAs) {
      const typed = shownAs === undefined;
      if (busy || !text.trim()) return;
      busy = true;
      const started = epoch;
      const patient = { role: "patient", text: typed ? text : shownAs };
      const shown = render(patient, false).item;
      if (typed) input.value = "";
      setChoicesEnabled(false);
      typing.textContent = strings.typing;
      scrollToEnd();
      try {
        const { conversationId, replies, forgotten } = await deliver(
          text,
          state.conversationId,
          language,
        );
        if (started !== epoch) return;
        state.conversationId = conversationId;
        state.history.push(patient, ...replies);
        notice.open = false;
        if (forgotten) {
          // The service deleted this conversation: keep nothing of it here either, only the
          // confirmation; the next message starts a new conversation.
          state.conversationId = null;
          state.history = [...replies];
          log.replaceChildren();
        }
        activeChoices = replies.flatMap((reply) => render(reply, true).choices);
        saveState(state);
      } catch (error) {
        if (started !== epoch) return;
        shown.remove();
        setChoicesEnabled(true);
        if (typed) input.value = input.value ? text + "\n" + input.value : text; // never lose it
        showError(error instanceof ChatError ? error.message : strings.error_other);
      } finally {
        if (started === epoch) {
          typing.textContent = "";
          busy = false;
          scrollToEnd();
        }
      }
    }

    // The patient chose another language: the widget's wording changes, the conversation and
    // its messages stay, and the choice is kept for the next pages.
    async function switchLanguage(code) {
      const ticket = ++switching;
      const next = await fetchConfig(code);
      if (ticket !== switching) return;
      if (!next || typeof next.language !== "string") {
        languageSelect.value = language; // still the one in use
        showError(strings.error_language);
        return;
      }
      applyConfig(next);
      state.language = language;
      saveState(state);
      relabel();
    }

    function clearConversation() {
      epoch += 1;
      state.conversationId = null; // the next message starts a new conversation
      state.history = [];
      activeChoices = [];
      log.replaceChildren();
      notice.open = true;
      typing.textContent = "";
      busy = false;
      saveState(state);
      input.focus();
    }

    function open(moveFocus) {
      panel.hidden = false;
      root.classList.add("pb-is-open");
      launcher.setAttribute("aria-expanded", "true");
      state.open = true;
      saveState(state);
      scrollToEnd();
      if (moveFocus) input.focus();
    }

    function close() {
      panel.hidden = true;
      root.classList.remove("pb-is-open");
      launcher.setAttribute("aria-expanded", "false");
      state.open = false;
      saveState(state);
      launcher.focus();
    }

    launcher.addEventListener("click", () => (panel.hidden ? open(true) : close()));
    closeButton.addEventListener("click", close);
    clearButton.addEventListener("click", clearConversation);
    languageSelect.addEventListener("change", () => switchLanguage(languageSelect.value));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        close();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(input.value);
    });
    input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter is a new line; not while an input method is composing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send(input.value);
      }
    });

    // Re-render the conversation so far before the log is in the page, so a screen reader
    // does not read the whole history out again on every page.
    const lastPatient = state.history.map((entry) => entry.role).lastIndexOf("patient");
    try {
      state.history.forEach((entry, index) => {
        const { choices } = render(entry, index > lastPatient);
        if (index > lastPatient) activeChoices.push(...choices);
      });
    } catch (corrupt) {
      log.replaceChildren();
      activeChoices = [];
      Object.assign(state, { conversationId: null, history: [] });
      saveState(state);
    }
    document.body.append(root);
    // Open again if it was open on the last page, unless the panel would cover the whole new
    // page (on a phone; widget.css says when).
    const coversPage = getComputedStyle(root).getPropertyValue("--pb-covers-page").trim() === "1";
    if (state.open && !coversPage) open(false);
  }

  const styleLoaded = new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", scriptUrl).href;
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
    document.head.append(link);
  });
  const pageReady = new Promise((resolve) => {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", resolve, { once: true });
    } else {
      resolve();
    }
  });
  const state = loadState();
  Promise.all([fetchConfig(state.language || requestedLanguage), styleLoaded, pageReady]).then(
    ([config]) => mount(state, config),
  );
})();
