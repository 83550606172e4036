/* The clerk terminal's dialogs (finish, hold, transfer, call a number, pause): the focus they
 * take and give back, what closes them, and their requests. */
"use strict";

(() => {
  const J = Jiaohao;
  const P = ClerkPage;
  const { $, PAUSE_REASONS, act, call, en, notify, paused, policy, say, state } = P;

  /**
   * Dialogs own the focus while open and hand it back when they close, however they close:
   * to the button that opened one (while it still applies) or to the main action. The focus
   * leaves the dialog's field *before* the dialog closes: an input left focused in a closed
   * dialog goes on receiving keys until the browser notices, and shortcuts would take them for
   * typing. It lands on the terminal only *after*: while a modal dialog is open everything
   * behind it refuses focus, and on closing the browser would put it back on the opener.
   */
  const openers = new Map();
  const dialogTicket = new Map();   // the ticket a ticket dialog was opened for

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

  function leave(dialog) {
    if (dialog.contains(document.activeElement)) document.activeElement.blur();
  }

  function closeDialog(dialog) {
    if (!dialog.open) return;
    leave(dialog);
    dialog.close();
    focusBack(dialog);
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
    if (!dialog || dialog === state.submitting) return;
    const outdated = dialog.dataset.needs === "ticket"
      ? !state.ticket || state.ticket.id !== dialogTicket.get(dialog)
      : !!state.ticket || paused();
    if (!outdated) return;
    closeDialog(dialog);
    notify(say("dialogOutdated"), "info");
  }

  document.querySelectorAll("dialog").forEach((dialog) => {
    // Esc: the browser closes the dialog right after this event, so the focus leaves first
    dialog.addEventListener("cancel", () => leave(dialog));
    dialog.addEventListener("close", () => {
      if (openers.has(dialog)) focusBack(dialog);   // closed by the browser (Esc), not by closeDialog
    });
  });

  document.querySelectorAll("dialog [data-close]").forEach((b) => {
    b.addEventListener("click", () => closeDialog(b.closest("dialog")));
  });

  /** A dialog's request; a refusal is shown inside the dialog, which stays open to correct it.
   * Its ticket is the one it was opened for, so waiting for an earlier action is safe. */
  async function submitDialog(form, request) {
    const dialog = form.closest("dialog");
    if (dialog === state.submitting) return notify(say("stillWorking"), "info");   // Enter pressed twice
    state.submitting = dialog;
    // an action started before the dialog (a start still being answered) finishes first: the
    // dialog's own request waits its turn rather than being turned away
    while (state.busy) await state.running;
    const reply = await act(request);
    state.submitting = null;
    if (reply) return closeDialog(dialog);
    J.setText(form.querySelector(".message"), $("notice-text").textContent);
    return closeOutdatedDialog();   // a live message may have changed things while it was out
  }

  /** The ticket a ticket dialog acts on: the one it was opened for, never a later one. */
  const ticketOf = (form) => dialogTicket.get(form.closest("dialog"));

  const SUBMITS = {
    finish: (f) => {
      const caseNo = f.elements.case_no.value.trim();
      return () => P.ticketReply(`/tickets/${ticketOf(f)}/finish`, {
        method: "POST", body: caseNo ? { case_no: caseNo } : {} });
    },
    hold: (f) => () => P.ticketReply(`/tickets/${ticketOf(f)}/hold`, { method: "POST", body: {
      minutes: Number(f.elements.minutes.value), return_to: f.elements.return_to.value } }),
    call: (f) => () => P.ticketReply(`/windows/${state.number}/call`, { method: "POST", body: {
      number: f.elements.number.value.trim(), reason: f.elements.reason.value.trim() || "特呼" } },
    (reply) => reply.ticket),
    pause: (f) => () => P.windowReply(`/windows/${state.number}/pause`, { method: "POST", body: {
      reason: f.elements.reason.value.trim() || f.elements.preset.value } }),
  };

  document.querySelectorAll("dialog form[data-submit]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const make = SUBMITS[form.dataset.submit];
      if (make) submitDialog(form, make(form));
    });
  });


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
    submitDialog(form, () => P.ticketReply(`/tickets/${ticketOf(form)}/transfer`, { method: "POST", body }));
  }

  Object.assign(P, { closeAllDialogs, closeOutdatedDialog, openDialog });
})();
