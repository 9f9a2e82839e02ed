/* The clinic's privacy-questions chat widget. A page embeds it with one tag:

     <script src="https://<service>/widget.js" data-service-url="" data-lang="en"
             data-title="Privacy questions" defer></script>

   data-service-url: where the service answers (empty: where this script came from);
   data-lang: the wording's language; data-title: the panel's title.

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
  const requestedLanguage = script.dataset.lang || document.documentElement.lang || "en";
  const storageKey = "privacybot-widget:" + serviceUrl;
  const CONFIG_TIMEOUT_MS = 5000;

  // Used when /chat/widget-config cannot be reached; the service's catalogue is the source.
  const FALLBACK_STRINGS = {
    title: "Privacy questions",
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
        };
      }
    } catch (blockedOrCorrupt) {
      // Storage disabled or unreadable: start afresh.
    }
    return { conversationId: null, history: [], open: false };
  }

  function saveState(state) {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (blockedOrFull) {
      // The chat still works; it just won't follow the patient to the next page.
    }
  }

  // ---- talking to the service ----

  async function fetchConfig() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CONFIG_TIMEOUT_MS);
    try {
      const response = await fetch(
        serviceUrl + "/chat/widget-config?lang=" + encodeURIComponent(requestedLanguage),
        { signal: controller.signal },
      );
      return response.ok ? await response.json() : {};
    } catch (unreachable) {
      return {};
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

    // The assistant's replies to `text` in the conversation (a new one when there is none):
    // {conversationId, replies}. A conversation the service no longer knows (it restarted)
    // is replaced by a new one and the message sent once more.
    return async function deliver(text, conversationId) {
      for (let attempt = 1; ; attempt += 1) {
        if (!conversationId) conversationId = await startConversation();
        const response = await post(
          "/chat/conversations/" + encodeURIComponent(conversationId) + "/messages",
          { text },
        );
        if (response.ok) {
          const turn = await response.json();
          const replies = (Array.isArray(turn.replies) ? turn.replies : [])
            .map(entryFromReply)
            .filter((entry) => entry.text || entry.buttons.length);
          return { conversationId, replies, forgotten: turn.forgotten === true };
        }
        if (response.status === 404 && attempt === 1) {
          conversationId = null;
          continue;
        }
        throw await failure(response);
      }
    };
  }

  // ---- the launcher and the panel ----

  function mount(config) {
    const strings = { ...FALLBACK_STRINGS };
    for (const [key, value] of Object.entries(config.strings || {})) {
      if (typeof value === "string") strings[key] = value;
    }
    const title = script.dataset.title || strings.title;
    const maxChars = Number.isInteger(config.max_message_chars) ? config.max_message_chars : FALLBACK_MAX_CHARS;
    const state = loadState();
    const deliver = createChat(strings);

    const root = el("div", "pb-root");
    root.lang = typeof config.language === "string" ? config.language : requestedLanguage;

    const launcher = el("button", "pb-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "pb-panel");
    const launcherIcon = el("span", "pb-launcher-icon");
    launcherIcon.setAttribute("aria-hidden", "true");
    launcher.append(launcherIcon, el("span", "pb-launcher-text", title));

    const panel = el("section", "pb-panel");
    panel.id = "pb-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "pb-title");

    const header = el("div", "pb-header");
    const heading = el("h2", "pb-title", title);
    heading.id = "pb-title";
    const clearButton = el("button", "pb-clear", strings.clear);
    clearButton.type = "button";
    const closeButton = el("button", "pb-close", "×");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", strings.close);
    header.append(heading, clearButton, closeButton);

    const notice = el("div", "pb-notice");
    notice.append(el("p", "pb-notice-text", strings.notice));
    const policyUrl = typeof config.policy_url === "string" ? config.policy_url : "";
    if (/^(https?:\/\/|\/)/i.test(policyUrl)) {
      const link = el("a", "pb-link", strings.policy_link);
      link.href = policyUrl;
      link.target = "_blank";
      link.rel = "noopener";
      const line = el("p", "pb-notice-policy");
      line.append(link);
      notice.append(line);
    } else if (typeof config.contact_email === "string" && config.contact_email) {
      const mail = el("a", "pb-link", config.contact_email);
      mail.href = "mailto:" + config.contact_email;
      const line = el("p", "pb-notice-policy", strings.policy_ask + " ");
      line.append(mail, document.createTextNode("."));
      notice.append(line);
    }

    const log = el("div", "pb-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-labelledby", "pb-title");
    log.tabIndex = 0; // it scrolls: keyboard users must be able to reach it

    const typing = el("p", "pb-typing");
    typing.setAttribute("role", "status");

    const form = el("form", "pb-form");
    const label = el("label", "pb-sr-only", strings.input_label);
    label.htmlFor = "pb-input";
    const input = el("textarea", "pb-input");
    input.id = "pb-input";
    input.rows = 2;
    input.maxLength = maxChars;
    input.placeholder = strings.placeholder;
    input.setAttribute("enterkeyhint", "send");
    const sendButton = el("button", "pb-send", strings.send);
    sendButton.type = "submit";
    form.append(label, input, sendButton);

    panel.append(header, notice, log, typing, form);
    root.append(panel, launcher);

    let activeChoices = []; // the buttons of the latest replies; older ones are history
    let epoch = 0; // bumped by "clear", so a late answer does not land in a new conversation
    let busy = false;

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function setChoicesEnabled(enabled) {
      for (const button of activeChoices) button.disabled = !enabled;
    }

    function render(entry, active) {
      const item = el("div", "pb-msg pb-msg--" + entry.role);
      const speaker = entry.role === "patient" ? strings.you : strings.assistant;
      item.append(el("span", "pb-sr-only", speaker + ": "));
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
      log.append(item);
      return { item, choices };
    }

    function showError(message) {
      const item = el("div", "pb-msg pb-msg--error");
      item.append(el("span", "pb-sr-only", strings.assistant + ": "), el("p", "pb-text", message));
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
        const { conversationId, replies, forgotten } = await deliver(text, state.conversationId);
        if (started !== epoch) return;
        state.conversationId = conversationId;
        state.history.push(patient, ...replies);
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

    function clearConversation() {
      epoch += 1;
      state.conversationId = null; // the next message starts a new conversation
      state.history = [];
      activeChoices = [];
      log.replaceChildren();
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
  Promise.all([fetchConfig(), styleLoaded, pageReady]).then(([config]) => mount(config));
})();
