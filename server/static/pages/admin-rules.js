/* The administration page's alerts and rules tab: supervision thresholds, the queue rules,
 * and appointments with each item's own slots. */
"use strict";

(() => {
  const { tabs, change, card, sectionForm, itemOverrides, doc } = AdminPage;

  // --- tab: thresholds and queue rules ----------------------------------------------------------------

  const SUPERVISION_FIELDS = [
    { name: "wait_minutes", label: ["等候时长（分钟）", "Waiting time (minutes)"], type: "pair" },
    { name: "handling_minutes", label: ["办理时长（分钟）", "Handling time (minutes)"], type: "pair" },
    { name: "queue_length", label: ["排队人数", "Queue length (people)"], type: "pair" },
    { name: "paused_minutes", label: ["窗口暂停（分钟）", "Window paused (minutes)"], type: "pair" },
    { name: "empty_window_minutes", label: ["空岗（分钟）", "Window left empty (minutes)"], type: "pair" },
    { name: "check_seconds", label: ["检查间隔（秒）", "Check every (seconds)"], type: "number" },
    { name: "bad_rating_follow_up_hours", label: ["差评回访时限（小时）", "Bad-rating follow-up within (hours)"],
      type: "number", hint: ["超时未回访核实的差评告警转为红色", "an unanswered 差评 case turns red after this"] },
    { name: "bad_rating_rectify_hours", label: ["差评整改时限（小时，自回访起）", "Bad-rating rectification within (hours from follow-up)"],
      type: "number", hint: ["超时未整改的差评标为逾期，告警转为红色", "a case not rectified by then is overdue and turns red"] },
  ];
  const POLICY_FIELDS = [
    { name: "max_recalls", label: ["最多重呼次数", "Most recalls"], type: "number" },
    { name: "no_show_after_recalls", label: ["重呼几次后可过号", "No-show after recalls"], type: "number" },
    { name: "no_show_after_minutes", label: ["首呼几分钟后可过号", "No-show after minutes"], type: "number" },
    { name: "late_return_places", label: ["过号回来排在第几位后", "Late return: places behind the head"], type: "number" },
    { name: "late_return_minutes", label: ["过号后多久内可回来（分钟）", "Late return accepted for (minutes)"], type: "number" },
    { name: "hold_minutes", label: ["挂起默认时长（分钟）", "Default hold (minutes)"], type: "number" },
    { name: "rating_timeout_seconds", label: ["评价等待（秒）", "Rating prompt (seconds)"], type: "number" },
  ];

  /** How slots are cut: hall-wide, and again for an item that has its own. */
  const SLOT_FIELDS = [
    { name: "slot_minutes", label: ["每个时段（分钟）", "Slot length (minutes)"], type: "number" },
    { name: "capacity", label: ["每个时段名额", "Places per slot"], type: "number" },
    { name: "hours", label: ["可预约时间", "Bookable hours"],
      hint: ["如 09:00-11:30,14:00-16:30", "e.g. 09:00-11:30,14:00-16:30"] },
    { name: "days_ahead", label: ["可提前几天预约", "Days ahead"], type: "number" },
  ];

  const APPOINTMENT_FIELDS = [
    { name: "enabled", label: ["开放预约", "Appointments open"], type: "flag" },
    ...SLOT_FIELDS,
    { name: "early_grace_minutes", label: ["可提前签到（分钟）", "Early check-in (minutes)"], type: "number" },
    { name: "late_grace_minutes", label: ["可迟到签到（分钟）", "Late check-in (minutes)"], type: "number" },
    { name: "late_gets_normal_ticket", label: ["迟到可改取普通号", "Late: offer a normal ticket"], type: "flag" },
    { name: "max_per_mobile_per_day", label: ["每个手机号每天最多", "Per mobile number a day"], type: "number" },
    { name: "max_per_mobile_per_item", label: ["每个手机号每个事项最多", "Per mobile number per item"], type: "number" },
    { name: "slot_burst_share", label: ["每个时段短时可约比例", "Share of a slot bookable at once"], type: "number",
      hint: ["如 0.5：防止多个地址抢光名额", "e.g. 0.5: against sweeping from many addresses"] },
    { name: "slot_burst_minutes", label: ["短时窗口（分钟，0 为不限）", "Within minutes (0: off)"], type: "number" },
    { name: "services", label: ["可预约事项（事项代码，逗号分隔）", "Bookable items (item codes)"], type: "codes",
      wide: true, rows: 2, hint: ["留空为全部事项可预约", "empty: every item can be booked"] },
  ];

  /** The items with their own slots: each key left empty follows the hall-wide value. */
  function renderItemSlots(parent) {
    itemOverrides(parent, {
      section: "appointments", address: "/appointments/items", fields: SLOT_FIELDS, className: "item-slots",
      columns: [["时段（分钟）", "Slot (min)"], ["名额", "Places"], ["可预约时间", "Hours"], ["提前天数", "Days ahead"]],
      heading: ["按事项设置", "Per item"], add: ["为事项单独设置", "Set an item's own slots"],
      newTitle: ["为事项单独设置预约时段", "An item's own appointment slots"],
      title: (code) => [`事项 ${code} 的预约时段`, `Appointment slots of item ${code}`],
      empty: ["所有事项沿用上面的设置。", "Every item follows the settings above."],
      allSet: ["每个事项都已有单独设置。", "Every item has its own slots already."],
      note: ["留空的项目沿用全厅的预约设置。", "An empty field follows the hall-wide setting."],
    });
  }

  function renderThresholds(root) {
    const alerts = card(root, "电子监察阈值", "Supervision alert thresholds",
                        "先黄色预警，后红色预警；红色值不得小于黄色值。", "Yellow first, then red; red must be at least yellow.");
    sectionForm(alerts, SUPERVISION_FIELDS, doc().supervision || {},
                (values, form) => change("/setup/supervision", "PUT", values, form));
    const rules = card(root, "叫号规则", "Queue rules");
    sectionForm(rules, POLICY_FIELDS, doc().policy || {}, (values, form) => change("/setup/policy", "PUT", values, form));
    const booking = card(root, "预约", "Appointments", "节假日与工作日按大厅设置。", "Holidays and working days follow the hall's.");
    booking.id = "booking-card";
    sectionForm(booking, APPOINTMENT_FIELDS, doc().appointments || {},
                (values, form) => change("/setup/appointments", "PUT",
                                         { ...values, services: values.services.length ? values.services : null }, form));
    renderItemSlots(booking);
  }

  tabs.thresholds = renderThresholds;
})();
