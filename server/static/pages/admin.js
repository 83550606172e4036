/* The administration page (/admin). The admin's session token lives in sessionStorage: it
 * ends with the browser tab. Every change goes to /api/v1/admin, which validates the whole
 * hall setup; the reply (or the refusal, shown under its field) is what the page shows. */
"use strict";

(() => {
  const J = Jiaohao;
  const { el, clear } = J;
  const F = AdminForms;
  const TOKEN_KEY = "jiaohao.admin.token";
  const LANG_KEY = "jiaohao.admin.lang";

  const WORDS = {
    title: { zh: "大厅管理", en: "Hall administration" },
    loginTitle: { zh: "大厅管理 登录", en: "Administration sign-in" },
    username: { zh: "用户名", en: "User name" },
    password: { zh: "密码", en: "Password" },
    signIn: { zh: "登录", en: "Sign in" },
    signOut: { zh: "退出", en: "Sign out" },
    notAdmin: { zh: "需要管理员账号", en: "An admin account is needed" },
    tabHall: { zh: "大厅与时间", en: "Hall & hours" },
    tabDepartments: { zh: "部门", en: "Departments" },
    tabServices: { zh: "事项", en: "Items" },
    tabWindows: { zh: "窗口", en: "Windows" },
    tabStaff: { zh: "人员", en: "Staff" },
    tabDevices: { zh: "设备", en: "Devices" },
    tabTemplates: { zh: "播报与凭条", en: "Voice & slip" },
    tabThresholds: { zh: "监察阈值与规则", en: "Alerts & rules" },
    tabAudit: { zh: "审计日志", en: "Audit log" },
    tabFiles: { zh: "导入导出与备份", en: "Export, import, backup" },
  };
  const t = (zh, en) => (state.lang === "en" ? en : zh);

  const state = { lang: J.pickLanguage(LANG_KEY), token: sessionStorage.getItem(TOKEN_KEY), me: null,
                  version: 0, doc: null, tab: "hall", auditBefore: null };

  // --- talking to the server ------------------------------------------------------------------

  /** {status, error, message, field} on refusal; JSON, or a Blob with {blob: true}. */
  async function call(path, { method = "GET", body, raw, blob = false } = {}) {
    const headers = { Authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // every change says which setup version it was made on: a change saved meanwhile by
    // another admin is refused (409 setup_changed), never silently overwritten
    if (method !== "GET" && state.version !== null && state.version !== undefined) headers["If-Match"] = String(state.version);
    let response;
    try {
      response = await fetch(`/api/v1/admin${path}`, {
        method, headers, body: raw !== undefined ? raw : (body === undefined ? undefined : JSON.stringify(body)),
      });
    } catch (err) {
      throw { status: 0, error: "offline", message: "无法连接服务器 / the server cannot be reached" };
    }
    if (response.status === 401) { showLogin(t("登录已失效，请重新登录", "Your session ended: sign in again")); }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw { status: response.status, error: data.error || "error", message: data.message || `HTTP ${response.status}`,
              field: data.field || null };
    }
    return blob ? response.blob() : response.json();
  }

  function flash(text, kind = "info") {
    const box = document.getElementById("flash");
    box.className = `notice ${kind}`;
    J.setText(document.getElementById("flash-text"), text);
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { box.hidden = true; }, kind === "info" ? 4000 : 10000);
  }

  function took(reply) {
    state.version = reply.version;
    state.doc = reply.document;
    J.setText(document.getElementById("version"), `${t("设置版本", "setup version")} ${state.version}`);
    J.setText(document.getElementById("hall-name"), state.doc.hall[state.lang === "en" ? "name_en" : "name"]);
  }

  /** Sends one setup change; on success re-renders, on refusal shows it in the form. */
  async function change(path, method, body, form, done) {
    form.clear();
    try {
      took(await call(path, { method, body }));
      flash(t(`已保存，设置版本 ${state.version}，已实时推送到各终端。`,
              `Saved as setup version ${state.version}; kiosks, boards and terminals have it now.`));
      if (done) done();
      render();
    } catch (err) {
      form.showError(err);
      if (err.error === "setup_changed") {
        flash(err.message, "error");
        // the form keeps what was typed, now on the version in force: saving again applies it
        // knowingly over the other admin's change (the audit log shows both)
        took(await call("/setup"));
      }
    }
  }

  // --- small builders ---------------------------------------------------------------------------

  function card(parent, zh, en, noteZh, noteEn) {
    const box = el("section", "card");
    box.appendChild(el("h2", null, t(zh, en)));
    if (noteZh) box.appendChild(el("p", "muted", t(noteZh, noteEn)));
    parent.appendChild(box);
    return box;
  }

  function button(text, className, onClick, type = "button") {
    const node = el("button", className, text);
    node.type = type;
    if (onClick) node.addEventListener("click", onClick);
    return node;
  }

  function actionsRow(parent) {
    const row = el("div", "actions");
    const message = el("p", "message");
    message.setAttribute("role", "alert");
    parent.appendChild(row);
    return { row, message };
  }

  /** A form in a card: the fields, a save button, a message line. */
  function sectionForm(parent, specs, values, onSave, saveZh = "保存", saveEn = "Save") {
    const form = el("form");
    form.noValidate = true;
    parent.appendChild(form);
    const { row, message } = actionsRow(form);
    const built = F.build(form, specs, values, state.lang, message);
    form.appendChild(row);
    row.append(button(t(saveZh, saveEn), "primary", null, "submit"), message);
    form.addEventListener("submit", (event) => { event.preventDefault(); onSave(built.read(), built); });
    return built;
  }

  function table(parent, headers) {
    const node = el("table", "list");
    const head = el("tr");
    headers.forEach((h) => head.appendChild(el("th", null, h)));
    node.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    node.appendChild(body);
    parent.appendChild(node);
    return body;
  }

  function cells(row, values) {
    values.forEach((v) => {
      const td = el("td");
      if (v instanceof Node) td.appendChild(v); else td.textContent = v === null || v === undefined ? "" : String(v);
      row.appendChild(td);
    });
    return row;
  }

  function localTime(iso) {
    if (!iso) return t("从未", "never");
    const zone = state.doc ? state.doc.hall.timezone || "Asia/Shanghai" : "Asia/Shanghai";
    return new Intl.DateTimeFormat(state.lang === "en" ? "en-GB" : "zh-CN", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hour12: false }).format(new Date(iso));
  }

  // --- the editor dialog -----------------------------------------------------------------------------

  /** Opens the dialog with a title, fields and buttons; returns the built form. */
  function openEditor(titleZh, titleEn, specs, values, onSave, extras = {}) {
    const dialog = document.getElementById("editor");
    const form = document.getElementById("editor-form");
    clear(form);
    form.appendChild(el("h2", null, t(titleZh, titleEn)));
    const { row, message } = actionsRow(form);
    const built = F.build(form, specs, values, state.lang, message);
    if (extras.after) extras.after(form, built);
    form.appendChild(row);
    row.append(button(t("保存", "Save"), "primary", null, "submit"));
    if (extras.onDelete) row.appendChild(button(t("删除", "Delete"), "danger", () => extras.onDelete(built)));
    row.append(button(t("取消", "Cancel"), "plain", () => dialog.close()), message);
    form.onsubmit = (event) => { event.preventDefault(); onSave(built.read(), built); };
    dialog.showModal();
    return built;
  }

  function closeEditor() { document.getElementById("editor").close(); }

  // however the dialog closes (a button, Esc), what it showed goes: a new device's token above all
  document.getElementById("editor").addEventListener("close", () => clear(document.getElementById("editor-form")));

  // --- setup helpers --------------------------------------------------------------------------------

  const doc = () => state.doc;
  const departmentOf = (code) => doc().departments.find((d) => d.code === code);
  const serviceByCode = (code) => doc().services.find((s) => s.code === code);
  const name = (entry) => (entry ? entry[state.lang === "en" ? "name_en" : "name"] : "");

  /** The items a window serves, as config.toml resolves them: its departments' items, then its own. */
  function windowItems(window) {
    const codes = [];
    (window.departments || []).forEach((d) => doc().services.forEach((s) => {
      if (s.department === d && !codes.includes(s.code)) codes.push(s.code);
    }));
    (window.services || []).forEach((c) => { if (!codes.includes(c)) codes.push(c); });
    return codes;
  }

  function windowsServing(code) {
    return doc().windows.filter((w) => windowItems(w).includes(code)).map((w) => w.number);
  }

  const tags = (list) => {
    const span = el("span");
    list.forEach((x) => span.appendChild(el("span", "tag", x)));
    return span;
  };

  // --- tab: the hall, its notice and hours ------------------------------------------------------

  const HALL_FIELDS = [
    { name: "name", label: ["大厅名称", "Hall name"] },
    { name: "name_en", label: ["英文名称", "Name in English"] },
    { name: "issuing_hours", label: ["取号时间", "Ticket-issuing hours"], placeholder: "08:30-11:30, 13:00-16:30",
      hint: ["HH:MM-HH:MM，多段用逗号分隔", "HH:MM-HH:MM ranges, separated by commas"] },
    { name: "working_days", label: ["工作日", "Working days"], type: "weekdays" },
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
    const isNew = !dept;
    openEditor(isNew ? "新增部门" : `编辑部门 ${dept.code}`, isNew ? "Add a department" : `Department ${dept.code}`,
      DEPARTMENT_FIELDS(isNew), dept || {},
      (values, form) => change(isNew ? "/departments" : `/departments/${encodeURIComponent(dept.code)}`,
                               isNew ? "POST" : "PUT", values, form, closeEditor),
      { onDelete: isNew ? null : (form) => change(`/departments/${encodeURIComponent(dept.code)}`, "DELETE",
                                                   undefined, form, closeEditor) });
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
      { name: "alert_wait_minutes", label: ["等候时长预警（分钟）", "Waiting alert (minutes)"], type: "pair",
        hint: ["留空则用全厅阈值", "empty: the hall's thresholds"] },
      { name: "alert_handling_minutes", label: ["办理时长预警（分钟）", "Handling alert (minutes)"], type: "pair" },
      { name: "alert_queue_length", label: ["排队人数预警", "Queue length alert"], type: "pair" },
    ];
  }

  function editService(item) {
    const isNew = !item;
    openEditor(isNew ? "新增事项" : `编辑事项 ${item.code}`, isNew ? "Add an item" : `Item ${item.code}`,
      serviceFields(isNew), item || {},
      (values, form) => change(isNew ? "/services" : `/services/${encodeURIComponent(item.code)}`,
                               isNew ? "POST" : "PUT", values, form, closeEditor),
      { onDelete: isNew ? null : (form) => change(`/services/${encodeURIComponent(item.code)}`, "DELETE",
                                                   undefined, form, closeEditor),
        after: (form) => form.appendChild(el("p", "muted", isNew
          ? t("新事项须有窗口办理：先在“窗口”中加入，或所属部门已有窗口。", "A new item needs a window: its department's windows serve it.")
          : `${t("办理窗口", "Served at windows")}: ${windowsServing(item.code).join(", ")}`)) });
  }

  function renderServices(root) {
    const bar = el("div", "toolbar");
    const filter = el("select");
    filter.appendChild(el("option", null, t("全部部门", "All departments"))).value = "";
    doc().departments.forEach((d) => { filter.appendChild(el("option", null, `${d.code} ${name(d)}`)).value = d.code; });
    filter.value = state.serviceFilter || "";
    const search = el("input");
    search.placeholder = t("搜索事项", "Search items");
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

  // --- tab: windows -----------------------------------------------------------------------------------

  const KINDS = [["comprehensive", "综合受理窗口", "Comprehensive"], ["dedicated", "专窗", "Dedicated"],
                 ["green", "绿色通道", "Green channel"]];

  function windowFields(isNew) {
    return [
      { name: "number", label: ["窗口号", "Window number"], type: "number", readonly: !isNew, send: true },
      { name: "kind", label: ["类型", "Kind"], type: "select", options: KINDS },
      { name: "name", label: ["窗口名称", "Name"] },
      { name: "name_en", label: ["英文名称", "Name in English"] },
      { name: "zone", label: ["区域", "Zone"], optional: true, hint: ["如 1F、2F", "e.g. 1F, 2F"] },
      { name: "departments", label: ["办理整个部门的事项", "Serves every item of"], type: "checks", wide: true,
        options: doc().departments.map((d) => [d.code, d.name, d.name_en]) },
    ];
  }

  /** Item checkboxes grouped by department, and each served item's priority at this window. */
  function windowExtras(window) {
    return (form, built) => {
      const items = el("fieldset");
      items.dataset.field = "services";
      items.appendChild(el("legend", null, t("另外单独办理的事项", "Also serves these items")));
      const boxes = [];
      const chosen = new Set(window.services || []);
      doc().departments.forEach((d) => {
        const own = doc().services.filter((s) => s.department === d.code);
        if (!own.length) return;
        items.appendChild(el("div", "group-title", name(d)));
        const line = el("div", "checks");
        own.forEach((s) => {
          const box = el("input");
          box.type = "checkbox";
          box.value = s.code;
          box.checked = chosen.has(s.code);
          const label = el("label");
          label.append(box, el("span", null, `${s.code} ${name(s)}`));
          line.appendChild(label);
          boxes.push(box);
        });
        items.appendChild(line);
      });
      const itemsError = el("p", "field-error");
      items.appendChild(itemsError);
      const prio = el("fieldset");
      prio.dataset.field = "priority";
      prio.appendChild(el("legend", null, t("各事项在本窗口的优先级（数字小者先叫，默认 5）",
                                             "Priority of each item here (lower is called first; default 5)")));
      const grid = el("div", "priorities");
      prio.appendChild(grid);
      const prioError = el("p", "field-error");
      prio.appendChild(prioError);
      const given = { ...(window.priority || {}) };
      const inputs = {};
      const refresh = () => {
        Object.entries(inputs).forEach(([code, input]) => { given[code] = input.value; });
        clear(grid);
        Object.keys(inputs).forEach((k) => delete inputs[k]);
        const draft = { departments: built.controls.departments.read(),
                        services: boxes.filter((b) => b.checked).map((b) => b.value) };
        const served = windowItems(draft);
        served.forEach((code) => {
          const label = el("label");
          const input = el("input");
          input.inputMode = "numeric";
          input.value = given[code] ?? "5";
          inputs[code] = input;
          label.append(el("span", null, `${code} ${name(serviceByCode(code))}`), input);
          grid.appendChild(label);
        });
        if (!served.length) grid.appendChild(el("p", "muted", t("尚未选择任何事项", "No items chosen yet")));
      };
      built.controls.departments.boxes.forEach((b) => b.addEventListener("change", refresh));
      boxes.forEach((b) => b.addEventListener("change", refresh));
      form.append(prio, items);   // the priorities of what it serves first: the list of all items is long
      refresh();
      const read = built.read;
      built.read = () => {
        const values = read();
        values.services = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!values.services.length) values.services = null;
        if (!values.departments.length) values.departments = null;
        const priority = {};
        Object.entries(inputs).forEach(([code, input]) => {
          const text = input.value.trim();
          // a priority the file gave stays; otherwise the default 5 needs no entry
          if (text !== "5" || (window.priority && code in window.priority)) {
            priority[code] = /^\d+$/.test(text) ? Number(text) : text;
          }
        });
        values.priority = Object.keys(priority).length ? priority : null;
        return values;
      };
      const show = built.showError;
      built.showError = (err) => {
        itemsError.textContent = "";
        prioError.textContent = "";
        if (err.field === "services" || err.field === "priority") {
          show({ message: err.message });
          (err.field === "services" ? itemsError : prioError).textContent = err.message;
        } else if (!err.field && /serves no items/.test(err.message)) {
          show(err);
          itemsError.textContent = err.message;
        } else {
          show(err);
        }
      };
    };
  }

  function editWindow(window) {
    const isNew = !window;
    const values = window || { kind: "dedicated", number: (Math.max(0, ...doc().windows.map((w) => w.number)) + 1) };
    openEditor(isNew ? "新增窗口" : `编辑 ${window.number} 号窗口`, isNew ? "Add a window" : `Window ${window.number}`,
      windowFields(isNew), values,
      (v, form) => change(isNew ? "/windows" : `/windows/${window.number}`, isNew ? "POST" : "PUT", v, form, closeEditor),
      { after: windowExtras(values),
        onDelete: isNew ? null : (form) => change(`/windows/${window.number}`, "DELETE", undefined, form, closeEditor) });
  }

  function renderWindows(root) {
    const bar = el("div", "toolbar");
    bar.appendChild(button(t("新增窗口", "Add a window"), "primary", () => editWindow(null)));
    root.appendChild(bar);
    const body = table(root, [t("窗口", "Window"), t("名称", "Name"), t("类型", "Kind"), t("区域", "Zone"),
                              t("办理事项", "Items"), ""]);
    doc().windows.forEach((w) => {
      const kind = KINDS.find((k) => k[0] === (w.kind || "dedicated"));
      const items = windowItems(w);
      const shown = items.length > 8 ? [...items.slice(0, 8), `+${items.length - 8}`] : items;
      body.appendChild(cells(el("tr"), [w.number, name(w), kind ? (state.lang === "en" ? kind[2] : kind[1]) : w.kind,
                                        w.zone || "", tags(shown), button(t("编辑", "Edit"), "plain", () => editWindow(w))]));
    });
  }

  // --- tab: staff -------------------------------------------------------------------------------------

  const ROLES = [["clerk", "窗口人员", "Clerk"], ["supervisor", "大厅管理（监察）", "Supervisor"], ["admin", "管理员", "Admin"]];
  const roleName = (role) => { const r = ROLES.find((x) => x[0] === role); return r ? t(r[1], r[2]) : role; };

  async function staffChange(path, method, body, form) {
    form.clear();
    try {
      await call(path, { method, body });
      closeEditor();
      flash(t("已保存。", "Saved."));
      render();
    } catch (err) { form.showError(err); }
  }

  function editStaff(user) {
    if (!user) {
      openEditor("新增人员", "Add a staff member", [
        { name: "username", label: ["用户名", "User name"] },
        { name: "role", label: ["角色", "Role"], type: "select", options: ROLES },
        { name: "display_name", label: ["显示姓名", "Shown name"] },
        { name: "staff_no", label: ["工号", "Staff number"], optional: true },
        { name: "password", label: ["初始密码", "First password"], hint: ["至少 10 位", "at least 10 characters"] },
      ], {}, (v, form) => staffChange("/staff", "POST", v, form));
      return;
    }
    openEditor(`编辑 ${user.username}`, `Staff member ${user.username}`, [
      { name: "role", label: ["角色", "Role"], type: "select", options: ROLES },
      { name: "display_name", label: ["显示姓名", "Shown name"] },
      { name: "staff_no", label: ["工号", "Staff number"], optional: true },
    ], user, (v, form) => staffChange(`/staff/${encodeURIComponent(user.username)}`, "PUT", v, form));
  }

  function resetPassword(user) {
    openEditor(`重置 ${user.username} 的密码`, `New password for ${user.username}`,
      [{ name: "password", label: ["新密码", "New password"], hint: ["至少 10 位", "at least 10 characters"] }], {},
      (v, form) => staffChange(`/staff/${encodeURIComponent(user.username)}/password`, "POST", v, form));
  }

  async function renderStaff(root) {
    const bar = el("div", "toolbar");
    bar.appendChild(button(t("新增人员", "Add a staff member"), "primary", () => editStaff(null)));
    root.appendChild(bar);
    const body = table(root, [t("用户名", "User"), t("姓名", "Name"), t("工号", "Staff no."), t("角色", "Role"),
                              t("状态", "State"), ""]);
    const { staff } = await call("/staff");
    staff.forEach((u) => {
      const actions = el("span", "actions");
      actions.append(button(t("编辑", "Edit"), "plain", () => editStaff(u)),
                     button(t("重置密码", "Reset password"), "plain", () => resetPassword(u)),
                     button(u.disabled ? t("启用", "Enable") : t("停用", "Disable"), u.disabled ? "plain" : "danger",
                            async () => {
                              try {
                                await call(`/staff/${encodeURIComponent(u.username)}/disabled`,
                                           { method: "PUT", body: { disabled: !u.disabled } });
                                render();
                              } catch (err) { flash(err.message, "error"); }
                            }));
      const stateCell = el("span", u.disabled ? "state-bad" : "state-on", u.disabled ? t("已停用", "disabled") : t("正常", "active"));
      body.appendChild(cells(el("tr"), [u.username, u.display_name, u.staff_no || "", roleName(u.role), stateCell, actions]));
    });
  }

  // --- tab: devices -------------------------------------------------------------------------------------

  const DEVICE_KINDS = [["kiosk", "取号机", "Kiosk"], ["display", "综合屏", "Hall board"], ["window", "窗口屏", "Window screen"]];

  function addDevice() {
    const windows = doc().windows.map((w) => [w.number, `${w.number} 号 ${w.name}`, `${w.number} ${w.name_en}`]);
    const built = openEditor("新增设备", "Add a device", [
      { name: "name", label: ["设备名称", "Device name"], hint: ["字母、数字、. _ -", "letters, digits, . _ -"] },
      { name: "kind", label: ["类型", "Kind"], type: "select", options: DEVICE_KINDS },
      { name: "window", label: ["所属窗口（仅窗口屏）", "Window (window screens only)"], type: "select",
        options: [["", "—", "—"], ...windows] },
    ], {}, async (values, form) => {
      form.clear();
      const body = { ...values, window: values.kind === "window" && values.window ? Number(values.window) : null };
      try {
        const reply = await call("/devices", { method: "POST", body });
        showToken(reply);
      } catch (err) { form.showError(err); }
    });
    const sync = () => { built.controls.window.label.hidden = built.controls.kind.node.value !== "window"; };
    built.controls.kind.node.addEventListener("change", sync);
    sync();
  }

  /** The token is in this reply only: the server keeps its hash. */
  function showToken(reply) {
    const form = document.getElementById("editor-form");
    clear(form);
    form.appendChild(el("h2", null, t(`设备 ${reply.device.name} 已创建`, `Device ${reply.device.name} added`)));
    form.appendChild(el("p", "state-bad", t("令牌只显示这一次，请立即抄到设备上；关闭后无法再查看。",
                                            "The token is shown only now: enter it on the device. It cannot be shown again.")));
    const token = el("p", "token", reply.token);
    token.id = "new-token";
    form.appendChild(token);
    const { row } = actionsRow(form);
    form.appendChild(row);
    row.append(button(t("复制", "Copy"), "plain", () => navigator.clipboard && navigator.clipboard.writeText(reply.token)),
               button(t("完成", "Done"), "primary", () => { closeEditor(); render(); }));
    form.onsubmit = (event) => event.preventDefault();
  }

  async function renderDevices(root) {
    const bar = el("div", "toolbar");
    bar.appendChild(button(t("新增设备", "Add a device"), "primary", addDevice));
    root.appendChild(bar);
    const body = table(root, [t("设备", "Device"), t("类型", "Kind"), t("窗口", "Window"), t("状态", "State"),
                              t("最近在线", "Last seen"), t("打印机", "Printer"), t("创建", "Created"), ""]);
    const { devices } = await call("/devices");
    devices.forEach((d) => {
      const kind = DEVICE_KINDS.find((k) => k[0] === d.kind);
      let stateText = t("未连接", "not connected");
      let stateClass = "state-off";
      if (d.revoked_at) { stateText = t("已撤销", "revoked"); stateClass = "state-bad"; }
      else if (d.connected) { stateText = t("● 在线", "● online"); stateClass = "state-on"; }
      const printer = d.status && d.status.printer
        ? `${d.status.printer.online ? t("在线", "online") : t("离线", "offline")} · ${d.status.printer.paper}` : "";
      const revoke = d.revoked_at ? "" : button(t("撤销", "Revoke"), "danger", async () => {
        if (!window.confirm(t(`撤销设备 ${d.name}？它将立即断开。`, `Revoke ${d.name}? It is disconnected at once.`))) return;
        try { await call(`/devices/${encodeURIComponent(d.name)}/revoke`, { method: "POST" }); render(); }
        catch (err) { flash(err.message, "error"); }
      });
      body.appendChild(cells(el("tr"), [d.name, kind ? t(kind[1], kind[2]) : d.kind, d.window ?? "",
        el("span", stateClass, stateText), localTime(d.last_seen_at), printer, localTime(d.created_at), revoke]));
    });
  }

  // --- tab: templates with previews ------------------------------------------------------------------

  const ANNOUNCEMENT_FIELDS = [
    { name: "call", label: ["叫号语句", "Call sentence"], wide: true,
      hint: ["可用 {number} 票号、{window} 窗口号、{window_name} 窗口名、{service} 事项",
             "placeholders: {number}, {window}, {window_name}, {service}"] },
    { name: "call_en", label: ["英文叫号语句", "Call sentence in English"], wide: true },
    { name: "recall_prefix", label: ["重呼前缀", "Recall prefix"] },
    { name: "recall_prefix_en", label: ["英文重呼前缀", "Recall prefix in English"] },
    { name: "repeat", label: ["每次播报遍数", "Times each call is said"], type: "number" },
    { name: "volume", label: ["音量 0–100", "Volume 0-100"], type: "number" },
    { name: "quiet_hours", label: ["静音时段", "Quiet hours"], optional: true, hint: ["如 12:00-13:00；留空为无", "e.g. 12:00-13:00; empty for none"] },
  ];
  const SLIP_FIELDS = [
    { name: "width", label: ["纸宽", "Paper width"], type: "select", options: [[80, "80 毫米", "80 mm"], [58, "58 毫米", "58 mm"]] },
    { name: "footer", label: ["凭条底部提示", "Slip footer"], type: "textarea", wide: true, rows: 2 },
    { name: "footer_en", label: ["英文提示", "Footer in English"], type: "textarea", wide: true, rows: 2 },
    { name: "logo", label: ["标志图片路径（服务器上）", "Logo image path (on the server)"], optional: true, wide: true },
  ];

  function renderTemplates(root) {
    const voice = card(root, "语音播报", "Voice announcement",
                       "先预览再保存：文字与语音都按当前填写的内容生成，不会保存。",
                       "Preview before saving: text and sound use what is typed here; nothing is saved.");
    const layout = el("div", "preview");
    voice.appendChild(layout);
    const left = el("div");
    const right = el("div");
    layout.append(left, right);
    const form = sectionForm(left, ANNOUNCEMENT_FIELDS, doc().announcement,
                             (values, f) => change("/setup/announcement", "PUT", values, f));
    const windowPick = el("select");
    doc().windows.forEach((w) => { windowPick.appendChild(el("option", null, `${w.number} ${name(w)}`)).value = String(w.number); });
    const text = el("p", "sentence"); text.id = "preview-text";
    const spoken = el("p", "muted"); spoken.id = "preview-spoken";
    const recall = el("p", "muted"); recall.id = "preview-recall";
    const audio = el("audio"); audio.controls = true; audio.id = "preview-audio";
    const message = el("p", "message");
    const body = () => ({ ...form.read(), window: Number(windowPick.value) });
    const previewText = async () => {
      form.clear();
      try {
        const reply = await call("/preview/announcement", { method: "POST", body: body() });
        J.setText(text, reply.text);
        J.setText(spoken, `${t("读作", "Said as")}: ${reply.spoken}（${t("连说", "said")} ${reply.repeat} ${t("遍", "times")}）`);
        J.setText(recall, `${t("重呼", "Recall")}: ${reply.recall_text}`);
      } catch (err) { form.showError(err); }
    };
    const playSound = async () => {
      message.textContent = "";
      try {
        const wav = await call("/preview/announcement.wav", { method: "POST", body: body(), blob: true });
        if (audio.src) URL.revokeObjectURL(audio.src);
        audio.src = URL.createObjectURL(wav);
        audio.play().catch(() => {});   // a PC without speakers still gets the player to download it
      } catch (err) { message.textContent = err.message; }
    };
    const pickLabel = el("label", null, t("示例窗口", "Sample window"));
    pickLabel.appendChild(windowPick);
    right.append(pickLabel, button(t("预览文字", "Preview text"), "plain", previewText),
                 button(t("试听", "Play"), "plain", playSound), text, spoken, recall, audio, message);
    right.id = "voice-preview";
    previewText();

    const slip = card(root, "取号凭条", "Ticket slip", "预览即打印机实际打印效果（示例票）。",
                      "The preview is what the printer prints (a sample ticket).");
    const slipLayout = el("div", "preview");
    slip.appendChild(slipLayout);
    const slipLeft = el("div");
    const slipRight = el("div");
    slipLayout.append(slipLeft, slipRight);
    const slipForm = sectionForm(slipLeft, SLIP_FIELDS, doc().slip, (values, f) => change("/setup/slip", "PUT", values, f));
    const image = el("img", "slip-image");
    image.id = "preview-slip";
    image.alt = t("凭条预览", "slip preview");
    const previewSlip = async () => {
      slipForm.clear();
      try {
        const png = await call("/preview/slip", { method: "POST", body: slipForm.read(), blob: true });
        if (image.src) URL.revokeObjectURL(image.src);
        image.src = URL.createObjectURL(png);
        image.style.width = `${Math.round(Number(slipForm.read().width || 80) * 3.4)}px`;
      } catch (err) { slipForm.showError(err); }
    };
    slipRight.append(button(t("预览凭条", "Preview slip"), "plain", previewSlip), el("br"), image);
    previewSlip();
  }

  // --- tab: thresholds and queue rules ----------------------------------------------------------------

  const SUPERVISION_FIELDS = [
    { name: "wait_minutes", label: ["等候时长（分钟）", "Waiting time (minutes)"], type: "pair" },
    { name: "handling_minutes", label: ["办理时长（分钟）", "Handling time (minutes)"], type: "pair" },
    { name: "queue_length", label: ["排队人数", "Queue length (people)"], type: "pair" },
    { name: "paused_minutes", label: ["窗口暂停（分钟）", "Window paused (minutes)"], type: "pair" },
    { name: "empty_window_minutes", label: ["空岗（分钟）", "Window left empty (minutes)"], type: "pair" },
    { name: "check_seconds", label: ["检查间隔（秒）", "Check every (seconds)"], type: "number" },
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

  const APPOINTMENT_FIELDS = [
    { name: "enabled", label: ["开放预约", "Appointments open"], type: "flag" },
    { name: "slot_minutes", label: ["每个时段（分钟）", "Slot length (minutes)"], type: "number" },
    { name: "capacity", label: ["每个时段名额", "Places per slot"], type: "number" },
    { name: "hours", label: ["可预约时间，如 09:00-11:30,14:00-16:30", "Bookable hours"] },
    { name: "days_ahead", label: ["可提前几天预约", "Days ahead"], type: "number" },
    { name: "early_grace_minutes", label: ["可提前签到（分钟）", "Early check-in (minutes)"], type: "number" },
    { name: "late_grace_minutes", label: ["可迟到签到（分钟）", "Late check-in (minutes)"], type: "number" },
    { name: "late_gets_normal_ticket", label: ["迟到可改取普通号", "Late: offer a normal ticket"], type: "flag" },
    { name: "max_per_mobile_per_day", label: ["每个手机号每天最多", "Per mobile number a day"], type: "number" },
    { name: "max_per_mobile_per_item", label: ["每个手机号每个事项最多", "Per mobile number per item"], type: "number" },
    { name: "services", label: ["可预约事项（事项代码，逗号分隔）", "Bookable items (item codes)"], type: "codes",
      wide: true, rows: 2, hint: ["留空为全部事项可预约", "empty: every item can be booked"] },
  ];

  /** An item's own slots: each key left empty follows the hall-wide value shown as its placeholder. */
  function itemSlotFields(isNew, taken) {
    const all = doc().appointments || {};
    const free = doc().services.filter((s) => !isNew || !taken.includes(s.code))
      .map((s) => [s.code, `${s.code} ${s.name}`, `${s.code} ${s.name_en}`]);
    const follows = (key) => [`全厅：${all[key] ?? "—"}`, `hall-wide: ${all[key] ?? "—"}`];
    return [
      { name: "code", label: ["事项", "Item"], type: "select", options: free, readonly: !isNew },
      { name: "slot_minutes", label: ["每个时段（分钟）", "Slot length (minutes)"], type: "number", placeholder: follows("slot_minutes") },
      { name: "capacity", label: ["每个时段名额", "Places per slot"], type: "number", placeholder: follows("capacity") },
      { name: "hours", label: ["可预约时间", "Bookable hours"], optional: true, placeholder: follows("hours") },
      { name: "days_ahead", label: ["可提前几天预约", "Days ahead"], type: "number", placeholder: follows("days_ahead") },
    ];
  }

  function editItemSlots(code, values) {
    const taken = Object.keys((doc().appointments || {}).items || {});
    const isNew = !code;
    if (isNew && taken.length >= doc().services.length) {
      flash(t("每个事项都已有单独设置。", "Every item has its own slots already."));
      return;
    }
    const address = (c) => `/appointments/items/${encodeURIComponent(c)}`;
    openEditor(isNew ? "为事项单独设置预约时段" : `事项 ${code} 的预约时段`,
      isNew ? "An item's own appointment slots" : `Appointment slots of item ${code}`,
      itemSlotFields(isNew, taken), { code, ...(values || {}) },
      (read, form) => {
        const { code: chosen, ...slots } = read;
        return change(address(code || chosen), "PUT", slots, form, closeEditor);
      },
      { onDelete: isNew ? null : (form) => change(address(code), "DELETE", undefined, form, closeEditor),
        after: (form) => form.appendChild(el("p", "muted", t("留空的项目沿用全厅的预约设置。",
                                                              "An empty field follows the hall-wide setting."))) });
  }

  function renderItemSlots(parent) {
    const items = (doc().appointments || {}).items || {};
    const bar = el("div", "toolbar item-slots");
    bar.append(el("h3", null, t("按事项设置", "Per item")),
               button(t("为事项单独设置", "Set an item's own slots"), "primary", () => editItemSlots(null)));
    parent.appendChild(bar);
    const body = table(parent, [t("事项", "Item"), t("时段（分钟）", "Slot (min)"), t("名额", "Places"),
                                t("可预约时间", "Hours"), t("提前天数", "Days ahead"), ""]);
    const codes = Object.keys(items).sort();
    if (!codes.length) {
      const row = cells(el("tr"), [t("所有事项沿用上面的设置。", "Every item follows the settings above.")]);
      row.firstChild.colSpan = 6;
      body.appendChild(row);
    }
    const hallWide = doc().appointments || {};
    codes.forEach((code) => {
      const own = items[code];
      const shown = (key) => (own[key] ?? `${hallWide[key] ?? "—"} ${t("（全厅）", "(hall)")}`);
      body.appendChild(cells(el("tr"), [`${code} ${name(serviceByCode(code))}`, shown("slot_minutes"),
        shown("capacity"), shown("hours"), shown("days_ahead"),
        button(t("编辑", "Edit"), "plain", () => editItemSlots(code, own))]));
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

  // --- tab: the audit log --------------------------------------------------------------------------------

  const ACTIONS = {
    "setup.hall": ["大厅设置", "Hall settings"], "setup.announcement": ["播报模板", "Announcement"],
    "setup.slip": ["凭条模板", "Slip"], "setup.supervision": ["监察阈值", "Thresholds"], "setup.policy": ["叫号规则", "Queue rules"],
    "setup.numbering": ["编号", "Numbering"], "setup.appointments": ["预约设置", "Appointments"],
    "appointments.item": ["事项预约时段", "Item's slots"], "appointments.item_removed": ["取消事项预约时段", "Item's slots removed"], "setup.import": ["导入设置", "Setup imported"],
    "departments.add": ["新增部门", "Department added"], "departments.update": ["修改部门", "Department changed"],
    "departments.remove": ["删除部门", "Department removed"], "services.add": ["新增事项", "Item added"],
    "services.update": ["修改事项", "Item changed"], "services.remove": ["删除事项", "Item removed"],
    "windows.add": ["新增窗口", "Window added"], "windows.update": ["修改窗口", "Window changed"],
    "windows.remove": ["删除窗口", "Window removed"], "staff.add": ["新增人员", "Staff added"],
    "staff.update": ["修改人员", "Staff changed"], "staff.password": ["重置密码", "Password reset"],
    "staff.disable": ["停用账号", "Account disabled"], "staff.enable": ["启用账号", "Account enabled"],
    "device.add": ["新增设备", "Device added"], "device.revoke": ["撤销设备", "Device revoked"],
    "backup.download": ["下载备份", "Backup downloaded"],
  };

  function diffText(value) {
    return value === null || value === undefined ? "—" : JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
  }

  async function renderAudit(root, more = false) {
    let body = root.querySelector("tbody");
    if (!more || !body) {
      state.auditBefore = null;
      body = table(root, [t("时间", "When"), t("操作人", "Who"), t("操作", "Action"), t("对象", "Subject"),
                          t("修改前", "Before"), t("修改后", "After")]);
    }
    const query = state.auditBefore ? `?before=${state.auditBefore}` : "";
    const { entries } = await call(`/audit${query}`);
    entries.forEach((e) => {
      const action = ACTIONS[e.action];
      const row = cells(el("tr"), [localTime(e.at), e.actor, action ? t(action[0], action[1]) : e.action, e.subject,
                                   el("pre", "diff before", diffText(e.before)), el("pre", "diff after", diffText(e.after))]);
      row.children[0].className = "num";
      body.appendChild(row);
    });
    if (entries.length) state.auditBefore = entries[entries.length - 1].id;
    let moreButton = root.querySelector(".more");
    if (moreButton) moreButton.remove();
    if (entries.length === 100) {
      moreButton = button(t("更早的记录", "Older entries"), "plain more", () => renderAudit(root, true));
      root.appendChild(moreButton);
    }
    if (!body.children.length) root.appendChild(el("p", "muted", t("暂无记录", "No entries yet")));
  }

  // --- tab: export, import, backup -----------------------------------------------------------------------

  function download(blob, filename) {
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  function renderFiles(root) {
    const exp = card(root, "导出设置", "Export the setup", "当前设置另存为 config.toml，可编辑后再导入。",
                     "The setup in force as config.toml; edit it and import it again.");
    exp.appendChild(button(t("导出 config.toml", "Export config.toml"), "primary", async () => {
      try { download(await call("/export.toml", { blob: true }), "config.toml"); }
      catch (err) { flash(err.message, "error"); }
    }));
    const imp = card(root, "导入设置", "Import a setup",
                     "整份校验：有误或会使正在等候的群众无窗口办理时拒绝导入，原设置不变。",
                     "The whole file is checked; a mistake, or a change that would strand waiting citizens, is refused and nothing changes.");
    const file = el("input");
    file.type = "file";
    file.accept = ".toml,text/plain";
    file.id = "import-file";
    const message = el("p", "message");
    message.setAttribute("role", "alert");
    const row = el("div", "actions");
    row.append(file, button(t("导入", "Import"), "primary", async () => {
      message.textContent = "";
      if (!file.files.length) { message.textContent = t("请先选择文件", "Choose a file first"); return; }
      try {
        took(await call("/import", { method: "POST", raw: await file.files[0].text() }));
        flash(t(`已导入，设置版本 ${state.version}。`, `Imported as setup version ${state.version}.`));
        render();
      } catch (err) { message.textContent = err.message; }
    }));
    imp.append(row, message);
    const backup = card(root, "数据库备份", "Database backup",
                        "在线备份：大厅照常取号叫号，备份为一致的完整副本。恢复方法见 docs/administration.md。",
                        "An online backup: the hall keeps working, the copy is consistent and complete. Restoring: docs/administration.md.");
    backup.appendChild(button(t("下载备份", "Download a backup"), "primary", async () => {
      try {
        const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
        download(await call("/backup", { blob: true }), `jiaohao-backup-${stamp}.sqlite3`);
      } catch (err) { flash(err.message, "error"); }
    }));
  }

  // --- tabs, sign-in, language -----------------------------------------------------------------------------

  const RENDER = { hall: renderHall, departments: renderDepartments, services: renderServices, windows: renderWindows,
                   staff: renderStaff, devices: renderDevices, templates: renderTemplates, thresholds: renderThresholds,
                   audit: renderAudit, files: renderFiles };

  async function render() {
    document.querySelectorAll("#tabs [data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === state.tab)));
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== `tab-${state.tab}`; });
    const root = document.getElementById(`tab-${state.tab}`);
    clear(root);
    try {
      await RENDER[state.tab](root);
    } catch (err) {
      if (err && err.message) flash(err.message, "error"); else throw err;
    }
  }

  function translatePage() {
    J.translate(document, WORDS, state.lang);
    document.querySelectorAll(".lang-toggle").forEach((b) => { b.textContent = state.lang === "en" ? "中文" : "English"; });
  }

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    document.getElementById("app").hidden = true;
    document.getElementById("login").hidden = false;
    J.setText(document.getElementById("login-message"), message || "");
  }

  async function start() {
    try {
      took(await call("/setup"));
    } catch (err) {
      if (err.status === 403) showLogin(t("需要管理员账号 / an admin account is needed", "An admin account is needed"));
      else if (err.status !== 401) showLogin(err.message);
      return;
    }
    J.setText(document.getElementById("who"), state.me ? `${state.me.name}（${state.me.username}）` : "");
    document.getElementById("login").hidden = true;
    document.getElementById("app").hidden = false;
    const asked = new URLSearchParams(location.search).get("tab");
    if (asked && RENDER[asked]) state.tab = asked;
    render();
  }

  document.getElementById("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = document.getElementById("login-message");
    message.textContent = "";
    try {
      const reply = await J.api("/auth/login", { method: "POST", body: {
        username: document.getElementById("login-user").value.trim(),
        password: document.getElementById("login-password").value } });
      if (reply.user.role !== "admin") {
        await J.api("/auth/logout", { method: "POST", token: reply.token }).catch(() => {});
        message.textContent = t("需要管理员账号：此账号无权管理大厅。", "An admin account is needed: this account may not administer the hall.");
        return;
      }
      state.token = reply.token;
      state.me = reply.user;
      sessionStorage.setItem(TOKEN_KEY, reply.token);
      sessionStorage.setItem(`${TOKEN_KEY}.me`, JSON.stringify(reply.user));
      start();
    } catch (err) { message.textContent = err.message; }
  });

  document.getElementById("logout").addEventListener("click", async () => {
    await J.api("/auth/logout", { method: "POST", token: state.token }).catch(() => {});
    showLogin("");
  });

  document.getElementById("tabs").addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tab]");
    if (!tab) return;
    state.tab = tab.dataset.tab;
    render();
  });

  document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", () => {
    state.lang = state.lang === "en" ? "zh" : "en";
    localStorage.setItem(LANG_KEY, state.lang);
    translatePage();
    if (state.doc) { took({ version: state.version, document: state.doc }); render(); }
  }));

  translatePage();
  if (state.token) {
    try { state.me = JSON.parse(sessionStorage.getItem(`${TOKEN_KEY}.me`) || "null"); } catch (err) { state.me = null; }
    start();
  } else {
    showLogin("");
  }
})();
