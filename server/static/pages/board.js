/* The hall board (综合屏) as a page, for TVs and signage players: the same content as the PyQt6
 * board (display/presenter.py): the newest call large and blinking, the calls before it, every
 * window's state, waiting and estimate per item, the notice line, the clock.
 *
 *   /board?token=DISPLAY_TOKEN[&zone=1F][&portrait=1][&blink=5]
 *
 * The voice: each new call is said by the hall's server (GET /api/v1/calls/<seq>/announcement:
 * the chime and the hall's sentence, repeated as configured), one at a time through one audio
 * element, first in first out. The server answers 204 when a call is not to be said now
 * (quiet hours, or the window has moved on), so those rules live in one place. When the player
 * refuses to start sound by itself, the call is still shown and a button asks for one tap. */
"use strict";

(() => {
  const J = Jiaohao;
  const E = Protocol.events;
  const params = new URLSearchParams(location.search);
  const TOKEN = params.get("token") || "";
  const ZONE = params.get("zone") || "";
  const PORTRAIT = ["1", "true", "yes"].includes((params.get("portrait") || "").toLowerCase());
  // WCAG 2.2.2: nobody can pause a wall screen, so the blink stops by itself (protocol/live.py)
  const BLINK_LONGEST_S = Protocol.blink_longest_seconds;
  const BLINK_MS = 1000 * Math.min(BLINK_LONGEST_S, Number(params.get("blink")) >= 0 && params.get("blink") !== null
    ? Number(params.get("blink")) : BLINK_LONGEST_S);
  const RECENT = 8;
  const LONGEST_SENTENCE_MS = 60_000;   // a stuck player must not silence the board for the day
  const WEEKDAYS = "一二三四五六日";
  const STATUS = {
    called: ["已呼叫", "Called"], serving: ["办理中", "Serving"], idle: ["空闲", "Free"],
    paused: ["暂停服务", "Paused"], closed: ["未开放", "Closed"],
  };
  const $ = (id) => document.getElementById(id);

  const state = {
    hall: null, seq: 0, windows: new Map(), services: new Map(),
    calls: [],                 // newest first, this zone only: {seq, ticket_id, number, window, recall}
    blinkUntil: 0, heardUpTo: null, socket: null,
  };
  const voice = { queue: [], queued: new Set(), playing: false, refused: false, log: [] };
  window.boardVoice = voice;   // what was said, skipped or refused: for the hall's technician

  // --- who we are ------------------------------------------------------------------------------

  function refuse(zh, en) {
    if (state.socket) state.socket.disconnect();
    $("hall").hidden = true;
    $("refused").hidden = false;
    J.setText($("refused-text"), zh);
    J.setText($("refused-text-en"), en);
    document.body.classList.add("is-refused");
  }

  async function start() {
    document.body.classList.toggle("portrait", PORTRAIT);
    if (!TOKEN) {
      return refuse("地址中缺少综合屏凭证：请使用 /board?token=… 打开", "The address has no board token: open /board?token=…");
    }
    try {
      const me = await J.api("/me", { token: TOKEN });
      if (me.kind !== "device" || me.role !== "display") {
        return refuse("这不是综合屏的凭证", "This token is not a hall board's token");
      }
    } catch (err) {
      if (err.status === 401) return refusedToken();
      setTimeout(start, 3000);   // the server is not up yet: keep trying by itself
      return undefined;
    }
    $("refused").hidden = true;
    $("hall").hidden = false;
    connect();
    return undefined;
  }

  const refusedToken = () => refuse("综合屏凭证无效或已被撤销，请联系管理员",
    "The board's token is invalid or revoked: ask the administrator for a new address");

  // --- live messages ---------------------------------------------------------------------------

  function connect() {
    const handlers = {
      [E.HALL_SNAPSHOT]: applySnapshot,
      [E.WINDOW_CHANGED]: (m) => { known(state.windows, m.window.number, m.seq, m.window); render(); },
      [E.QUEUE_CHANGED]: (m) => { m.services.forEach((s) => known(state.services, s.code, m.seq, s)); render(); },
      [E.TICKET_CALLED]: onCalled,
    };
    Protocol.in_seq.forEach((name) => {   // every step of the log moves our place in it
      const apply = handlers[name] || (() => {});
      handlers[name] = (m) => { apply(m); state.seq = Math.max(state.seq, m.seq); };
    });
    state.socket = J.connectLive(TOKEN, handlers, {
      onStatus: (online) => { $("offline").hidden = online; },
      onRefused: refusedToken,
      // a missed message: ask for everything after the last one we have, in order
      onGap: () => state.socket.emit(E.RESYNC, { since: state.seq }),
      // a board hears its zone's part of the hall only (every zone's: the calls, windows and
      // waiting figures of the whole hall), not the tickets' other messages
      zone: ZONE || Protocol.every_zone,
    });
  }

  /** A window or an item only moves forward: a replayed message never rolls the board back. */
  function known(table, key, seq, view) {
    const old = table.get(key);
    if (!old || seq >= old.seq) table.set(key, { seq, view });
  }

  function applySnapshot(snapshot) {
    state.hall = snapshot.hall;
    state.seq = snapshot.seq;
    state.windows = new Map(snapshot.windows.map((w) => [w.number, { seq: snapshot.seq, view: w }]));
    state.services = new Map(snapshot.services.map((s) => [s.code, { seq: snapshot.seq, view: s }]));
    const calls = snapshot.recent_calls.filter((c) => inZone(c.window));
    calls.slice().reverse().forEach(addCall);
    // calls made while the link was down are said now (the server skips those gone stale);
    // the first snapshot's calls are history
    if (state.heardUpTo !== null) {
      calls.filter((c) => c.seq > state.heardUpTo).sort((a, b) => a.seq - b.seq).forEach((c) => say(c.seq));
    }
    state.heardUpTo = Math.max(state.heardUpTo || 0, snapshot.seq);
    render();
  }

  function onCalled(message) {
    const call = {
      seq: message.seq, ticket_id: message.ticket.id, number: message.ticket.number,
      window: message.window, recall: Boolean(message.recall),
    };
    state.heardUpTo = Math.max(state.heardUpTo || 0, message.seq);
    if (!inZone(call.window)) return;
    const wasNewest = addCall(call) && state.calls[0].seq === call.seq;
    if (wasNewest && !message.replayed) state.blinkUntil = Date.now() + BLINK_MS;
    say(call.seq);
    render();
  }

  /** One line per ticket: a recall replaces the ticket's earlier line. */
  function addCall(call) {
    if (state.calls.some((c) => c.ticket_id === call.ticket_id && c.seq >= call.seq)) return false;
    state.calls = state.calls.filter((c) => c.ticket_id !== call.ticket_id).concat([call]);
    state.calls.sort((a, b) => b.seq - a.seq);
    state.calls.length = Math.min(state.calls.length, RECENT + 1);
    return true;
  }

  function inZone(number) {
    if (!ZONE) return true;
    const w = state.windows.get(number);
    return Boolean(w) && w.view.zone === ZONE;
  }

  // --- what the board shows ---------------------------------------------------------------------

  function render() {
    if (!state.hall) return;
    J.setText($("hall-name"), state.hall.name);
    J.setText($("hall-name-en"), state.hall.name_en);
    renderNow();
    renderRecent();
    renderWindows();
    renderItems();
    renderNotice();
    tick();
  }

  function renderNow() {
    const call = state.calls[0];
    $("now").classList.toggle("empty", !call);
    if (!call) {
      J.setText($("now-number"), "");
      J.setText($("now-window"), "等候叫号");
      J.setText($("now-en"), "Waiting for the first call");
      return;
    }
    J.setText($("now-number"), call.number);
    J.setText($("now-window"), `${call.recall ? "再次呼叫 · " : ""}请到 ${call.window} 号窗口`);
    J.setText($("now-en"), `${call.recall ? "Calling again: " : ""}Number ${call.number}, please go to window ${call.window}`);
    ["now-number", "now-window", "now-en"].forEach((id) => fitWidth($(id)));
  }

  /** Shrinks a line until it fits its box (names and recalls vary in length), as the PyQt6 board does. */
  function fitWidth(node) {
    node.style.fontSize = "";
    let size = parseFloat(getComputedStyle(node).fontSize);
    const room = node.parentElement.clientWidth;
    while (node.scrollWidth > room && size > 12) {
      size *= 0.92;
      node.style.fontSize = `${size}px`;
    }
  }

  function renderRecent() {
    const list = $("recent");
    J.clear(list);
    state.calls.slice(1, RECENT + 1).forEach((call) => {
      const row = J.el("li", call.recall ? "recall" : "");
      row.append(J.el("span", "recent-number", call.number), J.el("span", "recent-window", `→ ${call.window} 号窗口`));
      list.append(row);
    });
  }

  /** A window as citizens see it: what it is doing is the server's answer (`shown`, from
   * hall/wording.py, as on the Qt board); never the clerk's name. */
  function windowRow(view) {
    const key = view.shown;
    const hint = key === "paused" && view.nearest_open ? `请到 ${view.nearest_open} 号窗口` : "";
    return { number: view.number, key, current: key === "serving" || key === "called" ? view.current.number : "", hint };
  }

  function zoneWindows() {
    return [...state.windows.keys()].filter(inZone).sort((a, b) => a - b)
      .map((n) => windowRow(state.windows.get(n).view));
  }

  function renderWindows() {
    const grid = $("windows");
    J.clear(grid);
    const rows = zoneWindows();
    grid.style.setProperty("--columns", String(gridColumns(rows.length)));
    rows.forEach((row) => {
      const cell = J.el("li", `window-cell status-${row.key}`);
      cell.dataset.window = String(row.number);
      const top = J.el("p", "cell-top");
      top.append(J.el("span", "cell-number", `${row.number}号`), J.el("span", "cell-label", STATUS[row.key][0]));
      const bottom = row.current ? J.el("p", "cell-current", row.current)
        : J.el("p", row.hint ? "cell-hint" : "cell-en", row.hint || STATUS[row.key][1]);
      cell.append(top, bottom);
      grid.append(cell);
    });
  }

  /** Columns giving the largest cells of about 1.7:1 in the panel. */
  function gridColumns(count) {
    const box = $("windows").getBoundingClientRect();
    let best = 1; let bestSize = 0;
    for (let cols = 1; cols <= Math.max(1, count); cols += 1) {
      const rows = Math.ceil(count / cols);
      const size = Math.min(box.width / cols / 1.7, box.height / rows);
      if (size > bestSize) { best = cols; bestSize = size; }
    }
    return best;
  }

  /** Items people are waiting for in this zone, longest queue first. */
  function renderItems() {
    const list = $("items");
    J.clear(list);
    const ours = new Set(zoneWindows().map((w) => w.number));
    const rows = [...state.services.values()].map((k) => k.view)
      .filter((s) => s.waiting > 0 && s.windows.some((n) => ours.has(n)))
      .sort((a, b) => b.waiting - a.waiting || a.name.localeCompare(b.name, "zh-CN"));
    if (!rows.length) {
      list.append(J.el("li", "nobody", "目前无人等候  No one waiting"));
      return;
    }
    rows.forEach((s) => {
      const row = J.el("li", "item-row");
      row.dataset.service = s.code;
      const names = J.el("span", "item-names");
      names.append(J.el("span", "item-name", s.name), J.el("span", "item-name-en", s.name_en));
      const wait = J.el("span", "item-wait");
      wait.append(J.el("span", "item-estimate", s.estimated_wait.text), J.el("span", "item-estimate-en", s.estimated_wait.text_en));
      row.append(names, J.el("span", "item-count", `${s.waiting} 人`), wait);
      list.append(row);
    });
  }

  function renderNotice() {
    const text = [state.hall.notice, state.hall.notice_en].filter(Boolean).join("    ");
    const node = $("notice");
    if (node.textContent !== text) J.setText(node, text);
    node.parentElement.hidden = !text;
  }

  function tick() {
    $("now").classList.toggle("blinking", Date.now() < state.blinkUntil);
    if (!state.hall) return;
    const zone = state.hall.timezone || "Asia/Shanghai";
    const now = new Date();
    J.setText($("clock"), J.clockText(now, zone, "zh", true));
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
    }).formatToParts(now).map((p) => [p.type, p.value]));
    const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday);
    J.setText($("date"), `${parts.year}-${parts.month}-${parts.day} 星期${WEEKDAYS[weekday]}`);
  }

  // --- the voice: first in, first out, one at a time ---------------------------------------------

  function say(seq) {
    if (voice.queued.has(seq)) return;
    voice.queued.add(seq);
    voice.queue.push(seq);
    if (!voice.playing && !voice.refused) playNext();
  }

  /** Says the call at the head of the queue, then the next. A call the player refused to
   * start (no tap yet) stays at the head: after the tap it is said, then the rest in order. */
  async function playNext() {
    const seq = voice.queue[0];
    if (seq === undefined || voice.refused) { voice.playing = false; return; }
    voice.playing = true;
    let outcome;
    try {
      outcome = await playOne(seq);
    } catch (err) {
      voice.log.push({ seq, outcome: "failed", detail: String(err && err.message) });
    }
    if (outcome === "refused") {
      voice.playing = false;
      return;
    }
    voice.queue.shift();
    playNext();
  }

  async function playOne(seq) {
    const reply = await fetch(`/api/v1/calls/${seq}/announcement`, {
      headers: { Authorization: `Bearer ${TOKEN}` }, cache: "no-store",
    });
    if (reply.status === 204) {
      voice.log.push({ seq, outcome: "silent", detail: reply.headers.get("X-Jiaohao-Silence") });
      return "silent";
    }
    if (reply.status === 401) { refusedToken(); return "failed"; }
    if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
    const url = URL.createObjectURL(await reply.blob());
    try {
      return await playUrl(url, seq);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  /** Resolves with the outcome when the sentence has ended or could not be played: only then
   * comes the next. */
  function playUrl(url, seq) {
    const audio = $("voice");
    return new Promise((resolve) => {
      let timer = null;
      const done = (outcome) => {
        clearTimeout(timer);
        audio.removeEventListener("ended", onEnded);
        audio.removeEventListener("error", onError);
        voice.log.push({ seq, outcome });
        resolve(outcome);
      };
      const onEnded = () => done("said");
      const onError = () => done("failed");
      audio.addEventListener("ended", onEnded);
      audio.addEventListener("error", onError);
      timer = setTimeout(() => done("timed_out"), LONGEST_SENTENCE_MS);
      audio.src = url;
      audio.play().catch((err) => {
        // autoplay refused (no tap yet on this player): the call stays on screen, and in the
        // queue until a tap lets the page speak
        voice.refused = err && err.name === "NotAllowedError";
        $("sound-off").hidden = !voice.refused;
        if (voice.refused) {   // let go of the sentence: its address is about to be revoked
          audio.removeAttribute("src");
          audio.load();
        }
        done(voice.refused ? "refused" : "failed");
      });
    });
  }

  $("sound-off").addEventListener("click", () => {
    // a play() inside the tap lets this element sound from now on (Android WebView asks it of
    // the element itself); then the calls waiting are said, oldest first
    const audio = $("voice");
    audio.muted = true;
    audio.play().catch(() => {});   // settles as aborted by the pause below
    audio.pause();
    audio.muted = false;
    voice.refused = false;
    $("sound-off").hidden = true;
    if (!voice.playing) playNext();
  });

  window.addEventListener("resize", J.debounce(render, 150));
  setInterval(tick, 250);
  start();
})();
