/* The clerk terminal's drawing: the window bar, the current ticket, which actions apply, the
 * queue's head and held list, the day's counters, and the once-a-second timers. Text only via
 * textContent (Jiaohao.el / setText). */
"use strict";

(() => {
  const J = Jiaohao;
  const P = ClerkPage;
  const { $, COUNTERS, SHOWN_WAITING, act, call, en, pauseReasonText, paused, policy, priorityTags,
          say, state } = P;

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
    J.setParts($("t-clerk"), P.whoPieces());
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

  Object.assign(P, { renderActions, renderAll, renderCounts, renderCurrent, renderQueue, tick });
})();
