// Staff insights: reads /desk/api/insights for the chosen days and language and draws it.
// Every value is shown with textContent, never as HTML (the questions were typed by patients,
// redacted); the chart is SVG made here, with no library and nothing from a CDN.
"use strict";
const OUTCOMES = [
  ["answer", "answered"], ["not_covered", "not covered"], ["fallback", "not understood"],
  ["out_of_scope", "not about privacy"], ["chat_privacy", "about this chat"], ["request", "request"],
];
const SVG = "http://www.w3.org/2000/svg";
const form = document.getElementById("range");
const iso = (d) => d.toISOString().slice(0, 10);

function td(text) { const cell = document.createElement("td"); cell.textContent = text; return cell; }
function counts(object) {
  return Object.entries(object).map(([key, n]) => `${key} ${n}`).join(", ");
}
function fill(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map((cells) => {
    const row = document.createElement("tr");
    row.append(...cells.map((c) => (c instanceof Node ? (() => { const cell = document.createElement("td"); cell.append(c); return cell; })() : td(c))));
    return row;
  }));
  if (!rows.length) {
    const row = document.createElement("tr");
    const cell = td("None in these days.");
    cell.colSpan = document.querySelectorAll(`#${id} thead th`).length;
    row.append(cell);
    body.append(row);
  }
}
function question(group) {
  if (group.wordings.length < 2) return group.question;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = group.question;
  const list = document.createElement("ul");
  for (const wording of group.wordings.slice(1)) {
    const item = document.createElement("li"); item.textContent = wording; list.append(item);
  }
  details.append(summary, list);
  return details;
}

function chart(days) {
  const width = 720, height = 200, pad = 24;
  const most = Math.max(1, ...days.map((d) => OUTCOMES.reduce((n, [k]) => n + (d[k] || 0), 0)));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + pad}`);
  svg.setAttribute("role", "img");
  const total = days.reduce((n, d) => n + OUTCOMES.reduce((m, [k]) => m + (d[k] || 0), 0), 0);
  svg.setAttribute("aria-label", `${total} questions over ${days.length} days; at most ${most} in a day`);
  const step = width / Math.max(days.length, 1);
  days.forEach((day, i) => {
    let y = height;
    OUTCOMES.forEach(([key, label], k) => {
      const n = day[key] || 0;
      if (!n) return;
      const h = (n / most) * (height - 4);
      y -= h;
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(i * step + 1));
      bar.setAttribute("y", String(y));
      bar.setAttribute("width", String(Math.max(step - 2, 1)));
      bar.setAttribute("height", String(h));
      bar.setAttribute("class", `bar bar-${k}`);
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${day.day}: ${n} ${label}`;
      bar.append(title);
      svg.append(bar);
    });
  });
  for (const [i, day] of [[0, days[0]], [days.length - 1, days[days.length - 1]]]) {
    if (!day) continue;
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", String(i === 0 ? 0 : width));
    text.setAttribute("y", String(height + 16));
    text.setAttribute("text-anchor", i === 0 ? "start" : "end");
    text.textContent = day.day;
    svg.append(text);
  }
  document.getElementById("chart").replaceChildren(svg);
  document.getElementById("legend").replaceChildren(...OUTCOMES.map(([, label], k) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch bar-${k}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(label));
    return item;
  }));
}

async function show() {
  const params = new URLSearchParams(new FormData(form));
  for (const [k, v] of [...params]) if (!v) params.delete(k);
  document.getElementById("csv").href = "/desk/api/insights.csv?" + params;
  const error = document.getElementById("error");
  error.textContent = "";
  const response = await fetch("/desk/api/insights?" + params, { credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    error.textContent = typeof data.detail === "string" ? data.detail : "The insights could not be loaded.";
    return;
  }
  for (const select of [form.language, consoleForm.language]) {
    if (select.options.length === 1) {  // the clinic's languages, once
      for (const code of data.languages || []) {
        const option = document.createElement("option"); option.value = code; option.textContent = code;
        select.append(option);
      }
    }
  }
  const t = data.totals;
  document.getElementById("summary").textContent =
    `${t.all} questions from ${data.since} to ${data.until}: ${t.answer || 0} answered, ` +
    `${(t.not_covered || 0) + (t.fallback || 0)} not answered, ${t.up} rated helpful, ${t.down} not helpful.`;
  chart(data.per_day);
  fill("unanswered", data.unanswered.map((g) => [question(g), String(g.count), counts(g.outcomes), counts(g.languages), g.last_day]));
  fill("unsure", data.low_confidence.map((g) => [question(g), String(g.count), g.sections.join(", "), counts(g.languages), g.last_day]));
  fill("disliked", data.disliked.map((d) => [d.day, d.question, d.comment || "", d.sections.join(", "), d.language]));
  fill("sections", data.per_section.map((s) => [String(s.section), String(s.answers), String(s.up || 0), String(s.down || 0), String(s.low_confidence || 0)]));
  fill("handoffs", data.handoffs.map((h) => [h.reason, String(h.count)]));
}

// The console: one question through the assistant, its replies as a patient sees them and
// the decision behind them (outcome, intent, confidence, sections, scores, policy version).
const consoleForm = document.getElementById("console");
async function tryQuestion() {
  const reply = document.getElementById("console-reply");
  const details = document.getElementById("console-details");
  reply.textContent = "…";
  details.replaceChildren();
  const body = { text: consoleForm.text.value };
  if (consoleForm.language.value) body.language = consoleForm.language.value;
  const response = await fetch("/desk/api/console", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    reply.textContent = typeof data.detail === "string" ? data.detail : "The question could not be tried.";
    return;
  }
  reply.replaceChildren(...data.replies.map((r) => {
    const block = document.createElement("div");
    block.className = "console-reply";
    const text = document.createElement("p"); text.className = "console-text"; text.textContent = r.text || "";
    block.append(text);
    for (const citation of (r.custom && r.custom.citations) || []) {
      const quote = document.createElement("details");
      const label = document.createElement("summary"); label.textContent = citation.label;
      quote.append(label);
      for (const passage of citation.passages || []) {
        const q = document.createElement("blockquote"); q.textContent = passage.text; quote.append(q);
      }
      block.append(quote);
    }
    return block;
  }));
  const d = data.details;
  for (const [label, value] of [
    ["Outcome", d.outcome], ["Intent", d.intent],
    ["Confidence", typeof d.confidence === "number" ? d.confidence.toFixed(3) : ""],
    ["Sections", (d.sections || []).join(", ")],
    ["Scores", (d.scores || []).map((x) => Number(x).toFixed(3)).join(", ")],
    ["Policy version", d.policy_version], ["Language", d.language],
    ["Rasa's intents", Object.entries(d.rasa_intents || {}).map(([k, v]) => `${k} ${Number(v).toFixed(2)}`).join(", ")],
  ]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value == null ? "" : String(value);
    details.append(dt, dd);
  }
}
consoleForm.addEventListener("submit", (event) => { event.preventDefault(); tryQuestion(); });

const today = new Date();
form.until.value = iso(today);
form.since.value = iso(new Date(today.getTime() - 29 * 86400000));
form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
show();
