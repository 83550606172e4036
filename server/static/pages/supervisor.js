/* The live hall dashboard (大厅监察): every window, item and device, and the alerts with their
 * acknowledge buttons. The picture is read from GET /api/v1/supervision and read again (a
 * burst of changes at once) whenever a live message says the hall changed; alerts arrive as
 * alert_raised / alert_cleared. Timers tick locally every second between reads. */
"use strict";

(() => {
  const J = Jiaohao;
  const LANG_KEY = "jiaohao.supervisor.lang";
  const WORDS = {
    title: { zh: "大厅监察", en: "Hall supervision" },
    department: { zh: "部门", en: "Department" },
    allDepartments: { zh: "全部部门", en: "All departments" },
    offline: { zh: "连接中断", en: "offline" },
    reports: { zh: "统计报表", en: "Reports" },
    signOut: { zh: "退出", en: "Sign out" },
    alerts: { zh: "告警", en: "Alerts" },
    noAlerts: { zh: "当前没有告警", en: "No open alerts" },
    windows: { zh: "窗口", en: "Windows" },
    items: { zh: "事项排队", en: "Queues by item" },
    item: { zh: "事项", en: "Item" },
    dept: { zh: "部门", en: "Department" },
    waiting: { zh: "等候", en: "Waiting" },
    longest: { zh: "最长等候", en: "Longest wait" },
    estimate: { zh: "预计等候", en: "Estimated wait" },
    devices: { zh: "设备", en: "Devices" },
    device: { zh: "设备", en: "Device" },
    kind: { zh: "类型", en: "Kind" },
    connection: { zh: "连接", en: "Connection" },
    lastSeen: { zh: "最近在线", en: "Last seen" },
    printer: { zh: "打印机", en: "Printer" },
    open: { zh: "服务中", en: "Open" },
    paused: { zh: "暂停", en: "Paused" },
    closed: { zh: "未签到", en: "No clerk" },
    called: { zh: "已呼叫", en: "Called" },
    serving: { zh: "办理中", en: "Serving" },
    idle: { zh: "空闲", en: "Free" },
    windowAlert: { zh: "⚠ 告警", en: "⚠ Alert" },
    waited: { zh: "等候", en: "waited" },
    handling: { zh: "办理", en: "handling" },
    since: { zh: "持续", en: "for" },
    acknowledge: { zh: "确认", en: "Acknowledge" },
    acknowledged: { zh: "已确认", en: "Acknowledged" },
    red: { zh: "红色", en: "Red" },
    yellow: { zh: "黄色", en: "Yellow" },
    kiosk: { zh: "取号机", en: "Kiosk" },
    display: { zh: "综合屏", en: "Hall board" },
    window: { zh: "窗口屏", en: "Window screen" },
    online: { zh: "在线", en: "Connected" },
    offlineDevice: { zh: "离线", en: "Not connected" },
    never: { zh: "从未", en: "never" },
    paperOk: { zh: "正常", en: "OK" },
    paperNear: { zh: "纸将尽", en: "Paper low" },
    paperOut: { zh: "缺纸", en: "Out of paper" },
    printerOff: { zh: "离线", en: "Offline" },
    noPrinter: { zh: "无打印机", en: "No printer" },
    unknown: { zh: "未知", en: "Unknown" },
    summary: { zh: "{open} 个服务中 · {paused} 个暂停 · {closed} 个未签到", en: "{open} open · {paused} paused · {closed} no clerk" },
    people: { zh: "{n} 人", en: "{n}" },
    appointments: { zh: "今日预约", en: "Today's appointments" },
    appointmentsOff: { zh: "（未开放预约）", en: "(booking is closed)" },
    slot: { zh: "时段", en: "Slot" },
    slotPhase: { zh: "状态", en: "Status" },
    coming: { zh: "未开始", en: "Later" },
    now: { zh: "签到中", en: "Checking in" },
    over: { zh: "已结束", en: "Over" },
    toCome: { zh: "待签到", en: "To come" },
    checkedIn: { zh: "已签到", en: "Checked in" },
    onTime: { zh: "准时", en: "On time" },
    noShow: { zh: "爽约", en: "No-show" },
    cancelled: { zh: "已取消", en: "Cancelled" },
    booked: { zh: "预约", en: "Booked" },
    noAppointments: { zh: "今天没有预约", en: "No bookings today" },
    cases: { zh: "差评处理", en: "Bad-rating cases" },
    noCases: { zh: "没有待处理的差评", en: "No open bad-rating cases" },
    overdueCount: { zh: "{n} 件超时", en: "{n} overdue" },
    dueBy: { zh: "回访截止 {at}", en: "follow-up due {at}" },
    lateBy: { zh: "回访超时（应于 {at} 前）", en: "follow-up overdue (due {at})" },
    rectifyBy: { zh: "整改截止 {at}", en: "rectification due {at}" },
    rectifyLate: { zh: "整改超时（应于 {at} 前）", en: "rectification overdue (due {at})" },
    closedAt: { zh: "已办结 {at}", en: "closed {at}" },
    caseItem: { zh: "事项", en: "Item" },
    caseWindow: { zh: "窗口 / 工作人员", en: "Window / clerk" },
    caseRated: { zh: "评价", en: "Rated" },
    caseReasons: { zh: "差评原因", en: "Reasons" },
    caseComment: { zh: "意见", en: "Comment" },
    caseNo: { zh: "办件编号", en: "Case no." },
    nextStep: { zh: "下一步", en: "Next step" },
    stepNote: { zh: "说明（必填）", en: "Note (required)" },
    stepSave: { zh: "提交", en: "Record" },
    windowNo: { zh: "{n} 号窗口", en: "window {n}" },
    notifications: { zh: "短信与微信通知（最近 50 次发送）", en: "Text and WeChat notices (last 50 attempts)" },
    noNotifications: { zh: "还没有发送记录", en: "Nothing sent yet" },
    at: { zh: "时间", en: "Time" },
    message: { zh: "内容", en: "Message" },
    ticket: { zh: "号码", en: "Number" },
    mobile: { zh: "手机", en: "Mobile" },
    result: { zh: "结果", en: "Result" },
    detail: { zh: "说明", en: "Detail" },
    ahead: { zh: "快到了", en: "Almost your turn" },
    reminder: { zh: "预约提醒", en: "Booking reminder" },
    sent: { zh: "已发送", en: "Sent" },
    failed: { zh: "失败", en: "Failed" },
    dropped: { zh: "未发送", en: "Not sent" },
    provider: { zh: "发送方式：{name}", en: "Provider: {name}" },
    refusals: { zh: "每人限号拒绝（疑似黄牛）", en: "Refused by the per-person limit (possible scalping)" },
    refusalsWhy: { zh: "同一身份证超过每人每天限号仍来取号的次数：集中在某事项或某时段，多为黄牛代取。",
                   en: "Attempts by an ID card already at its daily limit: many on one item or in one hour point to scalpers." },
    refusedTotal: { zh: "今日共 {n} 次", en: "{n} today" },
    refused: { zh: "被拒次数", en: "Refused" },
    refusedByHour: { zh: "按时段", en: "By hour" },
    refusedByItem: { zh: "按事项", en: "By item" },
    noRefusals: { zh: "今天没有被拒的取号", en: "No refusals today" },
    remoteToday: { zh: "今日远程取号", en: "Remote tickets today" },
    remoteTaken: { zh: "远程取号", en: "Taken" },
    remoteActivated: { zh: "到场激活", en: "Activated" },
    remoteAtKiosk: { zh: "取号机激活", en: "At the kiosk" },
    remoteAtEntrance: { zh: "入口扫码激活", en: "At the entrance" },
    remoteLapsed: { zh: "逾期未激活", en: "Lapsed" },
    sweep: { zh: "疑似刷号：{address} 被拒预约 {n} 次（最近 {at}，时段 {slots}）",
             en: "Possible slot sweeping: {address} refused {n} bookings (last {at}, slots {slots})" },
  };
  const $ = (id) => document.getElementById(id);
  const state = { lang: J.pickLanguage(LANG_KEY), token: null, data: null, alerts: new Map(), department: "",
                  acknowledged: new Map(),   // id → the alert as its acknowledgement's reply gave it
                  caseBoxes: new Map(),      // case id → {shown: what it was drawn from, node}
                  drafts: new Map() };       // case id → {step, note} being typed: a re-read keeps them
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const en = () => state.lang === "en";
  const name = (thing) => (en() ? thing.name_en : thing.name) || thing.name;
  const tz = () => (state.data ? state.data.hall.timezone : "Asia/Shanghai");

  async function start() {
    const { token } = await StaffSignIn.require(state.lang, `${say("title")} · ${en() ? "sign in" : "登录"}`);
    state.token = token;
    $("board").hidden = false;
    render();
    await refresh();
    connect();
    setInterval(tick, 1000);
  }

  /** The delivery log, read beside the dashboard: a failure here leaves the dashboard be. */
  async function refreshNotifications() {
    try {
      state.notify = await J.api("/notifications/log?limit=50", { token: state.token });
      renderNotifications();
    } catch (err) {
      state.notify = null;
    }
  }

  async function refresh() {
    refreshNotifications();
    try {
      state.data = await J.api("/supervision", { token: state.token });
      state.alerts = new Map(state.data.alerts.map((a) => [a.id, keepAcknowledged(a)]));
      J.setText($("error"), "");
      render();
    } catch (err) {
      if (err.status === 401) return StaffSignIn.signOut(null);
      J.setText($("error"), err.message);
    }
    return null;
  }
  const refreshSoon = J.debounce(refresh, 250);

  /** An acknowledgement never goes back: a read that left before it committed must not show
   * the alert unacknowledged again. */
  function keepAcknowledged(alert) {
    const acknowledged = state.acknowledged.get(alert.id);
    return !alert.acknowledged_at && acknowledged ? acknowledged : alert;
  }

  function connect() {
    const changed = () => refreshSoon();
    const E = Protocol.events;
    // every sequenced message (issued, called, changed, window, queue) means: read again
    const handlers = Object.fromEntries(Protocol.sequenced.map((name) => [name, changed]));
    handlers[E.ALERT_RAISED] = (message) => {
      state.acknowledged.delete(message.alert.id);   // raised again (escalated): news to acknowledge
      state.alerts.set(message.alert.id, message.alert);
      renderAlerts();
      refreshSoon();
    };
    handlers[E.ALERT_CLEARED] = (message) => {
      state.alerts.delete(message.alert.id);
      state.acknowledged.delete(message.alert.id);
      renderAlerts();
      refreshSoon();
    };
    handlers[E.APPOINTMENT_CHANGED] = changed;   // booked, moved, cancelled, checked in, no-show; remote tickets; refusals by the per-person limit
    J.connectLive(state.token, handlers, {
      onStatus: (up) => { $("offline").hidden = up; if (up) refreshSoon(); },
      onRefused: () => StaffSignIn.signOut(null),
      onGap: changed,
    });
  }

  // --- which part of the hall is shown ----------------------------------------------------------

  function windowShown(w) {
    return !state.department || w.departments.includes(state.department);
  }

  function alertShown(alert) {
    if (!state.department || !state.data) return true;
    if (alert.service) {
      const item = state.data.services.find((s) => s.code === alert.service);
      if (item) return item.department === state.department;
    }
    if (alert.window) {
      const w = state.data.windows.find((x) => x.number === alert.window);
      if (w) return windowShown(w);
    }
    return true;   // a device's alert concerns the whole hall
  }

  // --- rendering --------------------------------------------------------------------------------

  function render() {
    J.translate(document, WORDS, state.lang);
    J.languageToggle($("lang"), state.lang);
    J.setText($("title"), say("title"));
    if (!state.data) return;
    J.setText($("hall-name"), name(state.data.hall));
    fillDepartments();
    renderAlerts();
    renderCases();
    renderWindows();
    renderItems();
    renderDevices();
    renderAppointments();
    renderRefusals();
    renderNotifications();
    tick();
  }

  function renderNotifications() {
    const log = state.notify;
    if (!log || !state.data) return;
    J.setText($("notify-provider"), say("provider", { name: log.provider }));
    const body = $("notify-log");
    J.clear(body);
    log.rows.forEach((r) => {
      const row = J.el("tr");
      row.dataset.attempt = String(r.message);
      const cls = { sent: "state-on", failed: "state-off", dropped: "muted" }[r.result] || "";
      row.append(J.el("td", "", J.clockText(new Date(r.at), tz(), state.lang, true)),
        J.el("td", "", say(r.kind)), J.el("td", "", r.number), J.el("td", "", r.mobile || "–"),
        J.el("td", cls, say(r.result)), J.el("td", "muted small", r.detail));
      body.append(row);
    });
    $("no-notifications").hidden = log.rows.length > 0;
  }

  function fillDepartments() {
    const select = $("department");
    J.clear(select);
    const all = J.el("option", "", say("allDepartments"));
    all.value = "";
    select.append(all);
    state.data.departments.forEach((d) => {
      const option = J.el("option", "", name(d));
      option.value = d.code;
      select.append(option);
    });
    select.value = state.department;
  }

  function renderAlerts() {
    const list = $("alerts");
    J.clear(list);
    const shown = [...state.alerts.values()].filter(alertShown).sort((a, b) =>
      (a.acknowledged_at ? 1 : 0) - (b.acknowledged_at ? 1 : 0) || (a.level === "red" ? -1 : 1) - (b.level === "red" ? -1 : 1)
      || a.raised_at.localeCompare(b.raised_at));
    shown.forEach((alert) => list.append(alertRow(alert)));
    J.setText($("alert-count"), String(shown.length));
    $("no-alerts").hidden = shown.length > 0;
    if (state.data) renderWindows();
  }

  function alertRow(alert) {
    const row = J.el("li", `alert ${alert.level}${alert.acknowledged_at ? " acknowledged" : ""}`);
    row.dataset.id = String(alert.id);
    row.dataset.key = alert.key;
    row.append(J.el("span", `level ${alert.level}`, say(alert.level)),
      J.el("span", "rule", en() ? alert.rule_name_en : alert.rule_name),
      J.el("span", "text", en() ? alert.message_en : alert.message));
    const since = J.el("span", "since");
    since.dataset.since = alert.raised_at;
    row.append(since);
    if (alert.acknowledged_at) {
      row.append(J.el("span", "muted", say("acknowledged")));
    } else {
      const button = J.el("button", "plain ack", say("acknowledge"));
      button.type = "button";
      button.addEventListener("click", () => acknowledge(alert.id, button));
      row.append(button);
    }
    return row;
  }

  async function acknowledge(id, button) {
    button.disabled = true;
    try {
      const reply = await J.api(`/alerts/${id}/acknowledge`, { method: "POST", token: state.token });
      if (reply.alert.cleared_at) state.alerts.delete(id);
      else {
        state.acknowledged.set(id, reply.alert);
        state.alerts.set(id, reply.alert);
      }
      renderAlerts();
    } catch (err) {
      button.disabled = false;
      J.setText($("error"), err.message);
    }
  }

  // --- 差评 cases ----------------------------------------------------------------------------------

  function caseShown(c) {
    return !state.department || c.department === state.department;
  }

  /** Each case's box is drawn again only when the case (or the language) changed, so a note
   * being typed keeps its place and focus while the rest of the dashboard is read again. */
  function renderCases() {
    const list = $("cases");
    const shown = state.data.cases.filter(caseShown)
      .sort((a, b) => (a.status === "closed") - (b.status === "closed") || caseLate(b) - caseLate(a) || a.id - b.id);
    const boxes = new Map();
    shown.forEach((c) => {
      const drawn = JSON.stringify([c, state.lang]);
      const old = state.caseBoxes.get(c.id);
      boxes.set(c.id, old && old.drawn === drawn ? old : { drawn, node: caseBox(c) });
    });
    state.caseBoxes = boxes;
    const nodes = shown.map((c) => boxes.get(c.id).node);
    if (nodes.some((node, i) => list.children[i] !== node) || list.children.length !== nodes.length) {
      const focused = document.activeElement;
      J.clear(list);
      nodes.forEach((node) => list.append(node));
      if (focused && list.contains(focused) === false && nodes.some((n) => n.contains(focused))) focused.focus();
    }
    const open = shown.filter((c) => c.status !== "closed");
    J.setText($("case-count"), String(open.length));
    const late = open.filter(caseLate).length;
    J.setText($("case-overdue"), late ? say("overdueCount", { n: late }) : "");
    $("no-cases").hidden = shown.length > 0;
  }

  /** Behind its follow-up or its rectification (整改) deadline: the server says which (hall/cases.py). */
  const caseLate = (c) => Boolean(c.overdue || c.rectify_overdue);

  /** The deadline a case stands before: its follow-up until it is followed up, then its
   * rectification; `running` while the page should turn it late by itself when it passes. */
  function caseDeadline(c) {
    if (c.status === "open" || !c.rectify_due_at) {
      return { at: c.due_at, late: c.overdue, running: c.status === "open", keys: ["dueBy", "lateBy"] };
    }
    return { at: c.rectify_due_at, late: c.rectify_overdue, running: c.status === "followed_up",
             keys: ["rectifyBy", "rectifyLate"] };
  }

  function caseBox(c) {
    const box = J.el("li", `case${caseLate(c) ? " overdue" : ""}${c.status === "closed" ? " closed" : ""}`);
    box.dataset.case = String(c.id);
    const head = J.el("div", "case-head");
    head.append(J.el("span", "case-ticket", c.ticket),
      J.el("span", `case-rating r${c.rating}`, en() ? c.rating_name_en : c.rating_name),
      J.el("span", "case-status", en() ? c.status_name_en : c.status_name));
    if (c.status === "closed") {
      head.append(J.el("span", "muted", say("closedAt", { at: when(c.closed_at) })));
    } else {
      const deadline = caseDeadline(c);
      const due = J.el("span", `case-due${deadline.late ? " late" : ""}`,
                       say(deadline.keys[deadline.late ? 1 : 0], { at: when(deadline.at) }));
      due.dataset.due = deadline.at;
      due.dataset.open = String(deadline.running);
      due.dataset.lateKey = deadline.keys[1];
      head.append(due);
    }
    box.append(head, caseFacts(c));
    if (c.steps.length) {
      const steps = J.el("ol", "case-steps");
      c.steps.forEach((s) => steps.append(J.el("li", "", `${when(s.at)} ${en() ? s.name_en : s.name} · ${s.actor}：${s.note}`)));
      box.append(steps);
    }
    if (c.next_steps.length) box.append(stepForm(c));
    return box;
  }

  function caseFacts(c) {
    const facts = J.el("dl", "case-facts");
    const clerk = c.clerk ? ` · ${c.clerk.name}${c.clerk.staff_no ? ` (${c.clerk.staff_no})` : ""}` : "";
    const rows = [
      ["caseItem", `${c.service} ${en() ? c.service_name_en : c.service_name}`],
      ["caseWindow", `${say("windowNo", { n: c.window })}${clerk}`],
      ["caseRated", `${when(c.rated_at)} · ${en() ? c.channel_name_en : c.channel_name}`],
    ];
    if (c.case_no) rows.push(["caseNo", c.case_no]);
    if (c.reasons.length) rows.push(["caseReasons", c.reasons.map((r) => (en() ? r.name_en : r.name)).join(en() ? "; " : "、")]);
    if (c.comment) rows.push(["caseComment", c.comment]);
    rows.forEach(([key, text]) => facts.append(J.el("dt", "", say(key)), J.el("dd", "", text)));
    return facts;
  }

  /** The next step of a case: which one (only those the workflow allows now) and its note. */
  function stepForm(c) {
    const form = J.el("form", "case-form");
    form.noValidate = true;
    const draft = state.drafts.get(c.id) || {};
    const pick = J.el("select");
    pick.name = "step";
    c.next_steps.forEach((s) => {
      const option = J.el("option", "", en() ? s.name_en : s.name);
      option.value = s.step;
      pick.append(option);
    });
    if (draft.step && c.next_steps.some((s) => s.step === draft.step)) pick.value = draft.step;
    const note = J.el("textarea");
    note.name = "note";
    note.rows = 2;
    note.maxLength = 500;
    note.value = draft.note || "";
    const remember = () => state.drafts.set(c.id, { step: pick.value, note: note.value });
    pick.addEventListener("change", remember);
    note.addEventListener("input", remember);
    const stepLabel = J.el("label");
    stepLabel.append(J.el("span", "", say("nextStep")), pick);
    const noteLabel = J.el("label");
    noteLabel.append(J.el("span", "", say("stepNote")), note);
    const save = J.el("button", "primary", say("stepSave"));
    save.type = "submit";
    const message = J.el("p", "message");
    message.setAttribute("role", "alert");
    form.append(stepLabel, noteLabel, save, message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      save.disabled = true;
      J.setText(message, "");
      try {
        await J.api(`/cases/${c.id}/steps`, { method: "POST", token: state.token,
                                              body: { step: pick.value, note: note.value } });
        state.drafts.delete(c.id);
        await refresh();
      } catch (err) {
        save.disabled = false;
        J.setText(message, err.message);
        if (err.status === 409) refreshSoon();   // someone else moved the case meanwhile
      }
    });
    return form;
  }

  function when(iso) {
    if (!iso) return "";
    const at = new Date(iso);
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: tz(), month: "2-digit", day: "2-digit" }).format(at);
    return `${day} ${J.clockText(at, tz(), state.lang, false)}`;
  }

  function renderWindows() {
    const box = $("windows");
    J.clear(box);
    const alerting = new Set([...state.alerts.values()].filter((a) => a.window).map((a) => a.window));
    const shown = state.data.windows.filter(windowShown);
    shown.forEach((w) => box.append(windowCard(w, alerting.has(w.number))));
    const counts = { open: 0, paused: 0, closed: 0 };
    shown.forEach((w) => { counts[w.status] += 1; });
    J.setText($("window-summary"), say("summary", counts));
  }

  function windowCard(w, alerting) {
    const card = J.el("div", `win ${w.status}${alerting ? " alerting" : ""}`);
    card.dataset.window = String(w.number);
    const head = J.el("div", "win-head");
    const label = J.el("span", "win-name", name(w));
    label.title = name(w);   // long names are cut on the card; the whole name on hover
    head.append(J.el("span", "win-no", String(w.number)), label,
      J.el("span", `badge ${w.status}`, say(w.status)));
    card.append(head);
    // the red edge is not the only sign: the card says so, for those who cannot tell red
    if (alerting) card.append(J.el("div", "win-alert", say("windowAlert")));
    if (w.clerk) {
      card.append(line(`${w.clerk.name}${w.clerk.staff_no ? ` · ${w.clerk.staff_no}` : ""}`, "", null));
    }
    if (w.status === "paused") card.append(line(w.pause_reason || "", say("since"), w.since));
    else if (w.status === "closed" && w.since) card.append(line("", say("since"), w.since));
    if (w.current) {
      const current = line(w.current.number, say(w.current.state), null, "win-ticket");
      card.append(current);
      if (w.current.state === "serving") card.append(line("", say("handling"), w.current.started_at, "", "handling"));
      else card.append(line("", say("waited"), w.current.issued_at));
    } else if (w.status === "open") {
      // `since` is when the window opened, not when its last citizen left: no timer here
      card.append(line(say("idle"), "", null));
    }
    return card;
  }

  /** One line of a window card: a text on the left, a label and a running timer on the right. */
  function line(text, label, since, textClass = "", timerKind = "") {
    const row = J.el("div", "win-line");
    row.append(J.el("span", textClass, text));
    const right = J.el("span");
    if (label) right.append(J.el("span", "muted", `${label} `));
    if (since) {
      const timer = J.el("span", "t");
      timer.dataset.since = since;
      if (timerKind) timer.dataset.kind = timerKind;
      right.append(timer);
    }
    row.append(right);
    return row;
  }

  function renderItems() {
    const body = $("items");
    J.clear(body);
    const limits = state.data.thresholds.wait_minutes;
    state.data.services.filter((s) => !state.department || s.department === state.department)
      .filter((s) => s.waiting > 0 || state.department)
      .sort((a, b) => b.longest_wait_seconds - a.longest_wait_seconds)
      .forEach((s) => {
        const row = J.el("tr");
        row.dataset.service = s.code;
        const longest = J.el("td", "num");
        if (s.longest_wait_since) {
          const timer = J.el("span", "t");
          timer.dataset.since = s.longest_wait_since;
          timer.dataset.yellow = String(limits[0] * 60);
          longest.append(timer);
        } else {
          longest.textContent = "–";
        }
        row.append(J.el("td", "", `${s.code} ${en() ? s.name_en : s.name}`),
          J.el("td", "", en() ? s.department_name_en : s.department_name),
          J.el("td", "num", String(s.waiting)), longest,
          J.el("td", "", s.waiting ? (en() ? s.estimated_wait.text_en : s.estimated_wait.text) : "–"));
        body.append(row);
      });
  }

  /** Today's figures for the whole hall, then each booked slot of the shown department. */
  function renderAppointments() {
    const booking = state.data.appointments;
    J.setText($("appointment-summary"), booking.enabled ? "" : say("appointmentsOff"));
    const figures = $("appointment-figures");
    J.clear(figures);
    [["booked", booking.today.booked], ["checkedIn", booking.today.checked_in], ["onTime", booking.today.on_time],
     ["noShow", booking.today.no_show], ["cancelled", booking.today.cancelled]].forEach(([key, n]) => {
      const box = J.el("div", "figure");
      box.dataset.figure = key;
      box.append(J.el("dt", "", say(key)), J.el("dd", "", String(n)));
      figures.append(box);
    });
    const body = $("appointments");
    J.clear(body);
    const rows = booking.slots.filter((r) => !state.department || r.department === state.department);
    rows.forEach((r) => {
      const row = J.el("tr", r.phase === "now" ? "current" : "");
      row.dataset.slot = `${r.service} ${r.start}`;
      const late = r.phase === "over" && r.booked > 0;
      row.append(J.el("td", "", `${r.start}–${r.end}`), J.el("td", "", `${r.service} ${en() ? r.name_en : r.name}`),
        J.el("td", r.phase === "now" ? "state-on" : "muted", say(r.phase)),
        J.el("td", late ? "num warn" : "num", String(r.booked)), J.el("td", "num", String(r.checked_in)),
        J.el("td", "num", String(r.on_time)), J.el("td", r.no_show ? "num state-off" : "num", String(r.no_show)),
        J.el("td", "num muted", String(r.cancelled)));
      body.append(row);
    });
    $("no-appointments").hidden = rows.length > 0;
    renderSweeps(booking.sweeps || []);
  }

  /** Attempts the per-person limit refused today, drawn per hour and per item, with the figures
   * as a table under each chart (charts.js); then today's remote tickets. */
  function renderRefusals() {
    const refused = state.data.person_limit_refusals;
    J.setText($("refusal-summary"), say("refusedTotal", { n: refused.total }));
    const counted = refused.by_hour.map((h) => h.hour);
    const first = Math.min(8, ...counted);
    const last = Math.max(17, ...counted);
    const hours = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const perHour = new Map(refused.by_hour.map((h) => [h.hour, h.refused]));
    const series = (values) => [{ name: say("refused"), color: "#b3261e", values }];
    Charts.bars($("chart-refused-hour"), hours.map((h) => `${h}:00`), series(hours.map((h) => perHour.get(h) || 0)),
      { emptyText: say("noRefusals") });
    const codes = Object.keys(refused.by_item);
    const label = (code) => {
      const item = state.data.services.find((s) => s.code === code);
      return item ? `${code} ${en() ? item.name_en : item.name}` : code;
    };
    Charts.bars($("chart-refused-item"), codes.map(label), series(codes.map((c) => refused.by_item[c])),
      { emptyText: say("noRefusals") });
    renderRemote(state.data.remote_tickets);
  }

  function renderRemote(remote) {
    const figures = $("remote-figures");
    J.clear(figures);
    [["remoteTaken", remote.taken], ["remoteActivated", remote.activated], ["remoteAtKiosk", remote.activated_at_kiosk],
     ["remoteAtEntrance", remote.activated_at_entrance], ["remoteLapsed", remote.lapsed]].forEach(([key, n]) => {
      const box = J.el("div", "figure");
      box.dataset.figure = key;
      box.append(J.el("dt", "", say(key)), J.el("dd", "", String(n)));
      figures.append(box);
    });
  }

  /** Addresses whose bookings the rate limits refused: someone booking every place by script. */
  function renderSweeps(sweeps) {
    const list = $("appointment-sweeps");
    J.clear(list);
    sweeps.forEach((s) => {
      const at = J.clockText(new Date(s.last_at), tz(), state.lang, false);
      const item = J.el("li", "", say("sweep", { address: s.address, n: s.refused, at, slots: s.slots.join(", ") }));
      item.dataset.address = s.address;
      list.append(item);
    });
    list.hidden = sweeps.length === 0;
  }

  function renderDevices() {
    const body = $("devices");
    J.clear(body);
    state.data.devices.forEach((d) => {
      const row = J.el("tr");
      row.dataset.device = d.name;
      const kind = d.window ? `${say(d.kind)} ${d.window}` : say(d.kind);
      row.append(J.el("td", "", d.name), J.el("td", "", kind),
        J.el("td", d.connected ? "state-on" : "state-off", d.connected ? say("online") : say("offlineDevice")),
        J.el("td", "", d.last_active_at ? J.clockText(new Date(d.last_active_at), tz(), state.lang, false) : say("never")),
        printerCell(d));
      body.append(row);
    });
  }

  function printerCell(device) {
    if (device.kind !== "kiosk") return J.el("td", "muted", "–");
    const p = device.printer;
    if (!p) return J.el("td", "muted", say("unknown"));
    if (p.configured === false) return J.el("td", "muted", say("noPrinter"));
    if (!p.online) return J.el("td", "state-off", say("printerOff"));
    const words = { ok: ["paperOk", ""], near_end: ["paperNear", "warn"], out: ["paperOut", "state-off"], unknown: ["unknown", "muted"] };
    const [key, cls] = words[p.paper] || words.unknown;
    return J.el("td", cls, say(key));
  }

  /** Every second: the clock and each running timer; a timer past its yellow line turns red;
   * a case whose follow-up falls due while the page is open says so at once. */
  function tick() {
    J.setText($("clock"), J.clockText(new Date(), tz(), state.lang));
    document.querySelectorAll("[data-due]").forEach((node) => {
      const late = node.dataset.open === "true" && Date.now() > Date.parse(node.dataset.due);
      if (late && !node.classList.contains("late")) {
        node.classList.add("late");
        node.closest(".case").classList.add("overdue");
        J.setText(node, say(node.dataset.lateKey || "lateBy", { at: when(node.dataset.due) }));
      }
    });
    const handling = state.data ? state.data.thresholds.handling_minutes[0] * 60 : Infinity;
    document.querySelectorAll("[data-since]").forEach((node) => {
      const seconds = J.secondsSince(node.dataset.since);
      J.setText(node, J.duration(seconds));
      const limit = node.dataset.kind === "handling" ? handling : Number(node.dataset.yellow || Infinity);
      node.classList.toggle("over", seconds >= limit);
    });
  }

  $("department").addEventListener("change", (event) => {
    state.department = event.target.value;
    render();
  });
  $("lang").addEventListener("click", () => {
    state.lang = en() ? "zh" : "en";
    localStorage.setItem(LANG_KEY, state.lang);
    render();
  });
  $("sign-out").addEventListener("click", () => StaffSignIn.signOut(state.token));
  $("to-reports").addEventListener("click", (event) => {
    event.preventDefault();
    location.href = `/reports?lang=${state.lang}`;
  });

  start();
})();
