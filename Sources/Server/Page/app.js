// The tbctl dashboard: the testbed at a glance, live charts, snapshots and runs.
// Everything comes from this server's /api/v1; nothing is loaded from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { testbed: null, server: null, series: {}, interval: 2, openRun: null, logSource: null, events: null };

// --- token: given once (form or #token=...), kept in localStorage and a cookie (EventSource
// cannot send headers; the cookie is SameSite=Strict so other sites cannot use it).
function saveToken(t) {
  localStorage.setItem("tbctl_token", t);
  document.cookie = "tbctl_token=" + encodeURIComponent(t) + "; path=/; SameSite=Strict";
}
function token() { return localStorage.getItem("tbctl_token"); }
// The address's #fragment: token=T (kept, then removed from the address bar), run=ID (that
// run opened, its log followed: a link to give someone).
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.has("token")) {
  saveToken(fragment.get("token"));
  fragment.delete("token");
  history.replaceState(null, "", location.pathname + (fragment.toString() ? "#" + fragment : ""));
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) headers.Authorization = "Bearer " + token();
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.status === 401) { showLogin(); throw new Error("unauthorized"); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
  return body;
}

function showLogin() { $("login").hidden = false; $("main").hidden = true; }
$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  saveToken($("token").value);
  $("login").hidden = true; $("main").hidden = false;
  start();
});

// --- small DOM helpers
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}
function badge(text, kind) { return el("span", { class: "badge " + (kind ? kind + "-" + text : text) }, text); }
function rate(v) {
  if (v == null) return "–";
  const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
  let i = 0; while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : Math.round(v)) + " " + units[i];
}
function pct(v) { return v == null ? "–" : v.toFixed(1) + " %"; }
function when(t) { return t ? new Date(t * 1000).toLocaleString() : "–"; }
function fill(tbody, rows) { tbody.replaceChildren(...rows); }

// --- the testbed
function renderTestbed(tb) {
  state.testbed = tb;
  $("project").textContent = tb.project;
  $("sampled").textContent = "sampled " + new Date(tb.sampledAt * 1000).toLocaleTimeString();
  const byName = Object.fromEntries(tb.guests.map((g) => [g.name, g]));
  $("hosts").replaceChildren(...tb.hosts.map((h) => {
    const rows = h.guests.map((n) => byName[n]).filter(Boolean).map(guestRow);
    return el("div", { class: "card host", "data-host": h.name },
      el("h3", {}, h.name, badge(h.up ? "up" : "down", ""), el("span", { class: "note" },
        (h.master ? "master" : h.address) + " · " + h.accel + " · " + h.datapath)),
      h.error ? el("p", { class: "note" }, h.error) : "",
      el("table", {}, el("thead", {}, el("tr", {}, ...["guest", "state", "management", "addresses", "service", "CPU", "rx", "tx"].map((t) => el("th", {}, t)))),
        el("tbody", {}, ...rows)));
  }));
  fill($("networks").tBodies[0], tb.networks.map((n) => el("tr", { "data-network": n.name },
    el("td", {}, n.name), el("td", {}, n.subnet), el("td", {}, n.tunnel + " " + n.vni), el("td", {}, n.mtu),
    el("td", {}, n.hosts.join(", ")), el("td", {}, n.tunnels.map((t) => t.hub + "–" + t.spoke).join(", ") || "–"))));
  fill($("services").tBodies[0], tb.services.map((s) => el("tr", { "data-service": s.name },
    el("td", {}, s.name), el("td", {}, s.image), el("td", {}, s.clones.length), el("td", {}, s.clones.join(", ")))));
  drawTopology(tb);
  ensureCharts(tb.guests.map((g) => g.name));
}

function guestRow(g) {
  const addrs = Object.entries(g.addresses).map(([n, ip]) => n + " " + ip).join(", ");
  return el("tr", { class: "guest", "data-guest": g.name, "data-state": g.state },
    el("td", {}, g.name), el("td", { class: "state" }, badge(g.state, "state")), el("td", {}, g.management),
    el("td", {}, addrs || "–"), el("td", {}, g.service || "–"), el("td", { class: "cpu" }, pct(g.cpuPercent)),
    el("td", { class: "rx" }, rate(g.rxBytesPerSecond)), el("td", { class: "tx" }, rate(g.txBytesPerSecond)));
}

// Hosts on a row; each network's tunnels as arcs between them, labelled with the network.
function drawTopology(tb) {
  const svg = $("topology"), ns = "http://www.w3.org/2000/svg";
  const w = svg.clientWidth || 600, y = 120, step = w / (tb.hosts.length + 1);
  const x = Object.fromEntries(tb.hosts.map((h, i) => [h.name, step * (i + 1)]));
  const nodes = [];
  const mk = (tag, attrs, text) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text) e.textContent = text; return e; };
  tb.networks.forEach((n, ni) => n.tunnels.forEach((t) => {
    const x1 = x[t.hub], x2 = x[t.spoke], lift = 30 + ni * 18, mid = (x1 + x2) / 2;
    nodes.push(mk("path", { d: `M${x1},${y} Q${mid},${y - lift * 2} ${x2},${y}`, fill: "none", stroke: ["#1f6feb", "#8250df", "#d4700a", "#1a7f37"][ni % 4], "stroke-width": 2, "data-tunnel": n.name + ":" + t.hub + "-" + t.spoke }));
    nodes.push(mk("text", { x: mid, y: y - lift - 4, "text-anchor": "middle", "font-size": 11 }, n.name + " (" + t.kind + ")"));
  }));
  for (const h of tb.hosts) {
    nodes.push(mk("circle", { cx: x[h.name], cy: y, r: 14, fill: h.up ? "#1a7f37" : "#cf222e" }));
    nodes.push(mk("text", { x: x[h.name], y: y + 30, "text-anchor": "middle", "font-size": 12 }, h.name + " (" + h.guests.length + ")"));
  }
  svg.replaceChildren(...nodes);
}

// --- live charts: one card per guest with CPU and traffic, fed by the event stream.
function ensureCharts(names) {
  const box = $("charts");
  const have = new Set([...box.children].map((c) => c.dataset.guest));
  for (const n of names) if (!have.has(n)) box.append(chartCard(n));
  for (const c of [...box.children]) if (!names.includes(c.dataset.guest)) c.remove();
  for (const n of names) drawGuest(box, n, state.series[n]);
}
function chartCard(name) {
  return el("div", { class: "card chart", "data-guest": name }, el("h3", {}, name),
    el("canvas", { class: "cpu", width: 320, height: 90 }),
    el("div", { class: "legend" }, "CPU % ", el("span", { class: "cpu-max" })),
    el("canvas", { class: "net", width: 320, height: 90 }),
    el("div", { class: "legend" }, el("span", { class: "rx" }, "rx"), " / ", el("span", { class: "tx" }, "tx"), " ", el("span", { class: "net-max" })));
}
function drawGuest(box, name, s) {
  const card = [...box.children].find((c) => c.dataset.guest === name);
  if (!card || !s) return;
  const cpuMax = plot(card.querySelector("canvas.cpu"), s.t, [[s.cpu, "#1a7f37"]], 100);
  const netMax = plot(card.querySelector("canvas.net"), s.t, [[s.rx, "#1f6feb"], [s.tx, "#d4700a"]], 1024);
  card.querySelector(".cpu-max").textContent = "max " + cpuMax.toFixed(0);
  card.querySelector(".net-max").textContent = "max " + rate(netMax);
  card.dataset.points = s.t.length;
}
// Draws lines on a canvas scaled to the larger of `floor` and the data's maximum; returns it.
function plot(canvas, t, lines, floor) {
  const g = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#d0d7de"; g.strokeRect(0.5, 0.5, w - 1, h - 1);
  if (!t || t.length < 2) return floor;
  let max = floor;
  for (const [v] of lines) for (const y of v) if (y != null && y > max) max = y;
  const t0 = t[0], span = Math.max(1, t[t.length - 1] - t0);
  for (const [v, color] of lines) {
    g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
    let pen = false;
    v.forEach((y, i) => {
      if (y == null) { pen = false; return; }
      const px = ((t[i] - t0) / span) * (w - 2) + 1, py = h - 2 - (y / max) * (h - 4);
      if (pen) g.lineTo(px, py); else g.moveTo(px, py);
      pen = true;
    });
    g.stroke();
  }
  return max;
}
function appendSample(s) {
  for (const [name, v] of Object.entries(s.guests)) {
    const series = state.series[name] || (state.series[name] = { t: [], cpu: [], rx: [], tx: [] });
    series.t.push(s.t); series.cpu.push(v.cpu); series.rx.push(v.rx); series.tx.push(v.tx);
    const keep = 450;
    if (series.t.length > keep) for (const k of ["t", "cpu", "rx", "tx"]) series[k].splice(0, series.t.length - keep);
    const row = document.querySelector(`tr.guest[data-guest="${CSS.escape(name)}"]`);
    if (row) {
      row.dataset.state = v.state;
      row.querySelector(".state").replaceChildren(badge(v.state, "state"));
      row.querySelector(".cpu").textContent = pct(v.cpu);
      row.querySelector(".rx").textContent = rate(v.rx);
      row.querySelector(".tx").textContent = rate(v.tx);
    }
  }
  for (const [host, up] of Object.entries(s.hosts)) {
    const card = document.querySelector(`.host[data-host="${CSS.escape(host)}"] h3 .badge`);
    if (card) card.replaceWith(badge(up ? "up" : "down", ""));
  }
  $("sampled").textContent = "sampled " + new Date(s.t * 1000).toLocaleTimeString();
  const box = $("charts");
  for (const name of Object.keys(s.guests)) drawGuest(box, name, state.series[name]);
}
function listen() {
  if (state.events) state.events.close();
  const es = new EventSource("/api/v1/events");
  state.events = es;
  es.addEventListener("open", () => { $("live").textContent = "live"; $("live").className = "badge up"; });
  es.addEventListener("error", () => { $("live").textContent = "reconnecting"; $("live").className = "badge down"; });
  es.addEventListener("sample", (e) => appendSample(JSON.parse(e.data)));
}

// --- snapshots and runs
async function refreshSnapshots() {
  const list = await api("/api/v1/snapshots");
  fill($("snapshots").tBodies[0], list.map((s) => el("tr", { "data-snapshot": s.name },
    el("td", {}, s.name), el("td", {}, s.kind), el("td", {}, s.createdAt), el("td", {}, s.guests.map((g) => g.guest).join(", ")))));
}
async function refreshRuns() {
  if (!state.server.runs) { $("runs-none").hidden = false; $("runs").hidden = true; return; }
  const list = await api("/api/v1/runs");
  fill($("runs").tBodies[0], list.map((r) => {
    const dur = (r.endedAt || Date.now() / 1000) - r.startedAt;
    const cancel = state.server.allowWrite && r.status === "running"
      ? el("button", { onclick: (e) => { e.stopPropagation(); api(`/api/v1/runs/${r.id}/cancel`, { method: "POST" }).catch(alertError); } }, "cancel") : "";
    return el("tr", { class: "clickable run", "data-run": r.id, "data-status": r.status, onclick: () => openRun(r.id) },
      el("td", {}, r.id), el("td", {}, r.scenario), el("td", {}, badge(r.status, "status")), el("td", {}, when(r.startedAt)),
      el("td", {}, dur.toFixed(1) + " s"), el("td", {}, cancel));
  }));
  if (state.openRun) await showRun(state.openRun, false);
}
async function openRun(id) {
  state.openRun = id;
  history.replaceState(null, "", location.pathname + "#run=" + id);
  await showRun(id, true);
}
async function showRun(id, restartLog) {
  const d = await api(`/api/v1/runs/${id}`);
  $("run").hidden = false;
  $("run").dataset.run = id;
  $("run-id").textContent = id + " · " + d.run.scenario;
  $("run-status").replaceWith(Object.assign(badge(d.run.status, "status"), { id: "run-status" }));
  fill($("run-jobs").tBodies[0], d.jobs.map((j) => el("tr", { "data-job": j.name, "data-guest": j.guest },
    el("td", {}, j.stage), el("td", {}, j.name), el("td", {}, j.guest), el("td", {}, badge(j.status, "status")), el("td", {}, j.exitStatus == null ? "–" : j.exitStatus))));
  fill($("run-metrics").tBodies[0], d.metrics.map((m) => el("tr", { "data-metric": m.metric },
    el("td", {}, m.metric), el("td", {}, m.guest), el("td", {}, m.job), el("td", {}, m.last), el("td", {}, m.mean.toFixed(2)), el("td", {}, m.count))));
  const charts = $("run-charts");
  charts.replaceChildren();
  if (d.charts) for (const [name, s] of Object.entries(d.charts.guests)) { charts.append(chartCard(name)); drawGuest(charts, name, s); }
  if (restartLog) followLog(id, d.run.status === "running");
}
function followLog(id, running) {
  if (state.logSource) state.logSource.close();
  const pre = $("run-log");
  pre.textContent = ""; pre.dataset.run = id;
  const add = (l) => {
    // An entry is what one read brought (one line or several): each line gets the prefix.
    const prefix = l.guest ? l.guest + (l.job ? "/" + l.job : "") + " | " : "";
    pre.append(l.text.replace(/\n$/, "").split("\n").map((t) => prefix + t + "\n").join(""));
    pre.scrollTop = pre.scrollHeight;
  };
  if (!running) {
    api(`/api/v1/runs/${id}/logs`).then((p) => { p.lines.forEach(add); pre.dataset.done = "1"; }).catch(alertError);
    return;
  }
  const es = new EventSource(`/api/v1/runs/${id}/logs?follow=1`);
  state.logSource = es;
  es.addEventListener("log", (e) => add(JSON.parse(e.data)));
  es.addEventListener("end", () => { es.close(); pre.dataset.done = "1"; refreshRuns(); });
}
function alertError(e) { $("start-result").textContent = String(e.message || e); }
$("start-run").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const r = await api("/api/v1/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ scenario: $("scenario").value }) });
    $("start-result").textContent = "started run " + r.id;
    await refreshRuns(); await openRun(r.id);
  } catch (err) { alertError(err); }
});

// --- start
async function start() {
  try {
    state.server = await api("/api/v1/server");
    $("start-run").hidden = !(state.server.allowWrite && state.server.runs);
    const charts = await api("/api/v1/charts");
    state.series = charts.guests; state.interval = charts.interval;
    renderTestbed(await api("/api/v1/testbed"));
    listen();
    await refreshSnapshots();
    await refreshRuns();
    if (fragment.has("run") && state.server.runs) await openRun(Number(fragment.get("run")));
    document.body.dataset.loaded = "1";
  } catch (e) {
    if (e.message !== "unauthorized") $("sampled").textContent = "error: " + e.message;
    return;
  }
  // Structure (guests added by scale, snapshots, runs) changes rarely: re-read it now and then.
  setInterval(() => api("/api/v1/testbed").then(renderTestbed).catch(() => {}), 10000);
  setInterval(() => refreshSnapshots().catch(() => {}), 10000);
  setInterval(() => refreshRuns().catch(() => {}), 3000);
}
start();
