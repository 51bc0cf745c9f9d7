// The page: renders each snapshot that /events sends (the whole state, a few kilobytes).
"use strict";

const TOP = 10;                 // customers shown before "show all"
let showAll = false;
let last = null;
const seenAlerts = new Set();

const $ = (id) => document.getElementById(id);
const esc = (value) => String(value ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const money = (text) => (text === undefined || text === null) ? "–"
  : "$" + Number(text).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n) => (n === undefined || n === null) ? "–" : Number(n).toLocaleString("en-US");
const clock = (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
const cssClass = (text) => String(text).replace(/[^A-Za-z0-9_-]/g, "_");

function setStatus(kind, text) {
  const pill = $("status");
  pill.className = "pill " + kind;
  pill.textContent = text;
}

function banner(text) {
  $("banner").hidden = !text;
  $("banner").textContent = text || "";
}

function renderKpis(s) {
  const k = s.kpis;
  $("kpi-orders").textContent = count(k.orders);
  $("kpi-revenue").textContent = money(k.revenue);
  $("kpi-customers").textContent = count(k.customers);
  $("kpi-rate").textContent = k.rate.toFixed(1);
  $("kpi-input").textContent = k.input_rate === null ? "" : `arriving: ${k.input_rate.toFixed(1)}/s`;
  $("kpi-lag").textContent = k.lag === null ? "–" : count(k.lag);
  const lags = Object.entries(k.lags);
  $("kpi-lags").textContent = lags.length ? lags.map(([job, lag]) => `${job}: ${count(lag)}`).join(" · ")
    : "no job has committed offsets yet";
  $("kpi-lags").title = "orders on the topic that each job (consumer group) has not committed yet";
}

function renderCustomers(s) {
  $("tiers").innerHTML = s.tiers.map((t) =>
    `<div class="tier t-${cssClass(t.tier)}" data-tier="${esc(t.tier)}"><span class="name">${esc(t.tier)}</span>` +
    `<span class="count">${count(t.count)}</span></div>`).join("");
  const rows = s.customers.rows;
  const shown = showAll ? rows : rows.slice(0, TOP);
  const segments = s.customers.segments;
  document.querySelectorAll(".segment-col").forEach((th) => { th.hidden = !segments; });
  $("customers").querySelector("tbody").innerHTML = shown.map((c, i) =>
    `<tr data-customer="${esc(c.customerId)}"><td class="rank">${i + 1}</td><td class="id">${esc(c.customerId)}</td>` +
    `<td class="num total">${money(c.total)}</td><td class="num orders">${count(c.orders)}</td>` +
    `<td class="tier">${c.tier ? `<span class="badge t-${cssClass(c.tier)}">${esc(c.tier)}</span>` : "–"}</td>` +
    `<td class="frequency freq">${esc(c.frequency ?? "–")}</td>` +
    (segments ? `<td class="segment">${esc(c.segment ?? "–")}</td>` : "") + "</tr>").join("");
  $("customers").hidden = rows.length === 0;
  $("customers-empty").hidden = rows.length > 0;
  const more = $("more");
  more.hidden = rows.length <= TOP;
  more.textContent = showAll ? `show the top ${TOP}` : `show all ${count(s.customers.count)}`;
}

function renderCategories(s) {
  const cats = s.categories;
  $("categories").querySelector("tbody").innerHTML = cats.map((c) =>
    `<tr data-category="${esc(c.category)}"><td class="name">${esc(c.category)}</td>` +
    `<td class="num total">${money(c.total)}</td><td class="num orders">${count(c.orders)}</td>` +
    `<td class="num avg">${money(c.avg)}</td><td class="num max">${money(c.max)}</td>` +
    `<td class="milestones">${(c.milestones || []).map((m) => `<span class="milestone">${esc(m)}</span>`).join("")}</td></tr>`
  ).join("");
  $("categories").hidden = cats.length === 0;
  $("categories-empty").hidden = cats.length > 0;
  renderChart(cats);
}

function renderChart(cats) {
  const svg = $("chart");
  const bar = 20, gap = 8, labelWidth = 150, valueWidth = 100, width = 760;
  const height = Math.max(1, cats.length * (bar + gap));
  const top = Math.max(1, ...cats.map((c) => Number(c.total)));
  const room = width - labelWidth - valueWidth;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.innerHTML = cats.map((c, i) => {
    const y = i * (bar + gap), w = Math.max(2, room * Number(c.total) / top);
    return `<text x="${labelWidth - 8}" y="${y + bar * 0.68}" text-anchor="end">${esc(c.category)}</text>` +
      `<rect class="bar" x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar}" rx="4"></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + bar * 0.68}">${money(c.total)}</text>`;
  }).join("");
}

function renderAlerts(s) {
  $("alert-counts").innerHTML = Object.entries(s.alert_counts)
    .map(([kind, n]) => `<span>${esc(kind.replace(/_/g, " "))}: ${count(n)}</span>`).join("");
  const firstRender = seenAlerts.size === 0;
  $("alerts").innerHTML = s.alerts.map((a) => {
    const id = `${a.time}|${a.text}`;
    const fresh = !firstRender && !seenAlerts.has(id);
    seenAlerts.add(id);
    return `<li class="alert kind-${cssClass(a.kind)}${fresh ? " fresh" : ""}" data-kind="${esc(a.kind)}">` +
      `<time>${clock(a.time)}</time><span>${esc(a.text)}</span></li>`;
  }).join("");
  $("alerts-empty").hidden = s.alerts.length > 0;
}

function render(s, force = false) {
  const changed = force || !last || last.version !== s.version;  // a heartbeat repaints only the figures
  last = s;
  $("topic").textContent = s.topic;
  document.querySelectorAll(".topic-name").forEach((el) => { el.textContent = s.topic; });
  if (s.kafka.ok === false) {
    banner(`${s.kafka.message}. Retrying by itself; to start the local broker: python runner.py kafka start`);
    setStatus("down", "Kafka down");
  } else {
    banner("");
    setStatus(s.kafka.ok ? "live" : "wait", s.kafka.ok ? "live" : "connecting…");
  }
  $("empty").hidden = !s.empty;
  $("hint").textContent = s.hint.join("\n");
  $("board").hidden = s.empty;
  $("updated").textContent = `updated ${clock(s.now)}`;
  if (s.empty) return;
  renderKpis(s);
  if (!changed) return;
  renderCustomers(s);
  renderCategories(s);
  renderAlerts(s);
}

// The views in PostgreSQL (--sink postgres): one customer by id, and how fresh the views are.
const PROFILE = [["customer_id", "Customer"], ["total", "Total"], ["orders", "Orders"], ["tier", "Tier"],
  ["frequency", "Frequency"], ["segment", "Segment"], ["avg", "Avg"], ["max", "Max"],
  ["favorite_category", "Favorite category"], ["favorite_share", "Share"]];

async function findCustomer(event) {
  event.preventDefault();
  const id = $("find-id").value.trim();
  if (!id) return;
  const answer = await fetch(`/api/customers/${encodeURIComponent(id)}`);
  const found = await answer.json();
  $("found").innerHTML = answer.ok
    ? `<table class="profile" data-customer="${esc(found.customer_id)}"><tbody>` + PROFILE.map(([key, label]) =>
      `<tr><th>${label}</th><td class="${key}">${esc(["total", "avg", "max"].includes(key) && found[key] !== null
        ? money(found[key]) : found[key] ?? "–")}</td></tr>`).join("") + "</tbody></table>"
    : `<p class="placeholder not-found">${esc(found.error)}</p>`;
}

async function showFreshness() {
  try {
    const v = await (await fetch("/api/views")).json();
    $("views-age").textContent = !v.ok ? `views in PostgreSQL: none yet (${v.message})`
      : v.newest === null ? `views of ${v.schema}: empty`
      : `views of ${v.schema}: newest change ${v.age_s.toFixed(1)} s ago`;
  } catch (error) {
    $("views-age").textContent = "views in PostgreSQL: unknown";
  }
}

$("find").addEventListener("submit", findCustomer);
showFreshness();
setInterval(showFreshness, 2000);

$("more").addEventListener("click", () => { showAll = !showAll; if (last) render(last, true); });

const source = new EventSource("/events");
source.onmessage = (event) => render(JSON.parse(event.data));
source.onerror = () => {
  setStatus("down", "offline");
  banner("The dashboard server does not answer; the page reconnects by itself when it is back.");
};
