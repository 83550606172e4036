/* The clerk's window terminal (窗口工作台): what its parts share. The session token lives in
 * sessionStorage (not a cookie: nothing for another site to ride on) and goes to the REST API
 * and Socket.IO. Every refusal from the server is shown with its own bilingual message.
 *
 * The terminal is split by job, each script adding its functions to `ClerkPage`, which the
 * others call through it: clerk-page.js (words, state, the notice line, one action at a time),
 * clerk-view.js (drawing), clerk-queue.js (the head of the window's queue), clerk-live.js (live
 * messages and replies, newest wins), clerk-dialogs.js, and clerk.js (sign-in, the window
 * choice, the actions and their keys). */
"use strict";

const ClerkPage = (() => {
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
    callAfterTicket: { zh: "请先处理完当前号，再特呼", en: "Deal with the current ticket before calling a number" },
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
    counts: null, socket: null,
    busy: false, running: Promise.resolve(),   // an action is out; settles when it has finished
    submitting: null,                          // the dialog whose own request is out
    seen: { window: 0, ticket: 0 },   // the seq each part of the view was drawn from (see `fresh`)
    queueSeq: 0, queueLog: [],         // the head of the queue's reply, and live news since (see `headNews`)
    found: null,                       // the number last looked for, marked in the head
  };
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const en = () => state.lang === "en";
  const call = (path, options = {}) => J.api(path, { ...options, token: state.token });

  const paused = () => state.window && state.window.status === "paused";

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

  const pauseReasonText = (reason) => J.pauseReason(reason, state.lang);

  /** Who is signed in, as pieces for Jiaohao.setParts: the name keeps its own language. */
  const whoPieces = () => (state.me.staff_no
    ? [state.me.name, " · ", `${say("staffNo")} ${state.me.staff_no}`] : [state.me.name]);

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

  // --- one action at a time ------------------------------------------------------------------------

  /** Runs one server action; one at a time, so a double press never calls two citizens. */
  async function act(request) {
    if (state.busy) {
      notify(say("stillWorking"), "info");
      return false;
    }
    state.busy = true;
    document.body.classList.add("busy");
    let finished;
    state.running = new Promise((resolve) => { finished = resolve; });
    try {
      const reply = await request();
      clearNotice();
      ClerkPage.countsSoon();   // the queue follows from the action's own live messages
      return reply || true;
    } catch (err) {
      notify(refusalText(err));
      if (err.status === 401) ClerkPage.forgetSession(err.message);
      return false;
    } finally {
      state.busy = false;
      document.body.classList.remove("busy");
      finished();
    }
  }

  return { $, COUNTERS, LANG_KEY, PAUSE_REASONS, SHOWN_WAITING, TOKEN_KEY, WINDOW_KEY, WORDS, act,
           call, en, notify, pauseReasonText, paused, policy, priorityTags, refusalText, say, state, whoPieces };
})();
