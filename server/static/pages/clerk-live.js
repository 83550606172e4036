/* The clerk terminal's live messages and the replies to its own requests: both bring the
 * window and its current ticket, and whichever is newer (by the hall's `seq`) stays on screen. */
"use strict";

(() => {
  const J = Jiaohao;
  const P = ClerkPage;
  const { $, call, notify, refusalText, say, state } = P;

  function connect() {
    if (state.socket) state.socket.disconnect();
    const E = Protocol.events;
    state.socket = J.connectLive(state.token, {
      [E.HALL_SNAPSHOT]: (snapshot) => refreshAll(snapshot),
      [E.WINDOW_CHANGED]: onWindowChanged,
      [E.TICKET_ISSUED]: (m) => P.headNews({ seq: m.seq, ticket: m.ticket }),
      [E.TICKET_CALLED]: (m) => {
        if (m.window === state.number && fresh("ticket", m.seq)) setTicket(m.ticket);
        P.headNews({ seq: m.seq, ticket: m.ticket });
      },
      [E.TICKET_CHANGED]: onTicketChanged,
      [E.QUEUE_CHANGED]: (m) => {
        if (m.windows) P.headNews({ seq: m.seq, windows: m.windows });
        else if (touchesMe(m.services)) P.headSoon();
      },
    }, {
      onStatus: (online) => { $("offline").hidden = online; },
      onRefused: () => P.forgetSession(""),
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
    if (message.ticket.window === state.number) P.countsSoon();
    P.headNews({ seq: message.seq, ticket: message.ticket });
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
      await Promise.all([P.loadQueue(), P.loadCounts()]);
    } catch (err) {
      if (err.status === 401) P.forgetSession(err.message);
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
        P.showPick(say("signedOutElsewhere"));
        return;
      }
    }
    if (w && fresh("ticket", seq)) {
      const t = state.ticket;
      if (!w.current) setTicket(null);
      else if (!t || t.id !== w.current.id || t.state !== w.current.state) loadTicket(w.current.id);
    }
    P.renderAll();
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
    P.renderCurrent();
    P.renderActions();
    P.closeOutdatedDialog();
  }

  Object.assign(P, { connect, ticketReply, windowReply });
})();
