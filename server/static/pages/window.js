/* The window screen (窗口屏): faces the citizen at one window; shows who is served and asks
 * for the five-level rating after each finished visit. It proves itself with the window's
 * device token, given once in the address (?token=…) or typed into the setup form. */
"use strict";

(() => {
  const J = Jiaohao;
  const NUMBER = Number(document.body.dataset.window);
  const TOKEN_KEY = `jiaohao.window.${NUMBER}.token`;
  const LANG_KEY = "jiaohao.window.lang";
  const THANKS_SECONDS = 4;

  const WORDS = {
    setupTitle: { zh: "窗口屏设置 · 窗口", en: "Window screen setup · window" },
    setupToken: { zh: "窗口屏凭证 (由管理员提供)", en: "Window screen token (from the administrator)" },
    setupSave: { zh: "保存并启动", en: "Save and start" },
    windowPre: { zh: "", en: "Window" },
    windowUnit: { zh: "号窗口", en: "" },
    itemsServed: { zh: "办理事项：", en: "Items: " },
    deptsServed: { zh: "办理部门：", en: "Departments: " },
    offline: { zh: "连接中断", en: "offline" },
    called: { zh: "已呼叫", en: "Called" },
    serving: { zh: "办理中", en: "Serving" },
    idle: { zh: "空闲", en: "Available" },
    paused: { zh: "暂停服务", en: "Service paused" },
    nowServing: { zh: "当前号码", en: "Current number" },
    noClerk: { zh: "本窗口暂无工作人员", en: "No clerk at this window" },
    idleHint: { zh: "请留意叫号", en: "Please wait for your number" },
    clerk: { zh: "工作人员", en: "Clerk" },
    staffNo: { zh: "工号", en: "Staff no." },
    rateTitle: { zh: "请您对本次服务作出评价", en: "Please rate this service" },
    thanks: { zh: "感谢您的评价", en: "Thank you for your feedback" },
    alreadyRated: { zh: "本次服务已评价", en: "This visit has already been rated" },
    ratingSent: { zh: "已收到您的评价，正在保存", en: "Your rating is in and being saved" },
    badToken: { zh: "凭证无效或已被撤销，请重新输入", en: "The token is invalid or revoked: enter it again" },
    wrongWindow: { zh: "这不是本窗口的窗口屏凭证", en: "This is not a screen token for this window" },
    reasonsTitle: { zh: "请告诉我们哪里不满意（可多选）", en: "What went wrong? (choose any)" },
    commentLabel: { zh: "其他意见（可不填）", en: "Anything else? (optional)" },
    reasonsBack: { zh: "返回重选", en: "Back" },
    reasonsSend: { zh: "提交评价", en: "Send" },
  };
  // after 不满意 / 非常不满意: the reason codes the server offers (hall/queue.py), and the comment's limit
  const REASONS = JSON.parse(document.getElementById("rating-reasons").textContent);
  // the national five-level scale, best first, as the citizen reads it; value = stored rating
  const RATINGS = [
    { value: 5, zh: "非常满意", en: "Very satisfied", tone: "r5" },
    { value: 4, zh: "满意", en: "Satisfied", tone: "r4" },
    { value: 3, zh: "基本满意", en: "Fairly satisfied", tone: "r3" },
    { value: 2, zh: "不满意", en: "Dissatisfied", tone: "r2" },
    { value: 1, zh: "非常不满意", en: "Very dissatisfied", tone: "r1" },
  ];

  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const state = {
    lang: J.pickLanguage(LANG_KEY), token: null, hall: null, policy: null,
    services: new Map(), window: null, rating: null, socket: null, seq: 0,
  };

  const other = () => (state.lang === "en" ? "zh" : "en");
  const say = (key) => WORDS[key][state.lang];
  const sayOther = (key) => WORDS[key][other()];

  // --- the token, given once ------------------------------------------------------------------

  /** Takes ?token= into this browser's storage and out of the address bar (and its history). */
  function adoptTokenFromAddress() {
    const given = params.get("token");
    if (!given) return;
    localStorage.setItem(TOKEN_KEY, given);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
  }

  function showSetup(messageKey) {
    $("screen").hidden = true;
    $("setup").hidden = false;
    J.setText($("setup-message"), messageKey ? `${say(messageKey)} / ${sayOther(messageKey)}` : "");
    $("setup-token").focus();
  }

  async function start() {
    J.translate(document, WORDS, state.lang);
    adoptTokenFromAddress();
    state.token = localStorage.getItem(TOKEN_KEY);
    if (!state.token) return showSetup(null);
    try {
      const me = await J.api("/me", { token: state.token });
      if (me.kind !== "device" || me.role !== "window" || me.window !== NUMBER) {
        return showSetup("wrongWindow");
      }
    } catch (err) {
      if (err.status === 401) {
        localStorage.removeItem(TOKEN_KEY);
        return showSetup("badToken");
      }
      setTimeout(start, 3000);   // server unreachable: the screen keeps trying by itself
      return undefined;
    }
    $("setup").hidden = true;
    $("screen").hidden = false;
    connect();
    return undefined;
  }

  $("setup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("setup-token").value.trim());
    $("setup-token").value = "";
    start();
  });

  // --- live state -----------------------------------------------------------------------------

  function connect() {
    if (state.socket) state.socket.disconnect();
    const E = Protocol.events;
    state.socket = J.connectLive(state.token, {
      [E.HALL_SNAPSHOT]: applySnapshot,
      [E.WINDOW_CHANGED]: (m) => { if (m.window.number === NUMBER && fresh(m.seq)) { state.window = m.window; render(); } },
      [E.TICKET_CHANGED]: onTicketChanged,
    }, {
      onStatus: (online) => { $("offline").hidden = online; },
      onRefused: () => { state.socket.disconnect(); start(); },
      onGap: () => refreshSoon(),
      windowNumber: NUMBER,   // this window's part of the hall only
    });
  }

  function applySnapshot(snapshot) {
    state.hall = snapshot.hall;
    state.policy = snapshot.policy || {};
    state.services = new Map(snapshot.services.map((s) => [s.code, s]));
    if (fresh(snapshot.seq)) state.window = snapshot.windows.find((w) => w.number === NUMBER) || null;
    render();
  }

  /** The window as of the newest `seq` seen: a hall read again after a gap may come back after
   * a newer live message, and must not put an older number back on the screen. */
  function fresh(seq) {
    if (seq < state.seq) return false;
    state.seq = seq;
    return true;
  }

  // a missed message: read the whole hall again rather than guess
  const refreshSoon = J.debounce(async () => {
    try {
      applySnapshot(await J.api("/hall", { token: state.token }));
    } catch (err) {
      console.warn("hall refresh failed", err.message);
    }
  }, 200);

  function onTicketChanged(message) {
    const ticket = message.ticket;
    if (ticket.window !== NUMBER || message.replayed) return;
    if (message.change === Protocol.changes.SERVICE_FINISHED && ticket.rating === null) askForRating(ticket);
  }

  // --- the window view ------------------------------------------------------------------------

  function render() {
    J.translate(document, WORDS, state.lang);
    J.languageToggle($("lang-toggle"), state.lang);
    const w = state.window;
    if (!w || !state.hall) return;
    J.setText($("w-name"), state.lang === "en" ? w.name_en : w.name);
    J.setText($("w-name-alt"), state.lang === "en" ? w.name : w.name_en);
    J.setText($("w-items"), itemsText(w));
    renderState(w);
    renderClerk(w);
  }

  /** Item names when they fit on a line; a comprehensive window lists its departments instead. */
  function itemsText(w) {
    const items = w.services.map((code) => state.services.get(code)).filter(Boolean);
    const en = state.lang === "en";
    if (items.length <= 4) {
      J.setText($("items-label"), say("itemsServed"));
      return items.map((s) => (en ? s.name_en : s.name)).join(en ? " · " : "、");
    }
    J.setText($("items-label"), say("deptsServed"));
    const depts = [...new Set(items.map((s) => (en ? s.department_name_en : s.department_name)))];
    return depts.join(en ? " · " : "、");
  }

  function renderState(w) {
    const key = stateKey(w);
    $("view").className = `view state-${key}`;
    J.setText($("state-text"), say(key));
    J.setText($("state-alt"), sayOther(key));
    const atDesk = key === "called" || key === "serving";
    J.setText($("current-label"), atDesk ? `${say("nowServing")} · ${sayOther("nowServing")}` : "");
    J.setText($("current-number"), atDesk ? w.current.number : "");
    // a preset reason gets its English line too; a reason the clerk typed shows as typed
    const typed = w.pause_reason || "";
    const english = J.pauseReason(typed, "en");
    const paused = english !== typed ? `${typed} · ${english}` : typed;
    const reason = w.status === "paused" ? paused : w.status === "closed" ? say("noClerk") : "";
    J.setText($("paused-reason"), reason || (key === "idle" ? `${say("idleHint")} · ${sayOther("idleHint")}` : ""));
    const elsewhere = key === "paused" && w.nearest_open;
    J.setText($("go-text"), elsewhere ? `请到 ${w.nearest_open} 号窗口办理` : "");
    J.setText($("go-alt"), elsewhere ? `Please go to window ${w.nearest_open}` : "");
  }

  /** The server's answer (`shown`, hall/wording.py); this screen says 暂停服务 when closed too. */
  function stateKey(w) {
    return w.shown === "closed" ? "paused" : w.shown;
  }

  function renderClerk(w) {
    if (!w.clerk) return J.setText($("clerk"), "");
    // the name is a piece of its own: a Chinese name in the English line is read in Chinese
    const pieces = [say("clerk"), " ", w.clerk.name];
    if (w.clerk.staff_no) pieces.push("  ·  ", `${say("staffNo")} ${w.clerk.staff_no}`);
    return J.setParts($("clerk"), pieces);
  }

  function tick() {
    if (state.hall) J.setText($("clock"), J.clockText(new Date(), state.hall.timezone, state.lang, false));
    if (state.rating) countDown();
  }

  $("lang-toggle").addEventListener("click", () => {
    state.lang = other();
    localStorage.setItem(LANG_KEY, state.lang);
    render();
    if (state.rating) renderRating();
  });

  // --- 适老化: large text and high contrast, remembered by this screen's browser ------------------

  [["large-text", "jiaohao.view.largeText"], ["high-contrast", "jiaohao.view.highContrast"]].forEach(([mode, key]) => {
    const button = $(mode);
    const apply = (on) => {
      document.documentElement.classList.toggle(mode, on);
      button.setAttribute("aria-pressed", String(on));
    };
    apply(localStorage.getItem(key) === "on");
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      localStorage.setItem(key, on ? "on" : "off");
      apply(on);
    });
  });

  // --- the rating -------------------------------------------------------------------------------

  /** Seconds the prompt waits: the hall's policy, or ?rating_timeout= for a trial or a test. */
  function ratingTimeout() {
    const asked = Number(params.get("rating_timeout"));
    if (asked > 0) return asked;
    return Number(state.policy && state.policy.rating_timeout_seconds) || 60;
  }

  function askForRating(ticket) {
    finishRating();
    state.rating = { ticket, deadline: Date.now() + ratingTimeout() * 1000, sent: false, chosen: null,
                     reasons: new Set(), comment: "" };
    renderRating();
    $("thanks").hidden = true;
    $("rating").hidden = false;
    // the prompt is a dialog: what is behind it is out of reach until it closes, and a keyboard
    // or screen reader starts on its first answer
    $("screen").inert = true;
    const first = $("rating-buttons").querySelector("button");
    if (first) first.focus();
  }

  function renderRating() {
    const { ticket, chosen } = state.rating;
    J.setText($("rating-title"), say("rateTitle"));
    J.setText($("rating-title-alt"), sayOther("rateTitle"));
    J.setText($("rating-ticket"), ticket.number);
    J.setText($("rating-message"), "");
    const box = $("rating-buttons");
    J.clear(box);
    RATINGS.forEach((choice) => {
      const button = J.el("button", `rate ${choice.tone}`);
      button.type = "button";
      button.dataset.rating = String(choice.value);
      button.append(J.el("span", "rate-main", choice[state.lang]), J.el("span", "rate-alt", choice[other()]));
      button.addEventListener("click", () => rate(choice.value));
      box.append(button);
    });
    box.hidden = chosen !== null;
    $("reasons").hidden = chosen === null;
    $("rating").classList.toggle("asking-why", chosen !== null);
    if (chosen !== null) renderReasons();
    countDown();
  }

  /** After 不满意 / 非常不满意: why, as checkboxes the citizen may tick, and a comment; the
   * choices and what was typed survive a change of language. */
  function renderReasons() {
    const current = state.rating;
    const picked = RATINGS.find((r) => r.value === current.chosen);
    J.setText($("rating-title"), picked[state.lang]);
    J.setText($("rating-title-alt"), picked[other()]);
    J.setText($("reasons-title"), say("reasonsTitle"));
    J.setText($("reasons-title-alt"), sayOther("reasonsTitle"));
    J.setText($("comment-label"), `${say("commentLabel")} / ${sayOther("commentLabel")}`);
    J.setText($("reasons-back"), say("reasonsBack"));
    J.setText($("reasons-send"), say("reasonsSend"));
    const choices = $("reason-choices");
    J.clear(choices);
    REASONS.reasons.forEach((reason) => {
      const label = J.el("label", "reason");
      const box = J.el("input");
      box.type = "checkbox";
      box.name = "reason";
      box.value = reason.code;
      box.checked = current.reasons.has(reason.code);
      box.addEventListener("change", () => {
        if (box.checked) current.reasons.add(reason.code); else current.reasons.delete(reason.code);
        stillThere();
      });
      const primary = state.lang === "en" ? reason.name_en : reason.name;
      const alt = state.lang === "en" ? reason.name : reason.name_en;
      label.append(box, J.el("span", "reason-main", primary), J.el("span", "reason-alt", alt));
      choices.append(label);
    });
    $("comment").value = current.comment;
  }

  /** The citizen is answering: the prompt waits its full time again. */
  function stillThere() {
    if (state.rating) state.rating.deadline = Date.now() + ratingTimeout() * 1000;
  }

  // a citizen who needs longer asks for it: the prompt waits its full time again (WCAG 2.2.1)
  $("more-time").addEventListener("click", stillThere);

  function countDown() {
    const left = Math.ceil((state.rating.deadline - Date.now()) / 1000);
    if (left <= 0) return timedOut();
    const text = state.lang === "en" ? `Closes in ${left} s` : `${left} 秒后自动关闭`;
    return J.setText($("rating-countdown"), text);
  }

  function rate(value) {
    const current = state.rating;
    if (!current) return;
    if (current.sent) {   // one rating per visit, even on a double tap: the second tap hears why
      J.setText($("rating-message"), `${say("ratingSent")} / ${sayOther("ratingSent")}`);
      return;
    }
    if (REASONS.bad_ratings.includes(value)) {
      current.chosen = value;   // 差评: ask why before sending
      stillThere();
      renderRating();
      const first = $("reason-choices").querySelector("input");
      if (first) first.focus();
      return;
    }
    send({ rating: value });
  }

  async function send(body) {
    const current = state.rating;
    if (!current || current.sent) return;
    current.sent = true;
    // still pressable, so a tap is answered; aria-disabled tells screen readers the choice is made
    $("rating").querySelectorAll("button").forEach((b) => { b.setAttribute("aria-disabled", "true"); });
    try {
      await J.api(`/tickets/${current.ticket.id}/evaluation`, { method: "POST", body, token: state.token });
      thankYou("thanks");
    } catch (err) {
      thankYou(err.code === "already_rated" ? "alreadyRated" : null, err.message);
    }
  }

  /** The bad rating with its reasons and comment, as chosen so far. */
  function sendBadRating() {
    const current = state.rating;
    if (!current || current.chosen === null) return;
    const comment = current.comment.trim();
    send({ rating: current.chosen, reasons: REASONS.reasons.map((r) => r.code).filter((c) => current.reasons.has(c)),
           ...(comment ? { comment } : {}) });
  }

  $("reasons").addEventListener("submit", (event) => {
    event.preventDefault();
    sendBadRating();
  });
  $("comment").addEventListener("input", () => {
    if (state.rating) state.rating.comment = $("comment").value;
    stillThere();
  });
  $("reasons-back").addEventListener("click", () => {
    if (!state.rating || state.rating.sent) return;
    state.rating.chosen = null;
    stillThere();
    renderRating();
    const again = $("rating-buttons").querySelector("button");
    if (again) again.focus();
  });

  /** No answer in time: recorded as not rated (never as satisfied), then back to the window view.
   * A citizen who chose 不满意 and walked away did answer: that rating goes in, with its reasons. */
  async function timedOut() {
    const current = state.rating;
    if (!current || current.sent) return;
    if (current.chosen !== null) return sendBadRating();
    current.sent = true;
    finishRating();
    try {
      await J.api(`/tickets/${current.ticket.id}/evaluation/skip`, { method: "POST", token: state.token });
    } catch (err) {
      console.warn("not-rated record refused:", err.message);   // e.g. rated meanwhile from the phone
    }
  }

  function thankYou(key, detail) {
    finishRating();
    J.setText($("thanks-text"), key ? say(key) : detail);
    J.setText($("thanks-alt"), key ? sayOther(key) : "");
    $("thanks").hidden = false;
    setTimeout(() => { $("thanks").hidden = true; }, THANKS_SECONDS * 1000);
  }

  function finishRating() {
    $("screen").inert = false;
    state.rating = null;
    $("rating").hidden = true;
    $("rating").classList.remove("asking-why");
  }

  setInterval(tick, 250);
  start();
})();
