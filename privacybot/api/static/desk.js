// Staff desk: the work queue of requests; open one to assign it, note, record the identity
// check, reply to the patient and move its status. Every value is shown with textContent,
// never as HTML: the fields were typed by patients.
"use strict";
const NEXT = { unconfirmed: [], received: ["in_progress", "rejected"],
               in_progress: ["completed", "rejected"], completed: [], rejected: [] };
const OPEN = ["received", "in_progress"];
const api = (path, options) => fetch("/desk/api" + path, { credentials: "same-origin",
  headers: { "Content-Type": "application/json" }, ...options }).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(typeof body.detail === "string" ? body.detail :
      (body.detail || []).map((d) => d.msg).join("; ") || r.statusText);
    return body;
  });
const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body) });
const el = (tag, text, attributes = {}) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  return node;
};
const when = (iso) => iso.replace("T", " ").slice(0, 16);
const newKey = () => (crypto.randomUUID ? crypto.randomUUID() :
  String(Date.now()) + Math.random().toString(16).slice(2));
let options = { me: "", staff: [], identity_methods: [], templates: {} };
let current = null;  // the request open in the detail pane
let replyKey = newKey();  // the reply being written: sent twice, it is mailed once

function option(value, label, selected) {
  const node = el("option", label, { value });
  node.selected = selected;
  return node;
}

async function loadOptions() {
  options = await api("/options");
  const filter = document.querySelector("#filters select[name=assignee]");
  for (const name of options.staff) filter.append(option(name, name, false));
}

async function loadList() {
  const params = new URLSearchParams(new FormData(document.getElementById("filters")));
  for (const [k, v] of [...params]) if (!v) params.delete(k);
  const data = await api("/requests?" + params);
  const late = data.items.filter((i) => i.overdue).length;
  document.getElementById("count").textContent = `${data.total} request(s)` +
    (late ? `, ${late} overdue` : "");
  const body = document.querySelector("#requests tbody");
  body.replaceChildren();
  for (const item of data.items) {
    const row = el("tr", undefined, { tabindex: "0" });
    row.dataset.reference = item.reference;
    if (item.overdue) row.classList.add("overdue");
    const due = el("td", item.due_on || "-");
    if (item.overdue) due.append(el("strong", " overdue", { class: "late" }));
    row.append(el("td", item.reference), el("td", item.kind), el("td", item.status),
               el("td", item.requester_name), el("td", item.assignee || "-"),
               el("td", when(item.created_at)), due);
    row.addEventListener("click", () => openRequest(item.reference));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") openRequest(item.reference); });
    body.append(row);
  }
}

function describe(e) {
  switch (e.action) {
    case "created": return e.to_status;
    case "confirmed": return "e-mail confirmed" + (e.to_status ? `: ${e.from_status} → ${e.to_status}` : "");
    case "assigned": return "assigned: " + e.note;
    case "noted": return "internal note added";
    case "identity_checked": return "identity checked: " + e.note;
    case "replied": return "reply sent to the patient" + (e.note ? ` (${e.note})` : "");
    default: return `${e.from_status} → ${e.to_status}` + (e.note ? ` · ${e.note}` : "");
  }
}

async function openRequest(reference) {
  const r = await api("/requests/" + encodeURIComponent(reference));
  if (!current || current.reference !== r.reference) {
    replyKey = newKey();
    document.getElementById("reply-text").value = "";
    document.getElementById("note-text").value = "";
  }
  current = r;
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-title").textContent = `${r.reference}: ${r.kind} (${r.status})`;
  document.getElementById("record-link").href = `/desk/requests/${encodeURIComponent(r.reference)}/record`;
  const fields = document.getElementById("detail-fields");
  fields.replaceChildren();
  for (const [label, value] of [["Name", r.requester_name], ["E-mail", r.contact_email],
      ["Phone", r.phone || "-"], ["On behalf of", r.on_behalf_of === "self" ? "themself" :
      `someone else (${r.relationship_to_patient})`], ["Channel", r.channel],
      ["Language", r.language || "-"], ["Received", when(r.created_at)],
      ["Answer due", (r.due_on || "-") + (r.overdue ? " (overdue)" : "")],
      ["E-mail check", r.confirmed_at ? "confirmed " + when(r.confirmed_at) : "not confirmed"],
      ["Identity check", r.identity_checked_at ? `${r.identity_method}, by ` +
        `${r.identity_checked_by}, ${when(r.identity_checked_at)}` : "not recorded yet"]]) {
    fields.append(el("dt", label), el("dd", value));
  }
  document.getElementById("detail-description").textContent = r.description;
  showWork(r);
  const actions = document.getElementById("actions");
  actions.replaceChildren();
  if (r.status === "unconfirmed") {
    actions.append(el("p", "Waiting for the requester to confirm their e-mail address " +
      "(the link or code in their acknowledgment). Nothing to do yet.", { class: "hint" }));
  }
  for (const next of NEXT[r.status]) {
    const button = el("button", "Mark " + next.replace("_", " "), { type: "button" });
    button.dataset.status = next;
    button.addEventListener("click", () => act(() => post(
      `/requests/${encodeURIComponent(r.reference)}/status`, { status: next })));
    actions.append(button);
  }
  const messages = document.getElementById("messages");
  messages.replaceChildren();
  for (const m of r.messages) {
    const item = el("li", undefined, { class: m.kind });
    item.append(el("span", `${when(m.at)} · ${m.author} · ` +
      (m.kind === "note" ? "internal note" : "sent to the patient"), { class: "meta" }),
      el("p", m.body));
    messages.append(item);
  }
  if (!r.messages.length) messages.append(el("li", "None yet.", { class: "hint" }));
  const audit = document.getElementById("audit");
  audit.replaceChildren();
  for (const e of r.events) audit.append(el("li", `${when(e.at)} · ${e.actor} · ${describe(e)}`));
}

function showWork(r) {
  const open = OPEN.includes(r.status);
  const assignee = document.getElementById("assignee");
  assignee.replaceChildren(option("", "nobody", !r.assignee),
    ...options.staff.map((name) => option(name, name === options.me ? `${name} (me)` : name,
                                          name === r.assignee)));
  const identity = document.getElementById("identity-form");
  identity.hidden = !open || Boolean(r.identity_checked_at);
  const methods = document.getElementById("identity-method");
  if (!methods.options.length) {
    for (const m of options.identity_methods) methods.append(option(m, m, false));
  }
  const reply = document.getElementById("reply-form");
  reply.hidden = r.status === "unconfirmed";
  const templates = document.getElementById("reply-template");
  templates.replaceChildren(option("", "(write from scratch)", true),
    ...(options.templates[r.language] || options.templates[Object.keys(options.templates)[0]] || [])
      .map((t) => option(t.key, t.title, false)));
}

async function act(work) {
  const error = document.getElementById("action-error");
  error.textContent = "";
  try {
    await work();
    await openRequest(current.reference);
    await loadList();
    return true;
  } catch (e) { error.textContent = e.message; return false; }
}

const path = (what) => `/requests/${encodeURIComponent(current.reference)}/${what}`;

document.getElementById("assign").addEventListener("click", () =>
  act(() => post(path("assignee"), { assignee: document.getElementById("assignee").value || null })));

document.getElementById("identity-form").addEventListener("submit", (e) => {
  e.preventDefault();
  act(() => post(path("identity"), { method: document.getElementById("identity-method").value,
                                     note: document.getElementById("identity-note").value || null }));
});

document.getElementById("note-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = document.getElementById("note-text");
  if (await act(() => post(path("notes"), { text: text.value }))) text.value = "";
});

document.getElementById("use-template").addEventListener("click", () => act(async () => {
  const key = document.getElementById("reply-template").value;
  if (!key) return;
  const draft = await api(path("reply-draft") + "?template=" + encodeURIComponent(key));
  document.getElementById("reply-text").value = draft.text;
  document.getElementById("reply-form").dataset.template = key;
  replyKey = newKey();
}));

document.getElementById("reply-text").addEventListener("input", () => { replyKey = newKey(); });

document.getElementById("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const send = form.querySelector("button[type=submit]");
  const text = document.getElementById("reply-text");
  send.disabled = true;
  const sent = await act(() => post(path("replies"), { text: text.value, client_key: replyKey,
                                                        template: form.dataset.template || null }));
  send.disabled = false;
  if (sent) { text.value = ""; delete form.dataset.template; replyKey = newKey(); }
});

document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); loadList(); });
loadOptions().then(loadList).catch((e) => { document.getElementById("count").textContent = e.message; });
