/* The clerk's window terminal (窗口工作台): signing in, choosing the window, the actions and
 * their keyboard shortcuts, and the start. The parts it uses are listed in clerk-page.js. */
"use strict";

(() => {
  const J = Jiaohao;
  const P = ClerkPage;
  const {
    $, LANG_KEY, TOKEN_KEY, WINDOW_KEY, WORDS, act, call, en, notify, paused, say, state,
  } = P;

  // --- screens: sign in, choose a window, work ------------------------------------------------

  function show(id) {
    ["login", "pick", "terminal"].forEach((name) => { $(name).hidden = name !== id; });
    if (id !== "terminal") P.closeAllDialogs();   // e.g. signed out elsewhere with a dialog open
    J.translate(document, WORDS, state.lang);
    document.querySelectorAll(".lang-toggle").forEach((b) => J.languageToggle(b, state.lang));
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
      const reply = await J.api("/auth/login", { method: "POST", body: J.signInBody() });
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
    J.setParts($("pick-who"), P.whoPieces());
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
    P.renderAll();
    // the sign-in button just hid: the focus goes where the clerk works, not to a hidden control
    document.querySelector(".act[data-action=next]").focus();
    P.connect();
  }


  // --- actions ------------------------------------------------------------------------------------


  const needTicket = () => {
    if (!state.ticket) notify(`${say("noTicket")}`);
    return state.ticket;
  };
  const onTicket = (verb, body) => {
    const t = needTicket();
    return t && act(() => P.ticketReply(`/tickets/${t.id}/${verb}`, { method: "POST", body }));
  };
  const needServing = () => {
    const t = needTicket();
    if (t && t.state !== "serving") notify(say("notServing"), "info");
    return t && t.state === "serving";
  };

  const notPaused = () => {
    if (paused()) notify(say("windowPaused"), "info");
    return !paused();
  };

  const ACTIONS = {
    next: async () => {
      if (!notPaused()) return;
      const reply = await act(() => P.ticketReply(
        `/windows/${state.number}/call-next`, { method: "POST" }, (r) => r.ticket || state.ticket));
      if (reply && !reply.ticket) notify(say("noneWaiting"), "info");
    },
    recall: () => onTicket("recall"),
    start: () => onTicket("start"),
    noshow: () => onTicket("no-show"),
    finish: () => needServing() && P.openDialog("d-finish"),
    hold: () => needTicket() && P.openDialog("d-hold"),
    transfer: () => needTicket() && P.openDialog("d-transfer"),
    call: () => {
      // the server refuses a second call while a citizen is at the window (window_busy)
      if (state.ticket) return notify(say("callAfterTicket"), "info");
      return notPaused() && P.openDialog("d-call");
    },
    pause: () => {
      if (paused()) return act(() => P.windowReply(`/windows/${state.number}/resume`, { method: "POST" }));
      if (state.ticket) return notify(say("pauseAfterTicket"), "info");
      return P.openDialog("d-pause");
    },
  };

  document.querySelectorAll(".act").forEach((button) => {
    button.addEventListener("click", () => ACTIONS[button.dataset.action]());
  });

  $("b-signout").addEventListener("click", async () => {
    const done = await act(() => call(`/windows/${state.number}/sign-out`, { method: "POST" }));
    if (done) logout();
  });


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
    // Space on a focused control presses that control, as everywhere else (WCAG 2.1.1); on an
    // action button it acts at once, the way the shortcuts do, so that press is never lost either
    const focusedAction = event.key === " " ? actionButton(event.target) : null;
    if (event.key === " " && !focusedAction && ownsSpace(event.target)) return;
    // a clerk who speaks to the PC or slips on the keyboard turns letters off (WCAG 2.1.4)
    if (event.key.length === 1 && !focusedAction && !singleKeys()) return;
    const action = focusedAction || KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    const dialog = document.querySelector("dialog[open]");
    // while a dialog's own request is out its fields are done with: a key there says so
    if (dialog && dialog !== state.submitting && typedIntoDialog(event, dialog)) return;
    event.preventDefault();   // F1 would open help; Space would press the focused button too
    if (event.repeat) return;   // a key held down is one press, not a burst of calls
    if (dialog) notify(say(dialog === state.submitting ? "stillWorking" : "dialogOpen"), "info");
    else ACTIONS[action]();
  });

  const SINGLE_KEYS = "jiaohao.clerk.singleKeys";
  const singleKeys = () => localStorage.getItem(SINGLE_KEYS) !== "off";

  /** A button, field or link of the terminal with focus (not one inside an open dialog, whose
   * Space the dialog rules below decide): Space is its own. */
  function ownsSpace(target) {
    if (!target || !target.closest || target === document.body) return false;
    if (target.closest("dialog[open]")) return false;
    return !!target.closest("button, a[href], input, select, textarea, summary, [role=button], [contenteditable]");
  }

  /** The terminal action button with focus, if that is where a key went. */
  function actionButton(target) {
    const button = target && target.closest && target.closest(".act[data-action]");
    return button && !button.closest("dialog") ? button.dataset.action : null;
  }

  function singleKeySwitch() {
    const box = $("single-keys");
    box.checked = singleKeys();
    box.addEventListener("change", () => {
      localStorage.setItem(SINGLE_KEYS, box.checked ? "on" : "off");
      document.body.classList.toggle("no-single-keys", !box.checked);
    });
    document.body.classList.toggle("no-single-keys", !box.checked);
  }

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
      if (!$("terminal").hidden) P.renderAll();
    });
  });

  Object.assign(P, { forgetSession, showPick });
  singleKeySwitch();
  setInterval(P.tick, 1000);
  boot();
})();
