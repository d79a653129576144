/* SaiPing marking sheet: offline first.
 *
 * Every mark gets an id made on the tablet and goes into a queue in IndexedDB before anything is sent,
 * so a mark survives a dropped network, a reload and a closed browser. The queue is sent in the order the
 * marks were made to POST /api/v1/marks/sync; the server answers per mark (accepted, duplicate, conflict,
 * refused) and sending the same mark twice stores it once. Each mark shows where it is: "saved on this
 * tablet" until the server has it, then "received by the server".
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("sheet-data").textContent);
  const text = JSON.parse(document.getElementById("sheet-text").textContent);
  const app = document.getElementById("sheet-app");
  const statusBox = document.getElementById("sync-status");
  const DB_NAME = "saiping-tablet";
  const STORE = "queue";
  const BATCH = 500;
  let db = null;
  let syncing = false;
  let retryTimer = null;
  let current = null; // the entry being marked
  // cell "entryId:aspectId" -> {value, state: "server" | "local" | "refused" | "conflict", message}
  const cells = {};

  function fmt(template, params) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(params[name]));
  }

  function newId() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // --- IndexedDB ------------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "client_id" });
        store.createIndex("seq", "seq");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function tx(mode, work) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  const allQueued = () => tx("readonly", (store) => store.index("seq").getAll());
  const putQueued = (item) => tx("readwrite", (store) => store.put(item));

  // --- state ----------------------------------------------------------------------------------------
  function loadServerMarks() {
    for (const [key, value] of Object.entries(data.marks)) cells[key] = { value, state: "server" };
  }

  async function overlayQueue() {
    const queued = await allQueued();
    for (const item of queued) {
      if (item.skill_id !== data.skill.id || item.judge !== text.judge) continue;
      const key = `${item.entry_id}:${item.aspect_id}`;
      if (item.status === "pending") cells[key] = { value: item.value, state: "local" };
      else if (item.status === "refused" || item.status === "conflict") {
        cells[key] = { value: item.value, state: item.status, message: item.message };
      } else if (item.status === "synced") cells[key] = { value: item.value, state: "server" };
    }
  }

  async function pendingCount() {
    return (await allQueued()).filter((item) => item.status === "pending").length;
  }

  async function showStatus() {
    const pending = await pendingCount();
    const online = navigator.onLine;
    statusBox.className = "sync-status " + (pending ? "is-pending" : "is-synced") + (online ? "" : " is-offline");
    statusBox.textContent = (online ? text.online : text.offline) + " · " +
      (pending ? fmt(text.pending, { n: pending }) : text.all_sent);
  }

  // --- saving and sending ---------------------------------------------------------------------------
  let seq = Date.now() * 1000;

  async function saveMark(entryId, aspectId, value) {
    seq += 1;
    const item = {
      client_id: newId(), seq, skill_id: data.skill.id, judge: text.judge, entry_id: entryId,
      aspect_id: aspectId, value: String(value), client_time: new Date().toISOString(), status: "pending",
    };
    await putQueued(item);
    cells[`${entryId}:${aspectId}`] = { value: item.value, state: "local" };
    render();
    sync();
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    clearTimeout(retryTimer);
    try {
      for (;;) {
        const pending = (await allQueued()).filter((item) => item.status === "pending");
        if (!pending.length) break;
        const batch = pending.slice(0, BATCH);
        const response = await fetch(text.sync_url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": text.csrf },
          body: JSON.stringify({
            marks: batch.map(({ client_id, entry_id, aspect_id, value, client_time }) =>
              ({ client_id, entry_id, aspect_id, value, client_time })),
          }),
        });
        if (!response.ok) throw new Error(`sync answered ${response.status}`);
        const answer = await response.json();
        const byId = new Map(batch.map((item) => [item.client_id, item]));
        for (const result of answer.results) {
          const item = byId.get(result.client_id);
          if (!item) continue;
          item.status = result.status === "accepted" || result.status === "duplicate" ? "synced" : result.status;
          item.message = result.message || "";
          await putQueued(item);
          const key = `${item.entry_id}:${item.aspect_id}`;
          const cell = cells[key];
          if (cell && cell.value === item.value) {
            cells[key] = { value: item.value, state: item.status === "synced" ? "server" : item.status,
                           message: item.message };
          }
        }
      }
    } catch (error) {
      retryTimer = setTimeout(sync, 5000); // the network is down or the server is busy: try again
    } finally {
      syncing = false;
      render();
      showStatus();
    }
  }

  // --- rendering ------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function markedCount(entryId) {
    return data.aspects.filter((a) => cells[`${entryId}:${a.id}`]).length;
  }

  function stateLine(cell) {
    if (!cell) return null;
    const labels = { server: text.received, local: text.saved_local, refused: text.refused, conflict: text.conflict };
    return el("div", { class: `mark-state state-${cell.state}` },
      labels[cell.state] + (cell.message ? `: ${cell.message}` : ""));
  }

  function renderGrid() {
    const grid = el("div", { class: "row g-3 competitor-grid" });
    for (const entry of data.entries) {
      const done = markedCount(entry.id);
      const complete = done >= data.aspects.length;
      const card = el("button", {
        type: "button", class: `card w-100 competitor-card ${complete ? "complete" : ""}`,
        "data-entry": entry.number, onclick: () => { location.hash = `e${entry.id}`; },
      }, el("div", { class: "card-body text-center" },
        el("div", { class: "competitor-number" }, entry.number),
        el("div", { class: "small" }, fmt(text.marked, { done, total: data.aspects.length }))));
      grid.append(el("div", { class: "col-6 col-sm-4 col-md-3" }, card));
    }
    return grid;
  }

  function renderAspect(entry, aspect) {
    const key = `${entry.id}:${aspect.id}`;
    const cell = cells[key];
    const description = text.lang === "en" && aspect.text_en ? aspect.text_en : aspect.text;
    const box = el("fieldset", { class: "aspect card mb-3", "data-aspect": aspect.code },
      el("legend", { class: "h6 card-header" }, `${aspect.code} · ${description} `,
        el("span", { class: "text-muted small" }, `(${fmt(text.max, { m: Number(aspect.max) })})`)));
    const body = el("div", { class: "card-body" });
    if (aspect.kind === "judgement") {
      const group = el("div", { class: "judgement-buttons", role: "radiogroup" });
      [0, 1, 2, 3].forEach((level) => {
        const chosen = cell && Number(cell.value) === level;
        group.append(el("button", {
          type: "button", class: `btn btn-judgement ${chosen ? "btn-primary" : "btn-outline-primary"}`,
          "aria-pressed": chosen ? "true" : "false", "data-level": String(level),
          onclick: () => saveMark(entry.id, aspect.id, level), disabled: data.locked ? "disabled" : null,
        }, el("span", { class: "level" }, String(level)),
          aspect.descriptors[level] ? el("span", { class: "descriptor" }, aspect.descriptors[level]) : null));
      });
      body.append(group);
    } else if (aspect.method === "yes_no") {
      const group = el("div", { class: "judgement-buttons yes-no" });
      [[aspect.max, text.yes], ["0", text.no]].forEach(([value, label]) => {
        const chosen = cell && Number(cell.value) === Number(value);
        group.append(el("button", {
          type: "button", class: `btn btn-judgement ${chosen ? "btn-primary" : "btn-outline-primary"}`,
          onclick: () => saveMark(entry.id, aspect.id, value), disabled: data.locked ? "disabled" : null,
        }, label));
      });
      body.append(group);
    } else {
      const input = el("input", {
        class: "form-control form-control-lg measurement-input", type: "number", inputmode: "decimal",
        step: "0.01", min: "0", max: aspect.max, id: `m-${key}`, value: cell ? cell.value : "",
        disabled: data.locked ? "disabled" : null,
      });
      const save = () => { if (input.value.trim() !== "" && (!cell || input.value !== cell.value)) saveMark(entry.id, aspect.id, input.value.trim()); };
      input.addEventListener("change", save);
      body.append(el("label", { class: "form-label", for: `m-${key}` }, fmt(text.mark_range, { m: Number(aspect.max) })),
        el("div", { class: "d-flex gap-2" }, input,
          el("button", { type: "button", class: "btn btn-outline-primary", onclick: save,
                         disabled: data.locked ? "disabled" : null }, text.save)));
    }
    const line = stateLine(cell);
    if (line) body.append(line);
    box.append(body);
    return box;
  }

  function renderEntry(entry) {
    const view = el("div", { class: "entry-view" },
      el("button", { type: "button", class: "btn btn-link px-0", onclick: () => { location.hash = ""; } }, `← ${text.back}`),
      el("h2", { class: "h4" }, fmt(text.competitor, { number: entry.number })));
    for (const aspect of data.aspects) view.append(renderAspect(entry, aspect));
    return view;
  }

  function render() {
    const match = /^#e(\d+)$/.exec(location.hash);
    current = match ? data.entries.find((e) => e.id === Number(match[1])) : null;
    const focused = document.activeElement && document.activeElement.id;
    app.replaceChildren(current ? renderEntry(current) : renderGrid());
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  // --- start ----------------------------------------------------------------------------------------
  async function cacheThisPage() {
    if (!("caches" in self) || !navigator.onLine) return;
    const cache = await caches.open("saiping-tablet-v1");
    const assets = [...document.querySelectorAll("link[rel=stylesheet][href], script[src]")]
      .map((node) => node.getAttribute("href") || node.getAttribute("src"));
    await cache.addAll([location.pathname, ...assets]).catch(() => {});
  }

  async function start() {
    db = await openDb();
    loadServerMarks();
    await overlayQueue();
    render();
    showStatus();
    window.addEventListener("hashchange", render);
    window.addEventListener("online", () => { showStatus(); sync(); });
    window.addEventListener("offline", showStatus);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet/" }).catch(() => {});
    }
    cacheThisPage();
    sync();
  }

  start();
})();
