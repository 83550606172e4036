/* The clerk's window terminal (窗口工作台). The session token lives in sessionStorage (not a
 * cookie: nothing for another site to ride on) and goes to the REST API and Socket.IO.
 * Every refusal from the server is shown with its own bilingual message. */
"use strict";

(() => {
  const J = Jiaohao;
  const TOKEN_KEY = "jiaohao.clerk.token";
  const LANG_KEY = "jiaohao.clerk.lang";
  const WINDOW_KEY = "jiaohao.clerk.window";

  /** The server could not save (disk full, read-only, failing): the clerk must know the press
   * did nothing and that it is not theirs to fix, not read a generic error. Bilingual, like
   * every refusal the server words itself. */
  const STORAGE_TROUBLE = {
    storage_full: ["未保存：服务器存储空间已满，叫号、办结等操作暂时都无法保存。请立即告知管理员；空间恢复后无需刷新即可继续",
                   "Not saved: the server's storage is full, so no call, finish or other action can be saved. Tell the administrator now; it works again by itself once space is freed"],
    storage_read_only: ["未保存：服务器存储变为只读，叫号、办结等操作暂时都无法保存。请立即告知管理员",
                        "Not saved: the server's storage became read-only, so no call, finish or other action can be saved. Tell the administrator now"],
    storage_error: ["未保存：服务器存储故障，叫号、办结等操作暂时都无法保存。请立即告知管理员",
                    "Not saved: the server's storage failed, so no call, finish or other action can be saved. Tell the administrator now"],
  };

  /** What a refusal says on the terminal: the server's own bilingual message, or for storage
   * trouble the terminal's fuller one. */
  function refusalText(err) {
    const trouble = STORAGE_TROUBLE[err.code];
    return trouble ? `${trouble[0]} / ${trouble[1]}` : err.message;
  }

  const WORDS = {
    loginTitle: { zh: "窗口工作台 · 登录", en: "Clerk terminal · sign in" },
    username: { zh: "用户名", en: "User name" },
    password: { zh: "密码", en: "Password" },
    signIn: { zh: "登录", en: "Sign in" },
    pickTitle: { zh: "选择窗口", en: "Choose your window" },
    window: { zh: "窗口", en: "Window" },
    signInWindow: { zh: "在此窗口签到", en: "Sign in at this window" },
    logout: { zh: "退出登录", en: "Log out" },
    signOut: { zh: "签退", en: "Sign out" },
    offline: { zh: "连接中断", en: "offline" },
    waited: { zh: "已等候", en: "Waited" },
    handling: { zh: "办理用时", en: "Handling" },
    recalls: { zh: "重呼", en: "Recalls" },
    aNext: { zh: "呼叫下一位", en: "Call next" },
    aRecall: { zh: "重呼", en: "Recall" },
    aStart: { zh: "开始办理", en: "Start" },
    aFinish: { zh: "办结", en: "Finish" },
    aNoShow: { zh: "过号", en: "No-show" },
    aHold: { zh: "挂起", en: "Hold" },
    aTransfer: { zh: "转移", en: "Transfer" },
    aCall: { zh: "特呼", en: "Call number" },
    aPause: { zh: "暂停服务", en: "Pause" },
    aResume: { zh: "恢复服务", en: "Resume" },
    waitingList: { zh: "本窗口等候", en: "Waiting for this window" },
    heldList: { zh: "挂起", en: "Held" },
    today: { zh: "我的今日统计", en: "My day" },
    nobodyWaiting: { zh: "当前无人等候", en: "Nobody is waiting" },
    findNumber: { zh: "查找号码", en: "Find a number" },
    numberExample: { zh: "如 A123", en: "e.g. A123" },
    find: { zh: "查找", en: "Find" },
    foundPlace: { zh: "{number}：前面还有 {ahead} 人（第 {place} 位）", en: "{number}: {ahead} ahead (number {place} in line)" },
    caseNo: { zh: "办件编号 (可不填)", en: "Case number (optional)" },
    confirm: { zh: "确定", en: "OK" },
    cancel: { zh: "取消", en: "Cancel" },
    holdMinutes: { zh: "挂起时长 (分钟)", en: "Hold for (minutes)" },
    returnTo: { zh: "回来后", en: "On return" },
    returnWindow: { zh: "回到本窗口", en: "back to this window" },
    returnAny: { zh: "任一可办窗口", en: "any window of the item" },
    transferSearch: { zh: "转到事项或窗口", en: "Transfer to an item or a window" },
    transferHint: { zh: "输入事项名称、编码或窗口号", en: "Type an item name, code or window number" },
    ticketNumber: { zh: "号码", en: "Ticket number" },
    callReason: { zh: "原因", en: "Reason" },
    pauseTitle: { zh: "暂停服务", en: "Pause the window" },
    pauseReason: { zh: "暂停原因", en: "Reason" },
    pauseOther: { zh: "其他原因 (填写后以此为准)", en: "Other reason (used when filled in)" },
    noTicket: { zh: "当前没有正在办理的号", en: "There is no current ticket" },
    noneWaiting: { zh: "当前没有等候的号", en: "Nobody is waiting" },
    noResults: { zh: "没有匹配的事项或窗口", en: "No matching item or window" },
    open: { zh: "服务中", en: "Open" },
    paused: { zh: "暂停", en: "Paused" },
    closed: { zh: "未签到", en: "Closed" },
    idle: { zh: "空闲 — 按空格键呼叫下一位", en: "Free — press Space to call the next citizen" },
    pausedIdle: { zh: "暂停服务中 — 按 P 键恢复服务", en: "Paused — press P to resume service" },
    otherWindow: { zh: "您已在 {at} 号窗口签到，仍在 {at} 号窗口工作；如需到 {wanted} 号窗口，请先签退",
                   en: "You are signed in at window {at}, so this is window {at}'s terminal: sign out first to work at window {wanted}" },
    waitingN: { zh: "{n} 人等候", en: "{n} waiting" },
    called: { zh: "已呼叫", en: "Called" },
    serving: { zh: "办理中", en: "Serving" },
    green: { zh: "绿色通道", en: "Green channel" },
    appointment: { zh: "预约", en: "Appointment" },
    transferred: { zh: "转入", en: "Transferred" },
    returnsAt: { zh: "返回时间", en: "back by" },
    resume: { zh: "恢复", en: "Resume" },
    staffNo: { zh: "工号", en: "Staff no." },
    takenBy: { zh: "已有人签到", en: "taken" },
    notStaff: { zh: "请使用工作人员账号登录", en: "Sign in with a staff account" },
    signedOutElsewhere: { zh: "您已不在此窗口签到", en: "You are no longer signed in at this window" },
    cCalled: { zh: "呼叫", en: "Called" },
    cServed: { zh: "办结", en: "Served" },
    cNoShow: { zh: "过号", en: "No-show" },
    cHeld: { zh: "挂起", en: "Held" },
    cTransferred: { zh: "转移", en: "Transferred" },
    stillWorking: { zh: "上一个操作仍在处理中，请稍候", en: "Still working on the previous action" },
    dialogOpen: { zh: "请先完成或取消当前对话框 (Esc 取消)", en: "Finish or cancel the open dialog first (Esc cancels)" },
    notServing: { zh: "请先开始办理 (S)，再办结", en: "Start serving (S) before finishing" },
    pauseAfterTicket: { zh: "请先处理完当前号，再暂停服务", en: "Deal with the current ticket before pausing" },
    dialogOutdated: { zh: "当前号或窗口状态已变化，对话框已关闭", en: "The ticket or the window changed: the dialog was closed" },
    windowPaused: { zh: "窗口已暂停服务，请先恢复服务 (P)", en: "The window is paused: resume service first (P)" },
    more: { zh: "另有 {n} 人", en: "{n} more" },
  };
  const PAUSE_REASONS = J.PAUSE_REASONS;
  const COUNTERS = [["called", "cCalled"], ["served", "cServed"], ["no_show", "cNoShow"],
                    ["held", "cHeld"], ["transferred", "cTransferred"]];
  const SHOWN_WAITING = 40;   // a long list scrolls; the count says how many there are

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: J.pickLanguage(LANG_KEY), token: sessionStorage.getItem(TOKEN_KEY), me: null,
    number: null, hall: null, window: null, ticket: null, queue: { waiting: [], held: [] },
    counts: null, socket: null, busy: false,
    seen: { window: 0, ticket: 0 },   // the seq each part of the view was drawn from (see `fresh`)
    queueSeq: 0, queueLog: [],         // the head of the queue's reply, and live news since (see `headNews`)
    found: null,                       // the number last looked for, marked in the head
  };
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const en = () => state.lang === "en";
  const call = (path, options = {}) => J.api(path, { ...options, token: state.token });

  // --- screens: sign in, choose a window, work ------------------------------------------------

  function show(id) {
    ["login", "pick", "terminal"].forEach((name) => { $(name).hidden = name !== id; });
    if (id !== "terminal") closeAllDialogs();   // e.g. signed out elsewhere with a dialog open
    J.translate(document, WORDS, state.lang);
    document.querySelectorAll(".lang-toggle").forEach((b) => { b.textContent = en() ? "中文" : "English"; });
  }

  async function boot() {
    if (!state.token) return showLogin("");
    try {
      state.me = await call("/me");
    } catch (err) {
      return err.status === 401 ? forgetSession("") : showLogin(err.message);
    }
    if (state.me.kind !== "user") return forgetSession(`${say("notStaff")}`);
    if (state.me.signed_in_window) {
      enterTerminal(state.me.signed_in_window);
      const wanted = Number(new URLSearchParams(location.search).get("window"));
      if (wanted && wanted !== state.me.signed_in_window) {
        notify(say("otherWindow", { at: state.me.signed_in_window, wanted }), "info");
      }
      return undefined;
    }
    return showPick("");
  }

  function showLogin(message) {
    show("login");
    J.setText($("login-message"), message);
    $("login-user").focus();
  }

  function forgetSession(message) {
    if (state.socket) state.socket.disconnect();
    state.socket = null;
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const reply = await J.api("/auth/login", { method: "POST", body: {
        username: $("login-user").value.trim(), password: $("login-password").value } });
      state.token = reply.token;
      sessionStorage.setItem(TOKEN_KEY, reply.token);
      $("login-password").value = "";
      boot();
    } catch (err) {
      J.setText($("login-message"), err.message);
    }
  });

  async function showPick(message) {
    show("pick");
    J.setText($("pick-message"), message);
    J.setText($("pick-who"), `${state.me.name}${state.me.staff_no ? ` · ${say("staffNo")} ${state.me.staff_no}` : ""}`);
    try {
      state.hall = await call("/hall");
    } catch (err) {
      return J.setText($("pick-message"), err.message);
    }
    fillWindowChoice();
    return $("pick-window").focus();
  }

  /** The windows to choose from; the one asked for (?window=) or used last comes preselected. */
  function fillWindowChoice() {
    const select = $("pick-window");
    J.clear(select);
    const wanted = Number(new URLSearchParams(location.search).get("window") || localStorage.getItem(WINDOW_KEY));
    state.hall.windows.forEach((w) => {
      const taken = w.status !== "closed" && (!w.clerk || w.clerk.id !== state.me.id);
      const label = `${w.number} · ${en() ? w.name_en : w.name}${taken ? ` (${say("takenBy")})` : ""}`;
      const option = J.el("option", "", label);
      option.value = String(w.number);
      option.selected = w.number === wanted;
      select.append(option);
    });
  }

  $("pick-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = Number($("pick-window").value);
    try {
      await call(`/windows/${number}/sign-in`, { method: "POST" });
      enterTerminal(number);
    } catch (err) {
      J.setText($("pick-message"), err.message);
    }
  });

  $("pick-logout").addEventListener("click", logout);

  async function logout() {
    try {
      await call("/auth/logout", { method: "POST" });
    } catch (err) {
      console.warn("logout:", err.message);   // the session is dropped here either way
    }
    forgetSession("");
  }

  function enterTerminal(number) {
    state.number = number;
    state.seen = { window: 0, ticket: 0 };
    state.queue = { waiting: [], held: [] };
    state.queueSeq = 0;
    state.queueLog = [];
    state.ticket = null;
    localStorage.setItem(WINDOW_KEY, String(number));
    show("terminal");
    renderAll();
    // the sign-in button just hid: the focus goes where the clerk works, not to a hidden control
    document.querySelector(".act[data-action=next]").focus();
    connect();
  }

  // --- live updates ----------------------------------------------------------------------------

  function connect() {
    if (state.socket) state.socket.disconnect();
    const E = Protocol.events;
    state.socket = J.connectLive(state.token, {
      [E.HALL_SNAPSHOT]: (snapshot) => refreshAll(snapshot),
      [E.WINDOW_CHANGED]: onWindowChanged,
      [E.TICKET_ISSUED]: (m) => headNews({ seq: m.seq, ticket: m.ticket }),
      [E.TICKET_CALLED]: (m) => {
        if (m.window === state.number && fresh("ticket", m.seq)) setTicket(m.ticket);
        headNews({ seq: m.seq, ticket: m.ticket });
      },
      [E.TICKET_CHANGED]: onTicketChanged,
      [E.QUEUE_CHANGED]: (m) => {
        if (m.windows) headNews({ seq: m.seq, windows: m.windows });
        else if (touchesMe(m.services)) headSoon();
      },
    }, {
      onStatus: (online) => { $("offline").hidden = online; },
      onRefused: () => forgetSession(""),
      onGap: () => refreshAll(null),
    });
  }

  function touchesMe(services) {
    const mine = new Set(state.window ? state.window.services : []);
    return services.some((s) => mine.has(s.code));
  }

  function onWindowChanged(message) {
    const w = message.window;
    if (state.hall) state.hall.windows = state.hall.windows.map((x) => (x.number === w.number ? w : x));
    if (w.number === state.number) applyWindow(w, message.seq);
  }

  function onTicketChanged(message) {
    if (state.ticket && message.ticket.id === state.ticket.id && fresh("ticket", message.seq)) {
      setTicket(message.ticket);
    }
    if (message.ticket.window === state.number) countsSoon();
    headNews({ seq: message.seq, ticket: message.ticket });
  }

  /**
   * The terminal shows two things that replies and live messages both bring: the window and
   * its current ticket. Each remembers the `seq` of the newest message it was drawn from; one
   * at that seq or later is applied, an older one is dropped — whichever of a reply and the
   * live message of the same change arrives first, the later state stays on screen.
   */
  function fresh(part, seq) {
    if (seq < state.seen[part]) return false;
    state.seen[part] = seq;
    return true;
  }

  /** After a (re)connect or a missed message: read everything this terminal shows again. */
  async function refreshAll(snapshot) {
    try {
      const hall = snapshot || await call("/hall");
      state.hall = hall;
      applyWindow(hall.windows.find((w) => w.number === state.number), hall.seq);
      await Promise.all([loadQueue(), loadCounts()]);
    } catch (err) {
      if (err.status === 401) forgetSession(err.message);
      else notify(refusalText(err));
    }
  }

  /** The window as the server had it at `seq`; a sign-out from elsewhere returns the clerk to
   * the picker. Its current ticket counts as news about the ticket too. */
  function applyWindow(w, seq) {
    if (fresh("window", seq)) {
      state.window = w;
      if (!w || !w.clerk || w.clerk.id !== state.me.id) {
        if (state.socket) state.socket.disconnect();
        state.socket = null;
        showPick(say("signedOutElsewhere"));
        return;
      }
    }
    if (w && fresh("ticket", seq)) {
      const t = state.ticket;
      if (!w.current) setTicket(null);
      else if (!t || t.id !== w.current.id || t.state !== w.current.state) loadTicket(w.current.id);
    }
    renderAll();
  }

  async function loadTicket(id) {
    try {
      await ticketReply(`/tickets/${id}`);
    } catch (err) {
      notify(refusalText(err));
    }
  }

  /** A REST call about the current ticket; its reply is shown unless something newer was. */
  async function ticketReply(path, options = {}, pick = (reply) => reply) {
    const { reply, seq } = await J.stamped(path, { ...options, token: state.token });
    if (fresh("ticket", seq)) setTicket(pick(reply));
    return reply;
  }

  /** A REST call that changes the window (pause, resume); its reply is shown the same way. */
  async function windowReply(path, options = {}) {
    const { reply, seq } = await J.stamped(path, { ...options, token: state.token });
    applyWindow(reply.window, seq);
    return reply;
  }

  function setTicket(ticket) {
    // a ticket that left the window (finished, held, moved) is no longer current
    const current = ticket && ["called", "serving"].includes(ticket.state) && ticket.window === state.number;
    if (current) state.ticket = ticket;
    else if (!ticket || (state.ticket && state.ticket.id === ticket.id)) state.ticket = null;
    renderCurrent();
    renderActions();
    closeOutdatedDialog();
  }

  // --- the head of the queue, kept current from live messages --------------------------------
  //
  // The server sends the head of this window's call order (one page) and how many wait in all.
  // Every live message about a ticket carries its place in the call order of each window that
  // may call it (`order_keys`, text that compares as the places do), and queue_changed how many
  // wait for each window. So the terminal moves a ticket into, out of or within its head itself;
  // it asks for one page again only when calls and departures thinned the head below what it
  // shows while more wait beyond it, or when a message does not say enough.

  const HEAD_NEWS_KEPT = 500;   // live messages kept, to apply again over an older reply

  async function loadQueue() {
    const { reply, seq } = await J.stamped(`/windows/${state.number}/queue`, { token: state.token });
    if (seq < state.queueSeq) return;   // a newer head is on screen already
    state.queue = reply;
    state.queueSeq = seq;
    // the messages that came after the reply's place in the hall's order still apply
    state.queueLog = state.queueLog.filter((news) => news.seq > seq);
    state.queueLog.forEach(applyHeadNews);
    renderQueue();
  }

  /** A live message about the queue: applied to the head shown, and kept for the next reply. */
  function headNews(news) {
    state.queueLog.push(news);
    if (state.queueLog.length > HEAD_NEWS_KEPT) state.queueLog.shift();
    if (news.seq <= state.queueSeq) return;   // the reply on screen already has it
    applyHeadNews(news);
    renderQueue();
    const q = state.queue;
    if (q.next && q.waiting.length < SHOWN_WAITING && (q.total ?? 0) > q.waiting.length) headSoon();
  }

  function applyHeadNews(news) {
    if (news.windows) {
      const mine = news.windows.find((w) => w.number === state.number);
      if (mine) state.queue.total = mine.waiting;
    } else {
      placeTicket(news.ticket);
    }
  }

  const placeHere = (t) => (t.order_keys ? t.order_keys[String(state.number)] : undefined);
  const placeParts = (key) => key.split("-").map(Number);
  function placedBefore(a, b) {
    const x = placeParts(a);
    const y = placeParts(b);
    const differs = x.findIndex((part, i) => part !== y[i]);
    return differs >= 0 && x[differs] < y[differs];
  }

  /** The ticket where it now stands: in the head if it waits for this window within the head
   * (anywhere, when the head holds everyone), out of it otherwise; on the held list while this
   * window holds it. */
  function placeTicket(t) {
    const q = state.queue;
    const waiting = (q.waiting || []).filter((x) => x.id !== t.id);
    const key = placeHere(t);
    const last = waiting.length ? placeHere(waiting[waiting.length - 1]) : undefined;
    if (key && (!q.next || (last && placedBefore(key, last)))) {
      const at = waiting.findIndex((x) => placedBefore(key, placeHere(x)));
      waiting.splice(at < 0 ? waiting.length : at, 0, t);
    }
    q.waiting = waiting;
    const held = (q.held || []).filter((x) => x.id !== t.id);
    if (t.state === "held" && t.window === state.number) held.push(t);
    q.held = held.sort((a, b) => a.id - b.id);
  }

  async function loadCounts() {
    state.counts = (await call("/me/today")).counts;
    renderCounts();
  }

  const headSoon = J.debounce(() => loadQueue().catch((err) => notify(refusalText(err))), 250);
  const countsSoon = J.debounce(() => loadCounts().catch((err) => notify(refusalText(err))), 400);

  /** Any waiting number's place in this window's queue, asked of the server (it may stand far
   * beyond the head shown); a number in the head is marked there too. */
  $("q-find").addEventListener("submit", async (event) => {
    event.preventDefault();
    const wanted = $("q-find-number").value.trim().toUpperCase();
    if (!wanted) return;
    try {
      const reply = await call(`/windows/${state.number}/queue?number=${encodeURIComponent(wanted)}`);
      J.setText($("q-found"), say("foundPlace", { number: reply.ticket.number, ahead: reply.place, place: reply.place + 1 }));
    } catch (err) {
      J.setText($("q-found"), refusalText(err));
    }
    state.found = wanted;
    renderQueue();
  });

  // --- rendering ---------------------------------------------------------------------------------

  function renderAll() {
    renderBar();
    renderCurrent();
    renderActions();
    renderQueue();
    renderCounts();
  }

  function renderBar() {
    const w = state.window;
    if (!w) return;
    J.setText($("t-window"), en() ? `Window ${w.number} · ${w.name_en}` : `${w.number} 号窗口 · ${w.name}`);
    const status = $("t-status");
    const text = say(w.status) + (w.status === "paused" && w.pause_reason ? ` · ${pauseReasonText(w.pause_reason)}` : "");
    J.setText(status, text);
    status.className = `badge ${w.status}`;
    J.setText($("t-clerk"), `${state.me.name}${state.me.staff_no ? ` · ${say("staffNo")} ${state.me.staff_no}` : ""}`);
    J.setText($("pause-label"), w.status === "paused" ? say("aResume") : say("aPause"));
  }

  function renderCurrent() {
    const t = state.ticket;
    $("current").classList.toggle("empty", !t);
    J.setText($("c-number"), t ? t.number : "—");
    const idle = state.window && state.window.status === "paused" ? say("pausedIdle") : say("idle");
    J.setText($("c-service"), t ? `${en() ? t.service_name_en : t.service_name}` : idle);
    const marks = $("c-marks");
    J.clear(marks);
    if (t) {
      marks.append(J.el("span", `tag state-${t.state}`, say(t.state === "serving" ? "serving" : "called")));
      priorityTags(t).forEach((tag) => marks.append(tag));
    }
    J.setText($("c-recalls"), t ? `${t.recalls} / ${policy().max_recalls}` : "–");
    tick();
  }

  function policy() {
    return (state.hall && state.hall.policy) || { max_recalls: 3, hold_minutes: 30 };
  }

  function priorityTags(t) {
    const tags = [];
    if (t.priority === "green") tags.push(J.el("span", "tag green", say("green")));
    if (t.priority === "appointment") tags.push(J.el("span", "tag appointment", say("appointment")));
    if (t.state === "transferred") tags.push(J.el("span", "tag transferred", say("transferred")));
    return tags;
  }

  /** Which buttons apply now: the others are dimmed, and pressing them explains why. */
  function renderActions() {
    const t = state.ticket;
    const paused = state.window && state.window.status === "paused";
    const applies = {
      next: !t && !paused, call: !t && !paused, recall: t && t.state === "called",
      start: t && t.state === "called", finish: t && t.state === "serving", noshow: t && t.state === "called",
      hold: !!t, transfer: !!t, pause: !t,
    };
    document.querySelectorAll(".act").forEach((b) => b.classList.toggle("unavailable", !applies[b.dataset.action]));
  }

  function renderQueue() {
    const list = $("q-waiting");
    J.clear(list);
    const waiting = state.queue.waiting || [];
    // the server sends the head of the call order and how many wait in all
    const total = state.queue.total ?? waiting.length;
    const shown = waiting.slice(0, SHOWN_WAITING);
    shown.forEach((t) => list.append(queueRow(t)));
    if (total > shown.length) list.append(J.el("li", "muted", say("more", { n: total - shown.length })));
    J.setText($("q-count"), total);
    $("q-empty").hidden = total > 0;
    const held = $("q-held");
    J.clear(held);
    (state.queue.held || []).forEach((t) => held.append(heldRow(t)));
    J.setText($("h-count"), (state.queue.held || []).length);
    tick();
  }

  function queueRow(t) {
    const row = J.el("li", t.number === state.found ? "ticket-row found" : "ticket-row");
    row.dataset.number = t.number;
    row.append(J.el("span", "t-num", t.number), J.el("span", "t-item", en() ? t.service_name_en : t.service_name));
    const marks = J.el("span", "t-marks");
    priorityTags(t).forEach((tag) => marks.append(tag));
    const waited = J.el("span", "t-wait");
    waited.dataset.since = t.issued_at;
    row.append(marks, waited);
    return row;
  }

  function heldRow(t) {
    const row = J.el("li", "ticket-row");
    row.dataset.number = t.number;
    const back = t.hold_until && state.hall
      ? `${say("returnsAt")} ${J.clockText(new Date(t.hold_until), state.hall.hall.timezone, state.lang, false)}` : "";
    const resume = J.el("button", "plain small", say("resume"));
    resume.type = "button";
    resume.addEventListener("click", () => act(() => call(`/tickets/${t.id}/resume`, { method: "POST" })));
    row.append(J.el("span", "t-num", t.number), J.el("span", "t-item", en() ? t.service_name_en : t.service_name),
               J.el("span", "t-wait", back), resume);
    return row;
  }

  function renderCounts() {
    const box = $("counts");
    J.clear(box);
    COUNTERS.forEach(([field, key]) => {
      const item = J.el("div", "counter");
      item.dataset.counter = field;
      item.append(J.el("dt", "", say(key)), J.el("dd", "", state.counts ? state.counts[field] : "–"));
      box.append(item);
    });
  }

  /** Once a second: the clock, the current ticket's timers, each waiting ticket's wait. */
  function tick() {
    const now = Date.now();
    if (state.hall) J.setText($("t-clock"), J.clockText(new Date(now), state.hall.hall.timezone, state.lang));
    const t = state.ticket;
    J.setText($("c-waited"), t ? J.duration((Date.parse(t.called_at) - Date.parse(t.issued_at)) / 1000) : "–");
    J.setText($("c-handling"), t ? J.duration(J.secondsSince(t.started_at || t.called_at, now)) : "–");
    document.querySelectorAll("#q-waiting [data-since]").forEach((node) => {
      J.setText(node, J.duration(J.secondsSince(node.dataset.since, now)));
    });
  }

  // --- messages ------------------------------------------------------------------------------------

  let noticeTimer = null;

  /** A plain visible line: refusals stay until the next action; information fades. */
  function notify(text, kind = "error") {
    const box = $("notice");
    J.setText($("notice-text"), text);
    box.className = `notice ${kind}`;
    box.hidden = false;
    // the line flashes on every call: a press refused twice for the same reason is seen to be heard
    void box.offsetWidth;   // restarts the animation
    box.classList.add("heard");
    clearTimeout(noticeTimer);
    if (kind !== "error") noticeTimer = setTimeout(clearNotice, 6000);
  }

  function clearNotice() {
    $("notice").hidden = true;
  }

  $("notice-close").addEventListener("click", clearNotice);

  // --- actions ------------------------------------------------------------------------------------

  let running = Promise.resolve();   // settles when the action under way has finished

  /** Runs one server action; one at a time, so a double press never calls two citizens. */
  async function act(request) {
    if (state.busy) {
      notify(say("stillWorking"), "info");
      return false;
    }
    state.busy = true;
    document.body.classList.add("busy");
    let finished;
    running = new Promise((resolve) => { finished = resolve; });
    try {
      const reply = await request();
      clearNotice();
      countsSoon();   // the queue follows from the action's own live messages
      return reply || true;
    } catch (err) {
      notify(refusalText(err));
      if (err.status === 401) forgetSession(err.message);
      return false;
    } finally {
      state.busy = false;
      document.body.classList.remove("busy");
      finished();
    }
  }

  const needTicket = () => {
    if (!state.ticket) notify(`${say("noTicket")}`);
    return state.ticket;
  };
  const onTicket = (verb, body) => {
    const t = needTicket();
    return t && act(() => ticketReply(`/tickets/${t.id}/${verb}`, { method: "POST", body }));
  };
  const needServing = () => {
    const t = needTicket();
    if (t && t.state !== "serving") notify(say("notServing"), "info");
    return t && t.state === "serving";
  };

  const paused = () => state.window && state.window.status === "paused";
  const notPaused = () => {
    if (paused()) notify(say("windowPaused"), "info");
    return !paused();
  };

  const ACTIONS = {
    next: async () => {
      if (!notPaused()) return;
      const reply = await act(() => ticketReply(
        `/windows/${state.number}/call-next`, { method: "POST" }, (r) => r.ticket || state.ticket));
      if (reply && !reply.ticket) notify(say("noneWaiting"), "info");
    },
    recall: () => onTicket("recall"),
    start: () => onTicket("start"),
    noshow: () => onTicket("no-show"),
    finish: () => needServing() && openDialog("d-finish"),
    hold: () => needTicket() && openDialog("d-hold"),
    transfer: () => needTicket() && openDialog("d-transfer"),
    call: () => notPaused() && openDialog("d-call"),
    pause: () => {
      if (paused()) return act(() => windowReply(`/windows/${state.number}/resume`, { method: "POST" }));
      if (state.ticket) return notify(say("pauseAfterTicket"), "info");
      return openDialog("d-pause");
    },
  };

  document.querySelectorAll(".act").forEach((button) => {
    button.addEventListener("click", () => ACTIONS[button.dataset.action]());
  });

  $("b-signout").addEventListener("click", async () => {
    const done = await act(() => call(`/windows/${state.number}/sign-out`, { method: "POST" }));
    if (done) logout();
  });

  // --- dialogs -------------------------------------------------------------------------------------

  /**
   * Dialogs own the focus while open and hand it back when they close, however they close:
   * to the button that opened one (while it still applies) or to the main action. The focus
   * leaves *before* the dialog closes: an input left focused in a closed dialog goes on
   * receiving keys until the browser notices, and shortcuts would take them for typing.
   */
  const openers = new Map();
  const dialogTicket = new Map();   // the ticket a ticket dialog was opened for
  let submitting = null;            // the dialog whose own request is out

  function openDialog(id) {
    const dialog = $(id);
    const form = dialog.querySelector("form");
    form.reset();
    J.setText(form.querySelector(".message"), "");
    if (id === "d-hold") form.elements.minutes.value = String(Math.round(policy().hold_minutes));
    if (id === "d-call") form.elements.reason.value = en() ? "Called by number" : "特呼";
    if (id === "d-pause") fillPauseReasons();
    if (id === "d-transfer") renderTransferResults("");
    openers.set(dialog, document.activeElement && document.activeElement.closest(".act"));
    if (dialog.dataset.needs === "ticket") dialogTicket.set(dialog, state.ticket.id);
    dialog.showModal();
    const first = form.querySelector("input:not([type=radio]), select");
    if (first) first.focus();
  }

  /** The opening button while it still applies, else "call next"; off the terminal, nowhere. */
  function focusBack(dialog) {
    const opener = openers.get(dialog);
    openers.delete(dialog);
    const target = opener && opener.isConnected && !opener.classList.contains("unavailable")
      ? opener : document.querySelector(".act[data-action=next]");
    if (!$("terminal").hidden) target.focus();
    else if (dialog.contains(document.activeElement)) document.activeElement.blur();
  }

  function closeDialog(dialog) {
    if (!dialog.open) return;
    focusBack(dialog);
    dialog.close();
  }

  function closeAllDialogs() {
    document.querySelectorAll("dialog[open]").forEach(closeDialog);
  }

  /**
   * A live message can take away what an open dialog is about: its ticket finished or moved
   * from elsewhere, or a ticket called while "call a number" or "pause" was open. The dialog
   * closes and says why, unless its own request is out (its reply decides).
   */
  function closeOutdatedDialog() {
    const dialog = document.querySelector("dialog[open]");
    if (!dialog || dialog === submitting) return;
    const outdated = dialog.dataset.needs === "ticket"
      ? !state.ticket || state.ticket.id !== dialogTicket.get(dialog)
      : !!state.ticket || paused();
    if (!outdated) return;
    closeDialog(dialog);
    notify(say("dialogOutdated"), "info");
  }

  document.querySelectorAll("dialog").forEach((dialog) => {
    // Esc: the browser closes the dialog right after this event, so the focus leaves first
    dialog.addEventListener("cancel", () => focusBack(dialog));
    dialog.addEventListener("close", () => {
      if (dialog.contains(document.activeElement)) focusBack(dialog);
    });
  });

  document.querySelectorAll("dialog [data-close]").forEach((b) => {
    b.addEventListener("click", () => closeDialog(b.closest("dialog")));
  });

  /** A dialog's request; a refusal is shown inside the dialog, which stays open to correct it.
   * Its ticket is the one it was opened for, so waiting for an earlier action is safe. */
  async function submitDialog(form, request) {
    const dialog = form.closest("dialog");
    if (dialog === submitting) return notify(say("stillWorking"), "info");   // Enter pressed twice
    submitting = dialog;
    // an action started before the dialog (a start still being answered) finishes first: the
    // dialog's own request waits its turn rather than being turned away
    while (state.busy) await running;
    const reply = await act(request);
    submitting = null;
    if (reply) return closeDialog(dialog);
    J.setText(form.querySelector(".message"), $("notice-text").textContent);
    return closeOutdatedDialog();   // a live message may have changed things while it was out
  }

  /** The ticket a ticket dialog acts on: the one it was opened for, never a later one. */
  const ticketOf = (form) => dialogTicket.get(form.closest("dialog"));

  const SUBMITS = {
    finish: (f) => {
      const caseNo = f.elements.case_no.value.trim();
      return () => ticketReply(`/tickets/${ticketOf(f)}/finish`, {
        method: "POST", body: caseNo ? { case_no: caseNo } : {} });
    },
    hold: (f) => () => ticketReply(`/tickets/${ticketOf(f)}/hold`, { method: "POST", body: {
      minutes: Number(f.elements.minutes.value), return_to: f.elements.return_to.value } }),
    call: (f) => () => ticketReply(`/windows/${state.number}/call`, { method: "POST", body: {
      number: f.elements.number.value.trim(), reason: f.elements.reason.value.trim() || "特呼" } },
    (reply) => reply.ticket),
    pause: (f) => () => windowReply(`/windows/${state.number}/pause`, { method: "POST", body: {
      reason: f.elements.reason.value.trim() || f.elements.preset.value } }),
  };

  document.querySelectorAll("dialog form[data-submit]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const make = SUBMITS[form.dataset.submit];
      if (make) submitDialog(form, make(form));
    });
  });

  const pauseReasonText = (reason) => J.pauseReason(reason, state.lang);

  function fillPauseReasons() {
    const select = $("pause-presets");
    J.clear(select);
    PAUSE_REASONS.forEach((r) => {
      const option = J.el("option", "", r[state.lang]);
      option.value = r.zh;   // citizens read the reason on the window screen, in Chinese first
      select.append(option);
    });
  }

  /** Items and windows matching the search, items first; a click transfers there. */
  function renderTransferResults(query) {
    const list = $("transfer-results");
    J.clear(list);
    const q = query.trim().toLowerCase();
    const hits = transferTargets().filter((target) => !q || target.search.includes(q)).slice(0, 30);
    if (!hits.length) list.append(J.el("li", "muted", say("noResults")));
    hits.forEach((target) => {
      const item = J.el("li");
      const button = J.el("button", "result", target.label);
      button.type = "button";
      button.dataset.target = target.key;
      button.addEventListener("click", () => transferTo(target.body));
      item.append(button);
      list.append(item);
    });
  }

  function transferTargets() {
    if (!state.hall) return [];
    const items = state.hall.services.map((s) => ({
      key: `service:${s.code}`, body: { service: s.code },
      label: `${s.code} · ${en() ? s.name_en : s.name} (${en() ? s.department_name_en : s.department_name}) · ${say("waitingN", { n: s.waiting })}`,
      search: `${s.code} ${s.name} ${s.name_en} ${s.department_name} ${s.prefix}`.toLowerCase(),
    }));
    const windows = state.hall.windows.filter((w) => w.number !== state.number).map((w) => ({
      key: `window:${w.number}`, body: { window: w.number },
      label: `${en() ? `Window ${w.number}` : `${w.number} 号窗口`} · ${en() ? w.name_en : w.name} · ${say(w.status)}`,
      search: `${w.number} ${w.number}号 ${w.name} ${w.name_en}`.toLowerCase(),
    }));
    return items.concat(windows);
  }

  $("d-transfer").querySelector("input[name=q]").addEventListener("input", (e) => renderTransferResults(e.target.value));

  function transferTo(body) {
    const form = $("d-transfer").querySelector("form");
    submitDialog(form, () => ticketReply(`/tickets/${ticketOf(form)}/transfer`, { method: "POST", body }));
  }

  // --- keyboard ------------------------------------------------------------------------------------

  const KEYS = { " ": "next", F1: "next", r: "recall", s: "start", f: "finish", n: "noshow",
                 h: "hold", t: "transfer", c: "call", p: "pause" };

  /**
   * Shortcuts work on the terminal. A key is never dropped in silence: it acts, or it is text
   * typed into an open dialog's field or the number to find, or the notice line says why it
   * cannot act now.
   */
  document.addEventListener("keydown", (event) => {
    if ($("terminal").hidden || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key.length === 1 && event.target.closest && event.target.closest("#q-find")) return;   // typing a number
    const action = KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    const dialog = document.querySelector("dialog[open]");
    // while a dialog's own request is out its fields are done with: a key there says so
    if (dialog && dialog !== submitting && typedIntoDialog(event, dialog)) return;
    event.preventDefault();   // F1 would open help; Space would press the focused button too
    if (event.repeat) return;   // a key held down is one press, not a burst of calls
    if (dialog) notify(say(dialog === submitting ? "stillWorking" : "dialogOpen"), "info");
    else ACTIONS[action]();
  });

  /** A letter or Space typed into an open dialog's field, or Space on its button or radio: the
   * dialog's own. F1 is never text, and a field left behind in a closed dialog is not typed into. */
  function typedIntoDialog(event, dialog) {
    if (event.key.length !== 1 || !dialog.contains(event.target)) return false;
    const field = "input:not([type=radio]), textarea, select, [contenteditable]";
    return event.key === " " || !!event.target.closest(field);
  }

  document.querySelectorAll(".lang-toggle").forEach((button) => {
    button.addEventListener("click", () => {
      state.lang = en() ? "zh" : "en";
      localStorage.setItem(LANG_KEY, state.lang);
      show([...["login", "pick", "terminal"]].find((id) => !$(id).hidden));
      if (!$("pick").hidden && state.hall) fillWindowChoice();
      if (!$("terminal").hidden) renderAll();
    });
  });

  setInterval(tick, 1000);
  boot();
})();
