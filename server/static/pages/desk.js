/* The service desk (导服台): staff book a slot for a citizen who has no phone, and print the
 * booking on paper — the code and its QR for the kiosk's check-in, and a second QR with the
 * link to move or cancel (a relative with a phone can use it). Bookings go through the same
 * POST /api/v1/appointments as the public page, with the staff member's token, so the mobile
 * number may be left out and the per-number limits do not apply. */
"use strict";

(() => {
  const J = Jiaohao;
  const LANG_KEY = "jiaohao.desk.lang";
  const WORDS = {
    title: { zh: "导服台预约", en: "Service desk appointments" },
    signOut: { zh: "退出", en: "Sign out" },
    newBooking: { zh: "代办预约", en: "Book for a citizen" },
    deskNote: { zh: "为没有手机的群众预约：手机号可不填，预约凭条打印给群众。",
                en: "For citizens without a phone: the mobile number may be left empty; print the booking for them." },
    item: { zh: "事项", en: "Item" },
    day: { zh: "日期", en: "Day" },
    time: { zh: "时间", en: "Time" },
    mobile: { zh: "手机号（可不填）", en: "Mobile (optional)" },
    name: { zh: "姓名（可不填）", en: "Name (optional)" },
    mobileShort: { zh: "手机", en: "Mobile" },
    book: { zh: "确认预约", en: "Book" },
    noSlots: { zh: "这一天没有可预约的时段", en: "No bookable slots on this day" },
    noItems: { zh: "暂不提供预约", en: "Appointments are not offered" },
    free: { zh: "余 {n}", en: "{n} left" },
    full: { zh: "已满", en: "full" },
    chooseSlot: { zh: "请选择时段", en: "Choose a slot" },
    chooseItem: { zh: "请先选择事项", en: "Choose an item first" },
    slotFull: { zh: "该时段已约满，请选择其他时段", en: "This slot is full: choose another" },
    stillBooking: { zh: "正在预约，请稍候", en: "Booking, please wait" },
    print: { zh: "打印预约凭条", en: "Print the booking" },
    another: { zh: "下一位", en: "Next citizen" },
    yourCode: { zh: "预约码", en: "Booking code" },
    checkInHint: { zh: "请按时到大厅，在取号机「预约签到」扫描二维码或输入预约码。",
                   en: "Come on time and check in at the kiosk (预约签到 / Check in) with this code." },
    manageHint: { zh: "改约或取消：扫描此码，或到导服台办理。", en: "To move or cancel: scan this code, or ask at the desk." },
    desk: { zh: "导服台代约", en: "booked at the desk" },
  };
  const WEEKDAYS = { zh: ["日", "一", "二", "三", "四", "五", "六"], en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] };
  const $ = (id) => document.getElementById(id);
  const state = { lang: J.pickLanguage(LANG_KEY), token: null, items: [], chosen: null, slot: null,
                  booking: false };
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const both = (key) => `${WORDS[key].zh} / ${WORDS[key].en}`;
  const en = () => state.lang === "en";

  async function start() {
    translate();
    const { token, me } = await StaffSignIn.require(state.lang, `${say("title")} · ${en() ? "sign in" : "登录"}`,
                                                    StaffSignIn.STAFF);
    state.token = token;
    J.setText($("who"), `${me.name || me.username}`);
    $("board").hidden = false;
    await loadItems();
  }

  function translate() {
    J.translate(document, WORDS, state.lang);
    document.querySelectorAll("[data-i18n-both]").forEach((node) => J.setText(node, both(node.dataset.i18nBoth)));
    J.setText($("title"), say("title"));
    J.languageToggle($("lang"), state.lang);
    $("item-search").placeholder = en() ? "code or name" : "代码或名称";
  }

  async function loadItems() {
    try {
      const data = await J.api("/appointments/services", { token: state.token });
      state.items = data.services;
      if (!state.items.length) J.setText($("error"), say("noItems"));
      fillItems();
    } catch (err) {
      refused(err, $("error"));
    }
  }

  function fillItems() {
    const q = $("item-search").value.trim().toLowerCase();
    const select = $("item");
    J.clear(select);
    state.items.filter((i) => !q || `${i.code} ${i.name} ${i.name_en}`.toLowerCase().includes(q)).forEach((i) => {
      const option = J.el("option", null, `${i.code} ${en() ? i.name_en : i.name}`);
      option.value = i.code;
      select.append(option);
    });
    if (state.chosen && [...select.options].some((o) => o.value === state.chosen.code)) select.value = state.chosen.code;
  }

  function dayText(iso) {
    const d = new Date(`${iso}T00:00:00`);
    return en() ? `${iso} ${WEEKDAYS.en[d.getDay()]}` : `${d.getMonth() + 1}月${d.getDate()}日 星期${WEEKDAYS.zh[d.getDay()]}`;
  }

  function pickItem() {
    state.chosen = state.items.find((i) => i.code === $("item").value) || null;
    state.slot = null;
    const days = $("day");
    J.clear(days);
    (state.chosen ? state.chosen.days : []).forEach((day) => {
      const option = J.el("option", null, dayText(day));
      option.value = day;
      days.append(option);
    });
    loadSlots();
  }

  let slotsAsked = 0;

  async function loadSlots() {
    const asked = ++slotsAsked;
    const grid = $("slots");
    J.clear(grid);
    state.slot = null;
    updateBookButton();
    if (!state.chosen || !$("day").value) { $("no-slots").hidden = !state.chosen; return; }
    try {
      const data = await J.api(`/appointments/slots?service=${encodeURIComponent(state.chosen.code)}&date=${$("day").value}`,
                               { token: state.token });
      // a newer choice of item or day was made while this one loaded: only the newest is drawn
      if (asked !== slotsAsked) return;
      J.clear(grid);
      $("no-slots").hidden = data.slots.length > 0;
      data.slots.forEach((slot) => {
        const button = J.el("button", "slot");
        button.type = "button";
        button.dataset.start = slot.start;
        button.append(J.el("strong", null, `${slot.start}–${slot.end}`),
                      J.el("span", slot.free ? "muted" : "state-off", slot.free ? say("free", { n: slot.free }) : say("full")));
        // a full slot stays pressable (and says it is full); aria-disabled tells screen readers
        if (!slot.free) button.setAttribute("aria-disabled", "true");
        button.addEventListener("click", () => {
          if (!slot.free) return J.setText($("book-message"), say("slotFull"));
          state.slot = slot;
          grid.querySelectorAll(".slot").forEach((b) => b.classList.toggle("chosen", b === button));
          return updateBookButton();
        });
        grid.append(button);
      });
    } catch (err) {
      refused(err, $("book-message"));
    }
  }

  /** A refusal is shown where the desk looks; a session that ended goes back to sign-in. */
  function refused(err, where) {
    if (err.status === 401) return StaffSignIn.signOut(null, StaffSignIn.STAFF);
    J.setText(where, err.message);
    return null;
  }

  /** "Book" looks unavailable until a slot is chosen and while a booking is out, but a press
   * on it is never lost: it books, or says what is missing. */
  function updateBookButton() {
    $("book").setAttribute("aria-disabled", String(!state.slot || state.booking));
    J.setText($("book-message"), state.chosen && !state.slot ? say("chooseSlot") : "");
  }

  function whyNotBook() {
    if (state.booking) return "stillBooking";
    if (!state.chosen) return "chooseItem";
    return state.slot ? null : "chooseSlot";
  }

  async function book() {
    const why = whyNotBook();
    if (why) return J.setText($("book-message"), say(why));
    const body = { service: state.chosen.code, date: $("day").value, start: state.slot.start };
    if ($("mobile").value.trim()) body.mobile = $("mobile").value.trim();
    if ($("name").value.trim()) body.name = $("name").value.trim();
    state.booking = true;
    updateBookButton();
    try {
      const booked = await J.api("/appointments", { method: "POST", body, token: state.token });
      showSlip(booked);
    } catch (err) {
      refused(err, $("book-message"));
      if (err.code === "slot_full") loadSlots();
    } finally {
      state.booking = false;
      $("book").setAttribute("aria-disabled", String(!state.slot));
    }
    return undefined;
  }

  function showSlip(b) {
    const item = state.items.find((i) => i.code === b.service);
    J.setText($("slip-code"), b.code);
    $("slip-qr").src = b.qr_url;
    $("slip-manage-qr").src = `/book/m/${encodeURIComponent(b.manage_token)}/qr.svg`;
    J.setText($("slip-item"), item ? `${item.name} / ${item.name_en}` : b.service_name);
    J.setText($("slip-time"), `${b.date} ${b.start}–${b.end}`);
    J.setText($("slip-mobile"), b.mobile === "desk" ? both("desk") : b.mobile);
    $("slip").hidden = false;
    $("book-card").hidden = true;
  }

  function another() {
    $("slip").hidden = true;
    $("book-card").hidden = false;
    $("mobile").value = "";
    $("name").value = "";
    loadSlots();   // the place just taken is gone
  }

  $("item-search").addEventListener("input", fillItems);
  $("item").addEventListener("change", pickItem);
  $("day").addEventListener("change", loadSlots);
  $("book").addEventListener("click", book);
  $("print").addEventListener("click", () => window.print());
  $("another").addEventListener("click", another);
  $("sign-out").addEventListener("click", () => StaffSignIn.signOut(state.token, StaffSignIn.STAFF));
  $("lang").addEventListener("click", () => {
    state.lang = en() ? "zh" : "en";
    localStorage.setItem(LANG_KEY, state.lang);
    translate();
    fillItems();
    if (state.chosen) { const day = $("day").value; pickItem(); $("day").value = day; loadSlots(); }
  });
  start();
})();
