// The dashboard: polls /dashboard/api/state and renders it. No framework, no inline script.
// The bearer key lives only in the `bearerKey` variable below: never in storage, cookies or URLs.

const POLL_MS = 4000;
let bearerKey = "";

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function fillList(dl, entries) {
  dl.replaceChildren(...entries.flatMap(([k, v]) => [el("dt", k), el("dd", v ?? "—")]));
}

const ms = (v) => (v === null || v === undefined ? "—" : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
const time = (epochMs) => new Date(epochMs).toLocaleTimeString();
const resetTime = (epochSeconds) => (epochSeconds ? new Date(epochSeconds * 1000).toLocaleString() : "unknown");

function renderHealth(s) {
  const badge = $("status");
  badge.dataset.state = s.health.ready ? "ready" : "down";
  badge.textContent = s.health.ready ? "Ready" : "Not ready";
  const problem = $("problem");
  problem.hidden = s.health.ready;
  problem.textContent = s.health.ready ? "" : `Not ready: ${s.health.problem}`;
  fillList($("health"), [
    ["Backend", s.health.backend],
    ["Codex CLI (pinned)", s.health.codexVersion],
    ["Codex child", `${s.health.childState}${s.health.childPid ? ` (pid ${s.health.childPid})` : ""}`],
    ["Child restarts", s.health.restarts],
  ]);
  $("updated").textContent = `updated ${time(s.generatedAt)}`;
}

function renderAccount(s) {
  const a = s.account;
  fillList($("account"), a
    ? [["Signed in", a.signedIn ? "yes" : s.health.ready ? "no (the configured provider needs no sign-in)" : "no — use “Sign in with ChatGPT” below"], ["Login", a.authMode], ["Plan", a.planType]]
    : [["Signed in", "unknown (Codex is not answering)"]]);
  const box = $("limits-windows");
  box.replaceChildren();
  for (const [name, w] of Object.entries(a?.rateLimits ?? {})) {
    if (!w) continue;
    const row = el("div", undefined, "window");
    const label = w.windowMinutes ? `${name} (${Math.round(w.windowMinutes / 60)} h window)` : name;
    row.append(el("span", `${label}: ${Math.round(w.usedPercent)}% used, resets ${resetTime(w.resetsAt)}`));
    const meter = el("meter");
    meter.min = 0;
    meter.max = 100;
    meter.value = w.usedPercent;
    row.append(meter);
    box.append(row);
  }
  if (!box.childElementCount) box.append(el("p", "Usage-limit windows appear once Codex has reported them.", "muted"));
}

function renderLoad(s) {
  const l = s.load;
  fillList($("load"), [
    ["Concurrency in use", `${l.concurrencyInUse} / ${l.concurrencyLimit}`],
    ["Queue length", l.queueLength],
    ["Codex turns in flight", l.activeTurns],
    ["Latency p50 / p95", `${ms(l.latency.p50Ms)} / ${ms(l.latency.p95Ms)} (last ${l.latency.samples})`],
    ["Web searches since start", l.webSearches],
    // Not errors: the client hung up (499) or sent its body too slowly (408).
    ["Client aborts: hung up / body too slow", `${l.clientAborts.closed} / ${l.clientAborts.body_timeout}`],
  ]);
  const codes = Object.entries(l.errorsByCode);
  $("errors").replaceChildren(...(codes.length ? codes.map(([code, n]) => el("li", `${code}: ${n}`)) : [el("li", "none", "muted")]));
}

// Why a request that continued a conversation got a fresh thread (see the README's Conversation continuity).
const MISS_LABELS = {
  no_match: "no warm thread has seen this history (edited, trimmed, other)",
  busy: "its thread was answering another request",
  moved_on: "its thread had moved on (regenerate, branch)",
  turn_failed: "its thread's last turn failed",
  evicted_idle: "its thread was idle too long",
  evicted_full: "its thread made room for another",
  restarted: "Codex restarted",
  login_changed: "the login changed",
};

function renderContinuity(s) {
  const c = s.continuity;
  const misses = c ? Object.entries(c.misses).filter(([, n]) => n > 0) : [];
  fillList($("continuity"), !c
    ? [["Continuity", "not available with this backend"]]
    : c.max === 0
      ? [["Continuity", "off (MAX_WARM_THREADS or WARM_THREAD_IDLE_SECONDS is 0)"]]
      : [
          ["Warm threads", `${c.warm} / ${c.max} (idle limit ${c.idleSeconds} s)`],
          ["Continued on their thread", c.hits],
          ["Continued on a fresh thread", misses.reduce((n, [, v]) => n + v, 0)],
        ]);
  $("continuity-misses").replaceChildren(...(misses.length ? misses.map(([reason, n]) => el("li", `${MISS_LABELS[reason] ?? reason}: ${n}`)) : [el("li", "none", "muted")]));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function renderChart(minutes) {
  const width = 600;
  const height = 140;
  const barWidth = width / minutes.length;
  const maxRequests = Math.max(1, ...minutes.map((m) => m.requests));
  const maxLatency = Math.max(1, ...minutes.map((m) => m.p95Ms ?? 0));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", class: "chart" });
  minutes.forEach((m, i) => {
    const h = (m.requests / maxRequests) * height;
    const bar = svg("rect", { x: i * barWidth + 1, y: height - h, width: barWidth - 2, height: h, class: "bar" });
    bar.append(svg("title", {}));
    bar.firstChild.textContent = `${time(m.minute)}: ${m.requests} requests, ${m.errors} errors, p95 ${ms(m.p95Ms)}`;
    chart.append(bar);
    if (m.errors) {
      const eh = (m.errors / maxRequests) * height;
      chart.append(svg("rect", { x: i * barWidth + 1, y: height - eh, width: barWidth - 2, height: eh, class: "errors" }));
    }
  });
  const points = minutes
    .map((m, i) => (m.p95Ms === null ? null : `${i * barWidth + barWidth / 2},${height - (m.p95Ms / maxLatency) * height}`))
    .filter(Boolean);
  if (points.length > 1) chart.append(svg("polyline", { points: points.join(" "), class: "line" }));
  const caption = el("p", `60 minutes to now · peak ${maxRequests} requests/min · p95 up to ${ms(maxLatency)}`, "muted");
  $("chart").replaceChildren(chart, caption);
}

function renderEvents(events) {
  $("events").replaceChildren(...events.map((e) => {
    const clientAbort = e.code === "client_closed" || e.code === "body_timeout";
    const row = el("tr", undefined, clientAbort ? "client-abort" : e.status >= 400 ? "error" : "");
    const tokens = e.promptTokens === null ? "—" : `${e.promptTokens} / ${e.completionTokens ?? 0}`;
    for (const cell of [time(e.time), `${e.method} ${e.route}`, e.status, e.code ?? "", ms(e.durationMs), ms(e.ttftMs), e.model ?? "", tokens, e.requestId]) {
      row.append(el("td", cell));
    }
    return row;
  }));
}

function renderLimits(s) {
  const l = s.limits;
  fillList($("limits"), [
    ["Concurrent requests", l.maxConcurrentRequests],
    ["Queue length / wait", `${l.maxQueueLength} / ${l.queueWaitSeconds} s`],
    ["Request timeout", `${l.requestTimeoutSeconds} s`],
    ["Body size", `${Math.round(l.maxRequestBodyBytes / 1024)} KiB`],
    ["Messages / text", `${l.maxMessages} / ${l.maxTotalTextChars} chars`],
    ["SSE keep-alive", `${l.keepAliveSeconds} s`],
    ["Client time for head / whole request", `${l.httpHeadersTimeoutSeconds} s / ${l.httpBodyTimeoutSeconds} s`],
    ["Idle connection kept / open at most", `${l.httpIdleTimeoutSeconds} s / ${l.httpMaxConnections}`],
    ["Upstream model", l.upstreamModel ?? "Codex's default"],
    ["/metrics", l.metricsPublic ? "open" : "bearer key"],
  ]);
  $("models").replaceChildren(...s.models.map((m) => el("li", m)));
}

function renderLogin(login) {
  const box = $("login-state");
  box.replaceChildren();
  $("cancel-login").hidden = login.status !== "pending";
  if (login.status === "pending") {
    box.append(el("p", "Open this address, sign in with ChatGPT and enter the code:"));
    const link = el("a", login.verificationUrl);
    link.href = login.verificationUrl;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    box.append(link, el("p", login.userCode, "code"));
  } else if (login.status === "succeeded") {
    box.append(el("p", `Signed in at ${time(login.at)}.`, "ok"));
  } else if (login.status === "failed") {
    box.append(el("p", `Sign-in failed: ${login.error}`, "bad"));
  }
}

async function refresh() {
  try {
    const res = await fetch("/dashboard/api/state", { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const s = await res.json();
    renderHealth(s);
    renderAccount(s);
    renderLoad(s);
    renderContinuity(s);
    renderChart(s.lastHour);
    renderEvents(s.events);
    renderLimits(s);
    renderLogin(s.login);
  } catch (err) {
    $("status").dataset.state = "down";
    $("status").textContent = "Adapter not answering";
    $("updated").textContent = String(err);
  }
}

async function action(path) {
  const out = $("action-result");
  if (!bearerKey) {
    out.replaceChildren(el("p", "Type the bearer key first.", "bad"));
    return undefined;
  }
  out.replaceChildren(el("p", "Working…", "muted"));
  const res = await fetch(`/dashboard/api/actions/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearerKey}`, "content-type": "application/json" },
    body: "{}",
    cache: "no-store",
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    out.replaceChildren(el("p", `${res.status}: ${body.error?.message ?? "failed"}`, "bad"));
    return undefined;
  }
  out.replaceChildren();
  return body;
}

function showProbe(p) {
  const out = $("action-result");
  const summary = p.ok
    ? `Probe OK: HTTP ${p.status} in ${ms(p.totalMs)}, first token after ${ms(p.firstTokenMs)}`
    : `Probe failed: HTTP ${p.status} after ${ms(p.totalMs)}: ${p.error}`;
  out.replaceChildren(el("p", summary, p.ok ? "ok probe" : "bad probe"));
  if (p.reply) out.append(el("p", `Reply: ${p.reply}`));
  if (p.usage) out.append(el("p", `Tokens: ${p.usage.promptTokens} in, ${p.usage.completionTokens} out`, "muted"));
}

$("key").addEventListener("input", (e) => (bearerKey = e.target.value.trim()));
$("probe").addEventListener("click", async () => {
  const result = await action("probe");
  if (result) showProbe(result);
  await refresh();
});
$("login").addEventListener("click", async () => {
  const login = await action("login");
  if (login) renderLogin(login);
});
$("cancel-login").addEventListener("click", async () => {
  const login = await action("login/cancel");
  if (login) renderLogin(login);
});
$("logout").addEventListener("click", async () => {
  if (await action("logout")) await refresh();
});

void refresh();
setInterval(() => void refresh(), POLL_MS);
