/**
 * The status page at `/`: one HTML document with its style and a small script inline
 * (no build step, no file to find from dist/, nothing fetched from elsewhere). The
 * script polls `/status.json` every two seconds and draws who is online by dialect,
 * the uptime and version, and the message rates of the last minutes as an SVG chart.
 * Every name is set with textContent, never parsed as HTML.
 */
import { createHash } from "node:crypto";

/** How often the page polls, in ms. */
export const POLL_MS = 2000;

const STYLE = `
:root { color-scheme: light dark; --in: #2a7ae2; --out: #e8833a; --muted: #888; --card: rgba(127,127,127,.08); }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 980px; padding: 1.2rem; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1.4rem; border-bottom: 1px solid var(--card); padding-bottom: .6rem; }
h1 { font-size: 1.4rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.4rem 0 .5rem; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .05em; }
.meta { color: var(--muted); }
.meta b { color: CanvasText; font-weight: 600; }
#state.down { color: #d33; }
#online { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .7rem; }
section.dialect { background: var(--card); border-radius: 8px; padding: .6rem .8rem; }
section.dialect h3 { margin: 0 0 .3rem; font-size: 1rem; display: flex; justify-content: space-between; }
section.dialect h3 .count { color: var(--muted); font-weight: normal; }
section.dialect ul { list-style: none; margin: 0; padding: 0; max-height: 14rem; overflow: auto; }
section.dialect li { overflow-wrap: anywhere; }
section.dialect li.none, section.dialect li.more { color: var(--muted); font-style: italic; }
#chart { width: 100%; height: auto; background: var(--card); border-radius: 8px; }
#chart polyline { fill: none; stroke-width: 1.6; }
#line-in { stroke: var(--in); } #line-out { stroke: var(--out); }
#chart text { fill: var(--muted); font-size: 11px; }
#chart line { stroke: var(--muted); stroke-opacity: .35; stroke-dasharray: 3 3; }
.legend { display: flex; gap: 1.4rem; margin-top: .3rem; }
.legend span::before { content: ""; display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .35em; vertical-align: -.05em; }
.legend .in::before { background: var(--in); } .legend .out::before { background: var(--out); }
`;

const SCRIPT = `
"use strict";
const POLL_MS = ${POLL_MS};
const W = 600, H = 160, PAD = 4;
const byId = (id) => document.getElementById(id);
let uptimeAt = 0, uptimeBase = 0;

function make(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function formatUptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  if (d > 0) return d + "d " + h + "h " + two(m) + "m";
  if (h > 0) return h + "h " + two(m) + "m " + two(sec) + "s";
  if (m > 0) return m + "m " + two(sec) + "s";
  return sec + "s";
}

function tickUptime() {
  if (uptimeAt === 0) return;
  byId("uptime").textContent = formatUptime(uptimeBase + Math.floor((Date.now() - uptimeAt) / 1000));
}

function renderOnline(groups) {
  const box = byId("online");
  const sections = [];
  let total = 0;
  for (const g of groups) {
    total += g.count;
    const section = make("section", "dialect");
    section.dataset.dialect = g.dialect;
    const title = make("h3");
    title.append(make("span", "name", g.dialect), make("span", "count", String(g.count)));
    const list = make("ul");
    for (const name of g.names) list.append(make("li", "user", name));
    if (g.count > g.names.length) list.append(make("li", "more", "and " + (g.count - g.names.length) + " more"));
    if (g.count === 0) list.append(make("li", "none", "nobody"));
    section.append(title, list);
    sections.push(section);
  }
  box.replaceChildren(...sections);
  byId("online-total").textContent = String(total);
}

function points(series, window, max) {
  const step = (W - 2 * PAD) / Math.max(1, window - 1);
  const first = window - series.length;
  return series.map((v, i) => {
    const x = PAD + (first + i) * step;
    const y = H - PAD - (v / max) * (H - 2 * PAD);
    return x.toFixed(1) + "," + y.toFixed(1);
  }).join(" ");
}

function niceCeiling(v) {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function renderChart(rates) {
  const perSecond = (n) => n / rates.stepSeconds;
  const ins = rates.in.map(perSecond), outs = rates.out.map(perSecond);
  const max = niceCeiling(Math.max(1, ...ins, ...outs));
  byId("line-in").setAttribute("points", points(ins, rates.window, max));
  byId("line-out").setAttribute("points", points(outs, rates.window, max));
  byId("y-max").textContent = max + "/s";
  byId("x-start").textContent = Math.round((rates.window * rates.stepSeconds) / 60) + " min ago";
  // The latest rate, averaged over the last 5 seconds so it does not flicker.
  const recent = (s) => { const tail = s.slice(-Math.max(1, Math.round(5 / rates.stepSeconds))); return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : 0; };
  byId("rate-in").textContent = recent(ins).toFixed(1);
  byId("rate-out").textContent = recent(outs).toFixed(1);
}

// A cluster node names itself and the users on every node seen (docs/cluster.md#operations).
function renderCluster(c) {
  const el = byId("cluster");
  if (!c) { el.hidden = true; return; }
  el.hidden = false;
  const others = c.nodes.map((n) => n.node + " " + n.users).join(", ");
  el.textContent = "node " + c.node + (c.connected ? "" : " (NATS unreachable)") + " · " + c.nodes.length + " nodes: " + others;
}

async function poll() {
  try {
    const res = await fetch("status.json", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    const s = await res.json();
    byId("version").textContent = s.version;
    uptimeBase = s.uptimeSeconds;
    uptimeAt = Date.now();
    tickUptime();
    renderOnline(s.online);
    renderCluster(s.cluster);
    renderChart(s.rates);
    byId("state").textContent = "live";
    byId("state").className = "";
  } catch (err) {
    byId("state").textContent = "cannot reach the server (" + err.message + ")";
    byId("state").className = "down";
  }
  setTimeout(poll, POLL_MS);
}

setInterval(tickUptime, 1000);
poll();
`;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

/** Only this page's own script and style may run; it may fetch only from this server. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(SCRIPT)}'`,
  `style-src 'sha256-${sha256(STYLE)}'`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Switchboard</h1>
  <span class="meta">version <b id="version">…</b></span>
  <span class="meta">up <b id="uptime">…</b></span>
  <span class="meta"><b id="online-total">…</b> online</span>
  <span class="meta" id="cluster" hidden></span>
  <span class="meta" id="state">loading…</span>
</header>
<h2>Online, by dialect</h2>
<div id="online"></div>
<h2>Messages per second</h2>
<svg id="chart" viewBox="0 0 600 160" role="img" aria-label="messages per second, in and out, over the last minutes">
  <line x1="4" y1="4" x2="596" y2="4"></line>
  <line x1="4" y1="82" x2="596" y2="82"></line>
  <text id="y-max" x="8" y="16"></text>
  <text id="x-start" x="8" y="152"></text>
  <text x="592" y="152" text-anchor="end">now</text>
  <polyline id="line-out" points=""></polyline>
  <polyline id="line-in" points=""></polyline>
</svg>
<div class="legend">
  <span class="in">in <b id="rate-in">0.0</b>/s</span>
  <span class="out">out <b id="rate-out">0.0</b>/s</span>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
