/* The administration page's hall, department and item tabs: the hall's notice and hours, and
 * the lists of departments and items with their editors. */
"use strict";

(() => {
  const { el, clear } = Jiaohao;
  const { state, t, tabs, change, button, sectionForm, table, cells, card, editEntry, doc, departmentOf,
          name, windowsServing } = AdminPage;

  // --- tab: the hall, its notice and hours ------------------------------------------------------

  const HALL_FIELDS = [
    { name: "name", label: ["大厅名称", "Hall name"] },
    { name: "name_en", label: ["英文名称", "Name in English"] },
    { name: "issuing_hours", label: ["取号时间", "Ticket-issuing hours"], placeholder: "08:30-11:30, 13:00-16:30",
      hint: ["HH:MM-HH:MM，多段用逗号分隔", "HH:MM-HH:MM ranges, separated by commas"] },
    { name: "working_days", label: ["工作日", "Working days"], type: "weekdays" },
    { name: "region_code", label: ["行政区划代码", "Region code (好差评)"], optional: true,
      hint: ["6 位或 12 位数字，上报好差评时使用", "6 or 12 digits, sent with the ratings"] },
    { name: "holidays", label: ["节假日（不取号）", "Holidays (no tickets)"], type: "dates", rows: 5,
      hint: ["每行一个日期，如 2026-10-01", "one date per line, like 2026-10-01"] },
    { name: "extra_working_days", label: ["调休上班日", "Make-up working days"], type: "dates", rows: 5,
      hint: ["周末照常取号的日期", "weekend dates on which the hall opens"] },
  ];
  const NOTICE_FIELDS = [
    { name: "notice", label: ["综合屏公告", "Board notice line"], type: "textarea", wide: true, rows: 3 },
    { name: "notice_en", label: ["英文公告", "Notice in English"], type: "textarea", wide: true, rows: 2 },
  ];

  function renderHall(root) {
    const notice = card(root, "综合屏公告", "Board notice line", "保存后综合屏立即滚动显示新公告。",
                        "The hall board scrolls the new notice as soon as it is saved.");
    notice.id = "notice-card";
    sectionForm(notice, NOTICE_FIELDS, doc().hall, (values, form) => change("/setup/hall", "PUT", values, form));
    const hall = card(root, "大厅信息与开放时间", "Hall and opening hours",
                      `${t("大厅代码", "Hall code")} ${doc().hall.code} · ${doc().hall.timezone || "Asia/Shanghai"} · `
                      + t("代码与时区不可在此修改。", "code and time zone cannot change here."), null);
    hall.id = "hours-card";
    sectionForm(hall, HALL_FIELDS, doc().hall, (values, form) => change("/setup/hall", "PUT", values, form));
  }

  // --- tab: departments -----------------------------------------------------------------------------

  const DEPARTMENT_FIELDS = (isNew) => [
    { name: "code", label: ["部门代码", "Department code"], readonly: !isNew, send: true,
      hint: ["大写字母、数字、下划线，2–16 位", "2-16 of A-Z, 0-9, _"] },
    { name: "prefix", label: ["票号字母", "Ticket prefix"], hint: ["一个大写字母；V、Y 保留", "one capital letter; V and Y are reserved"] },
    { name: "name", label: ["名称", "Name"] },
    { name: "name_en", label: ["英文名称", "Name in English"] },
  ];

  function editDepartment(dept) {
    editEntry("/departments", dept && dept.code,
              ["新增部门", "Add a department", `编辑部门 ${dept && dept.code}`, `Department ${dept && dept.code}`],
              DEPARTMENT_FIELDS(!dept), dept || {});
  }

  function renderDepartments(root) {
    const bar = el("div", "toolbar");
    bar.appendChild(button(t("新增部门", "Add a department"), "primary", () => editDepartment(null)));
    root.appendChild(bar);
    const body = table(root, [t("代码", "Code"), t("票号字母", "Prefix"), t("名称", "Name"), t("事项数", "Items"), ""]);
    doc().departments.forEach((d) => {
      const items = doc().services.filter((s) => s.department === d.code).length;
      body.appendChild(cells(el("tr"), [d.code, d.prefix, name(d), items,
                                        button(t("编辑", "Edit"), "plain", () => editDepartment(d))]));
    });
  }

  // --- tab: items -------------------------------------------------------------------------------------

  function serviceFields(isNew) {
    const depts = doc().departments.map((d) => [d.code, `${d.code} ${d.name}`, `${d.code} ${d.name_en}`]);
    return [
      { name: "code", label: ["事项代码", "Item code"], readonly: !isNew, send: true },
      { name: "department", label: ["所属部门", "Department"], type: "select", options: depts },
      { name: "name", label: ["事项名称", "Name"] },
      { name: "name_en", label: ["英文名称", "Name in English"] },
      { name: "prefix", label: ["票号字母", "Ticket prefix"], optional: true,
        hint: ["留空则用部门的字母", "empty: the department's letter"] },
      { name: "handling_minutes", label: ["预计办理时长（分钟）", "Handling time (minutes)"], type: "number" },
      { name: "hours", label: ["取号时间", "Issuing hours"], optional: true,
        placeholder: [doc().hall.issuing_hours || "", doc().hall.issuing_hours || ""],
        hint: ["留空则用大厅取号时间", "empty: the hall's hours"] },
      { name: "daily_cap", label: ["每日限号", "Daily cap"], type: "number", hint: ["留空为不限", "empty: no cap"] },
      { name: "identity", label: ["刷身份证取号", "ID card at the kiosk"], type: "select",
        options: [["off", "不需要", "off"], ["optional", "可选", "optional"], ["required", "必须", "required"]],
        hint: ["每人每天限号见“人员与安全”中的身份证限号", "the per-person limit is under staff & security"] },
      { name: "identity_name", label: ["需要读卡姓名（加密保存）", "Needs the name on the card (kept sealed)"],
        type: "flag", hint: ["否：姓名不离开取号机", "no: the name never leaves the kiosk"] },
      { name: "implementation_code", label: ["事项实施编码", "Implementation code (好差评)"], optional: true,
        hint: ["省级好差评平台的事项编码；留空则上报事项代码", "the item's code on the provincial rating platform; empty: the item code"] },
      { name: "department_code", label: ["实施主体编码", "Department code (好差评)"], optional: true,
        hint: ["实施部门的统一社会信用代码", "the handling department's unified social credit code"] },
      { name: "alert_wait_minutes", label: ["等候时长预警（分钟）", "Waiting alert (minutes)"], type: "pair",
        hint: ["留空则用全厅阈值", "empty: the hall's thresholds"] },
      { name: "alert_handling_minutes", label: ["办理时长预警（分钟）", "Handling alert (minutes)"], type: "pair" },
      { name: "alert_queue_length", label: ["排队人数预警", "Queue length alert"], type: "pair" },
    ];
  }

  function editService(item) {
    const isNew = !item;
    editEntry("/services", item && item.code,
              ["新增事项", "Add an item", `编辑事项 ${item && item.code}`, `Item ${item && item.code}`],
              serviceFields(isNew), item || {},
      { after: (form) => form.appendChild(el("p", "muted", isNew
          ? t("新事项须有窗口办理：先在“窗口”中加入，或所属部门已有窗口。", "A new item needs a window: its department's windows serve it.")
          : `${t("办理窗口", "Served at windows")}: ${windowsServing(item.code).join(", ")}`)) });
  }

  function renderServices(root) {
    const bar = el("div", "toolbar");
    const filter = el("select");
    filter.setAttribute("aria-label", t("按部门筛选", "Filter by department"));
    filter.appendChild(el("option", null, t("全部部门", "All departments"))).value = "";
    doc().departments.forEach((d) => { filter.appendChild(el("option", null, `${d.code} ${name(d)}`)).value = d.code; });
    filter.value = state.serviceFilter || "";
    const search = el("input");
    search.placeholder = t("搜索事项", "Search items");
    search.setAttribute("aria-label", t("搜索事项", "Search items"));
    search.value = state.serviceSearch || "";
    bar.append(button(t("新增事项", "Add an item"), "primary", () => editService(null)), filter, search);
    root.appendChild(bar);
    const body = table(root, [t("代码", "Code"), t("事项", "Item"), t("部门", "Department"), t("字母", "Prefix"),
                              t("时长", "Minutes"), t("取号时间", "Hours"), t("限号", "Cap"), t("窗口", "Windows"), ""]);
    const fill = () => {
      state.serviceFilter = filter.value;
      state.serviceSearch = search.value;
      clear(body);
      const q = search.value.trim().toLowerCase();
      doc().services.filter((s) => (!filter.value || s.department === filter.value)
        && (!q || `${s.code} ${s.name} ${s.name_en}`.toLowerCase().includes(q))).forEach((s) => {
        const dept = departmentOf(s.department);
        const row = cells(el("tr"), [s.code, name(s), dept ? name(dept) : s.department,
          s.prefix || (dept ? dept.prefix : ""), s.handling_minutes, s.hours || t("同大厅", "hall's"),
          s.daily_cap ?? "—", windowsServing(s.code).join(", "),
          button(t("编辑", "Edit"), "plain", () => editService(s))]);
        row.children[4].className = "num";
        body.appendChild(row);
      });
    };
    filter.addEventListener("change", fill);
    search.addEventListener("input", fill);
    fill();
  }

  Object.assign(tabs, { hall: renderHall, departments: renderDepartments, services: renderServices });
})();
