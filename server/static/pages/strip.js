/* The window strip: the small display (or LED-style strip) above one window, 800×160 up to
 * 1280×400. It says what this window is doing in one line: the number being called
 * ("请 A012 到 3 号窗口"), the number being served, free, or paused / closed with the reason and
 * the window to go to instead. Opened as /strip/<window>?token=… with the window's screen token
 * or the hall board's token. */
"use strict";

(() => {
  const J = Jiaohao;
  const E = Protocol.events;
  const NUMBER = Number(document.body.dataset.window);
  const TOKEN = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  const state = { window: null, seq: 0, socket: null };

  function refuse(zh, en) {
    if (state.socket) state.socket.disconnect();
    $("strip").hidden = true;
    $("refused").hidden = false;
    J.setText($("refused-text"), zh);
    J.setText($("refused-text-en"), en);
  }

  const refusedToken = () => refuse("凭证无效或已被撤销", "The token is invalid or revoked");

  async function start() {
    if (!TOKEN) return refuse("地址中缺少凭证：/strip/<窗口>?token=…", "The address has no token");
    try {
      const me = await J.api("/me", { token: TOKEN });
      const mine = me.kind === "device" && (me.role === "display" || (me.role === "window" && me.window === NUMBER));
      if (!mine) return refuse("这不是本窗口或综合屏的凭证", "Not a token of this window or of the hall board");
    } catch (err) {
      if (err.status === 401) return refusedToken();
      setTimeout(start, 3000);
      return undefined;
    }
    $("refused").hidden = true;
    $("strip").hidden = false;
    state.socket = J.connectLive(TOKEN, {
      [E.HALL_SNAPSHOT]: (s) => { state.seq = s.seq; show(s.windows.find((w) => w.number === NUMBER)); },
      [E.WINDOW_CHANGED]: (m) => {
        if (m.window.number !== NUMBER || m.seq < state.seq) return;   // a replay never rolls back
        state.seq = m.seq;
        show(m.window);
      },
    }, {
      onStatus: (online) => { $("offline").hidden = online; },
      onRefused: refusedToken,
      onGap: () => state.socket.emit(E.RESYNC, { since: state.seq }),
      windowNumber: NUMBER,   // this window's part of the hall only
    });
    return undefined;
  }

  /** What the window is doing, as one line and its English. */
  function lines(w) {
    const current = w.current;
    const elsewhere = w.nearest_open ? [`请到 ${w.nearest_open} 号窗口办理`, `please go to window ${w.nearest_open}`] : ["", ""];
    if (w.shown === "paused") {
      return { key: "paused", main: ["暂停服务", w.pause_reason, elsewhere[0]].filter(Boolean).join(" · "),
        sub: `Service paused${elsewhere[1] ? ` — ${elsewhere[1]}` : ""}` };
    }
    if (w.shown === "closed") {
      return { key: "closed", main: ["暂停服务 · 本窗口未开放", elsewhere[0]].filter(Boolean).join(" · "),
        sub: `Closed${elsewhere[1] ? ` — ${elsewhere[1]}` : ""}` };
    }
    if (w.shown === "called") {
      return { key: "called", ticket: current.number, main: `请 ${current.number} 到 ${w.number} 号窗口`,
        sub: `Number ${current.number}, please come to window ${w.number}` };
    }
    if (w.shown === "serving") {
      return { key: "serving", ticket: current.number, main: `${current.number} 办理中`,
        sub: `Now serving ${current.number}` };
    }
    return { key: "idle", main: "空闲 · 请留意叫号", sub: "Free — please wait for your number" };
  }

  function show(w) {
    if (!w) return;
    state.window = w;
    const view = lines(w);
    $("s-body").className = `strip-body strip-${view.key}`;
    const main = $("s-main");
    J.clear(main);
    if (view.ticket) {   // the number in the number colour, the rest as text
      const [before, after] = view.main.split(view.ticket);
      main.append(document.createTextNode(before), J.el("span", "ticket", view.ticket), document.createTextNode(after));
    } else {
      J.setText(main, view.main);
    }
    J.setText($("s-sub"), view.sub);
    fitWidth(main);
  }

  /** The whole line stays readable: the window to go to instead must never be cut off. */
  function fitWidth(node) {
    node.style.fontSize = "";
    let size = parseFloat(getComputedStyle(node).fontSize);
    while (node.scrollWidth > node.clientWidth && size > 10) {
      size *= 0.92;
      node.style.fontSize = `${size}px`;
    }
  }

  window.addEventListener("resize", () => show(state.window));

  start();
})();
