// Staff desk: lists requests, opens one, moves its status. Every value is shown with
// textContent, never as HTML: the fields were typed by patients.
"use strict";
const NEXT = { unconfirmed: [], received: ["in_progress", "rejected"],
               in_progress: ["completed", "rejected"], completed: [], rejected: [] };
const api = (path, options) => fetch("/desk/api" + path, { credentials: "same-origin",
  headers: { "Content-Type": "application/json" }, ...options }).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  });
const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };
const when = (iso) => iso.replace("T", " ").slice(0, 16);

async function loadList() {
  const params = new URLSearchParams(new FormData(document.getElementById("filters")));
  for (const [k, v] of [...params]) if (!v) params.delete(k);
  const data = await api("/requests?" + params);
  document.getElementById("count").textContent = `${data.total} request(s)`;
  const body = document.querySelector("#requests tbody");
  body.replaceChildren();
  for (const item of data.items) {
    const row = document.createElement("tr");
    row.tabIndex = 0;
    row.dataset.reference = item.reference;
    row.append(cell(item.reference), cell(item.kind), cell(item.status),
               cell(item.requester_name), cell(when(item.created_at)), cell(item.due_on || "-"));
    row.addEventListener("click", () => openRequest(item.reference));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") openRequest(item.reference); });
    body.append(row);
  }
}

async function openRequest(reference) {
  const r = await api("/requests/" + encodeURIComponent(reference));
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-title").textContent = `${r.reference}: ${r.kind} (${r.status})`;
  const fields = document.getElementById("detail-fields");
  fields.replaceChildren();
  for (const [label, value] of [["Name", r.requester_name], ["E-mail", r.contact_email],
      ["Phone", r.phone || "-"], ["On behalf of", r.on_behalf_of === "self" ? "themself" :
      `someone else (${r.relationship_to_patient})`], ["Channel", r.channel],
      ["Received", when(r.created_at)], ["Answer due", r.due_on || "-"],
      ["E-mail check", r.confirmed_at ? "confirmed " + when(r.confirmed_at) : "not confirmed"]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value;
    fields.append(dt, dd);
  }
  document.getElementById("detail-description").textContent = r.description;
  const actions = document.getElementById("actions");
  actions.replaceChildren();
  if (r.status === "unconfirmed") {
    const waiting = document.createElement("p");
    waiting.className = "hint";
    waiting.textContent = "Waiting for the requester to confirm their e-mail address " +
      "(the link or code in their acknowledgment). Nothing to do yet.";
    actions.append(waiting);
  }
  for (const next of NEXT[r.status]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Mark " + next.replace("_", " ");
    button.dataset.status = next;
    button.addEventListener("click", () => changeStatus(r.reference, next));
    actions.append(button);
  }
  const audit = document.getElementById("audit");
  audit.replaceChildren();
  for (const e of r.events) {
    const li = document.createElement("li");
    li.textContent = `${when(e.at)} · ${e.actor} · ` + (e.action === "created" ? e.to_status :
      (e.action === "confirmed" ? "e-mail confirmed" + (e.to_status ? `: ${e.from_status} → ${e.to_status}` : "") :
      `${e.from_status} → ${e.to_status}`)) + (e.note ? ` · ${e.note}` : "");
    audit.append(li);
  }
}

async function changeStatus(reference, status) {
  const error = document.getElementById("action-error");
  error.textContent = "";
  try {
    await api(`/requests/${encodeURIComponent(reference)}/status`,
              { method: "POST", body: JSON.stringify({ status }) });
    await openRequest(reference);
    await loadList();
  } catch (e) { error.textContent = e.message; }
}

document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); loadList(); });
loadList().catch((e) => { document.getElementById("count").textContent = e.message; });
