/* The clerk terminal's queue: the head of this window's call order kept current from live
 * messages, and the clerk's counters for the day. */
"use strict";

(() => {
  const J = Jiaohao;
  const P = ClerkPage;
  const { $, SHOWN_WAITING, call, notify, refusalText, say, state } = P;

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
    P.renderQueue();
  }

  /** A live message about the queue: applied to the head shown, and kept for the next reply. */
  function headNews(news) {
    state.queueLog.push(news);
    if (state.queueLog.length > HEAD_NEWS_KEPT) state.queueLog.shift();
    if (news.seq <= state.queueSeq) return;   // the reply on screen already has it
    applyHeadNews(news);
    P.renderQueue();
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
    P.renderCounts();
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
    P.renderQueue();
  });

  Object.assign(P, { countsSoon, headNews, headSoon, loadCounts, loadQueue });
})();
