/* The administration page's staff and devices tabs: accounts with their roles, and device
 * tokens (shown once, when made) with each device's link and printer. */
"use strict";

(() => {
  const { el, clear } = Jiaohao;
  const { t, tabs, call, flash, render, button, actionsRow, table, cells, localTime, openEditor, closeEditor,
          doc, card, sectionForm, change, itemOverrides } = AdminPage;

  // --- tab: staff -------------------------------------------------------------------------------------

  const ROLES = [["clerk", "窗口人员", "Clerk"], ["supervisor", "大厅管理（监察）", "Supervisor"], ["admin", "管理员", "Admin"],
                 ["auditor", "审计员（只读）", "Auditor (read-only)"]];
  const PASSWORD_HINT = ["至少 10 位，含大写字母、小写字母、数字、符号中的三类，不含用户名",
                         "at least 10 characters mixing three of upper case, lower case, digits and symbols, without the user name"];
  const lockedNow = (u) => Boolean(u.locked_until) && new Date(u.locked_until) > new Date();
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
        { name: "password", label: ["初始密码", "First password"], hint: PASSWORD_HINT },
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
      [{ name: "password", label: ["新密码", "New password"], hint: PASSWORD_HINT }], {},
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
      if (lockedNow(u)) {
        actions.append(button(t("解锁", "Unlock"), "plain", async () => {
          try {
            await call(`/staff/${encodeURIComponent(u.username)}/unlock`, { method: "POST", body: {} });
            render();
          } catch (err) { flash(err.message, "error"); }
        }));
      }
      const stateCell = u.disabled ? el("span", "state-bad", t("已停用", "disabled"))
        : lockedNow(u) ? el("span", "state-bad", t("已锁定（密码错误过多）", "locked (too many wrong passwords)"))
          : el("span", "state-on", t("正常", "active"));
      body.appendChild(cells(el("tr"), [u.username, u.display_name, u.staff_no || "", roleName(u.role), stateCell, actions]));
    });
  }

  // --- the [security] settings (等保 level 2): the server refuses anything laxer than the floor ---------

  const SECURITY_FIELDS = [
    { name: "password_min_length", label: ["密码最短长度", "Shortest password"], type: "number",
      hint: ["不少于 10 位", "at least 10 characters"] },
    { name: "password_classes", label: ["密码须含字符类别", "Character classes a password mixes"], type: "select",
      options: [[3, "三类（大写、小写、数字、符号中任三类）", "three of upper, lower, digits, symbols"],
                [4, "四类全部", "all four"]] },
    { name: "password_expiry_days", label: ["密码有效期（天）", "Password expires after (days)"], type: "number",
      hint: ["0 为不过期", "0: never"] },
    { name: "lockout_failures", label: ["输错几次即锁定", "Wrong passwords that lock the account"], type: "number" },
    { name: "lockout_window_minutes", label: ["在多少分钟内（计错次）", "… within (minutes)"], type: "number" },
    { name: "lockout_minutes", label: ["锁定时长（分钟）", "Locked for (minutes)"], type: "number" },
    { name: "idle_minutes", label: ["空闲超时（分钟）", "Idle timeout (minutes)"], type: "number" },
    { name: "window_idle_minutes", label: ["窗口签到时空闲超时（分钟）", "Idle timeout at a window (minutes)"],
      type: "number" },
    { name: "session_hours", label: ["登录最长时长（小时）", "Longest session (hours)"], type: "number" },
    { name: "audit_retention_days", label: ["审计记录保留（天）", "Audit trail kept (days)"], type: "number",
      hint: ["不少于 180 天", "at least 180 days"] },
  ];
  const SECURITY_DEFAULTS = { password_min_length: 10, password_classes: 3, password_expiry_days: 0,
                              lockout_failures: 5, lockout_window_minutes: 15, lockout_minutes: 15, idle_minutes: 30,
                              window_idle_minutes: 240, session_hours: 14, audit_retention_days: 180 };

  function renderSecurity(root) {
    const box = card(root, "账号与审计安全（等保二级）", "Sign-in and audit security (等保 level 2)",
                     "低于等保二级下限的值会被拒绝；修改后对新的登录与密码立即生效。",
                     "Values laxer than the level-2 floor are refused; changes apply to new sign-ins and passwords at once.");
    box.id = "security-card";
    sectionForm(box, SECURITY_FIELDS, { ...SECURITY_DEFAULTS, ...(doc().security || {}) },
                (values, form) => change("/setup/security", "PUT", values, form));
  }

  // --- the [identity] settings: tickets tied to a person (身份证), against ticket scalping ---------------

  const IDENTITY_FIELDS = [
    { name: "tickets_per_person_per_item", label: ["每人每事项每天限取（张）", "Tickets per person per item a day"],
      type: "number", hint: ["只对设为刷身份证取号的事项生效", "only for items that ask for the ID card"] },
    { name: "one_open_ticket", label: ["每人同时只能有一个排队号", "One open ticket per person"], type: "flag" },
    { name: "green_channel", label: ["自动进入绿色通道", "Green channel given automatically"], type: "checks",
      options: [["老年人", "老年人（按身份证出生日期）", "elderly (from the ID's birth date)"],
                ["军人", "军人（取号时声明）", "military (declared)"],
                ["残疾人", "残疾人（取号时声明）", "disabled (declared)"]] },
    { name: "elderly_age", label: ["老年人年龄（岁）", "Elderly from age"], type: "number" },
    { name: "keep_name", label: ["保存读卡姓名（加密）", "Keep the name read from the card (sealed)"], type: "flag",
      hint: ["默认不保存；身份证号从不明文保存", "off by default; the ID number is never stored in clear"] },
  ];
  const IDENTITY_DEFAULTS = { tickets_per_person_per_item: 1, one_open_ticket: false, green_channel: [],
                              elderly_age: 60, keep_name: false };

  function renderIdentity(root) {
    const box = card(root, "身份证取号与限号（防黄牛）", "ID card at the kiosk and per-person limits",
                     "身份证号只以密钥散列保存用于限号，显示时隐去中间部分，按个人信息保存期限删除。",
                     "The ID number is kept only as a keyed hash for the limit, shown masked, and purged with personal data.");
    box.id = "identity-card";
    sectionForm(box, IDENTITY_FIELDS, { ...IDENTITY_DEFAULTS, ...(doc().identity || {}) },
                (values, form) => change("/setup/identity", "PUT", values, form));
  }

  // --- the [remote] settings: 远程取号, a ticket for today taken from a phone ---------------------------

  const REMOTE_FIELDS = [
    { name: "enabled", label: ["开放远程取号", "Remote tickets offered"], type: "flag" },
    { name: "daily_share", label: ["远程号占每日限号的比例（0–1）", "Share of an item's daily cap (0–1)"],
      type: "number", hint: ["向下取整，其余留给现场取号", "rounded down: the rest stays for walk-ins"] },
    { name: "daily_tickets", label: ["不限号事项每天远程号数", "Remote tickets a day for an item without a cap"],
      type: "number" },
    { name: "activate_minutes", label: ["须在多少分钟内到场激活", "Minutes to activate on site"], type: "number",
      hint: ["不晚于事项取号时间结束；逾期作废", "never after the item's hours end; then it lapses"] },
    { name: "max_per_mobile_per_day", label: ["每个手机号每天限取（张）", "Per mobile number a day"], type: "number" },
    { name: "services", label: ["远程取号事项（事项代码，逗号分隔）", "Items offered remotely (item codes)"], type: "codes",
      wide: true, rows: 2, hint: ["留空为全部事项", "empty: every item"] },
  ];
  /** What one item may have of its own in [remote.items.<code>]: the rest follows [remote]. */
  const REMOTE_ITEM_FIELDS = [
    { name: "daily_share", label: ["远程号占本事项每日限号的比例（0–1）", "Share of this item's daily cap (0–1)"],
      type: "number", hint: ["本事项设有每日限号时适用", "for an item with a daily cap"] },
    { name: "daily_tickets", label: ["本事项每天远程号数", "Remote tickets a day for this item"], type: "number",
      hint: ["本事项不限号时适用", "for an item without a daily cap"] },
  ];
  const REMOTE_DEFAULTS = { enabled: false, daily_share: 0.2, daily_tickets: 20, activate_minutes: 60,
                            max_per_mobile_per_day: 2 };

  function renderRemote(root) {
    const box = card(root, "远程取号", "Remote tickets for today",
                     "远程号须到场激活（取号机输入取号码，或扫描大厅入口二维码）才进入排队；身份证限号同样适用。",
                     "A remote ticket joins the queue only when activated on site (its code at the kiosk, or the "
                     + "entrance QR code); the per-person limit applies too.");
    box.id = "remote-card";
    const { items, ...hallWide } = doc().remote || {};
    sectionForm(box, REMOTE_FIELDS, { ...REMOTE_DEFAULTS, services: [], ...hallWide },
                (values, form) => change("/setup/remote", "PUT",
                                         { ...values, services: values.services.length ? values.services : null }, form));
    itemOverrides(box, {
      section: "remote", address: "/remote/items", fields: REMOTE_ITEM_FIELDS, className: "remote-items",
      columns: [["比例", "Share"], ["每天远程号数", "A day"]],
      heading: ["按事项设置", "Per item"], add: ["为事项单独设置", "Set an item's own places"],
      newTitle: ["为事项单独设置远程号", "An item's own remote places"],
      title: (code) => [`事项 ${code} 的远程号`, `Remote places of item ${code}`],
      empty: ["所有事项沿用上面的设置。", "Every item follows the settings above."],
      allSet: ["每个事项都已有单独设置。", "Every item has its own remote places already."],
      note: ["留空的项目沿用全厅的远程取号设置；设有每日限号的事项按比例，不限号的按张数。",
             "An empty field follows the hall-wide setting; an item with a daily cap uses the share, one without uses the number."],
    });
  }

  async function renderStaffAndSecurity(root) {
    await renderStaff(root);
    renderSecurity(root);
    renderIdentity(root);
    renderRemote(root);
  }

  // --- tab: devices -------------------------------------------------------------------------------------

  const DEVICE_KINDS = [["kiosk", "取号机", "Kiosk"], ["display", "综合屏", "Hall board"], ["window", "窗口屏", "Window screen"],
    ["bridge", "硬件桥接（呼叫器、条屏、评价器）", "Hardware bridge (keypads, strips, raters)"]];

  function addDevice() {
    const windows = doc().windows.map((w) => [w.number, `${w.number} 号 ${w.name}`, `${w.number} ${w.name_en}`]);
    const built = openEditor("新增设备", "Add a device", [
      { name: "name", label: ["设备名称", "Device name"], hint: ["字母、数字、. _ -", "letters, digits, . _ -"] },
      { name: "kind", label: ["类型", "Kind"], type: "select", options: DEVICE_KINDS },
      { name: "window", label: ["所属窗口（仅窗口屏）", "Window (window screens only)"], type: "select",
        options: [["", "—", "—"], ...windows] },
      { name: "windows", label: ["所管窗口（仅硬件桥接），如 3,5", "Windows (bridges only), e.g. 3,5"] },
    ], {}, async (values, form) => {
      form.clear();
      const body = { ...values, window: values.kind === "window" && values.window ? Number(values.window) : null,
        windows: values.kind === "bridge" ? String(values.windows || "").split(",").map((n) => n.trim()).filter(Boolean).map(Number) : [] };
      try {
        const reply = await call("/devices", { method: "POST", body });
        showToken(reply);
      } catch (err) { form.showError(err); }
    });
    const sync = () => {
      built.controls.window.label.hidden = built.controls.kind.node.value !== "window";
      built.controls.windows.label.hidden = built.controls.kind.node.value !== "bridge";
    };
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
      const reported = d.status && d.status.printer;
      let printer = "";
      if (reported && reported.configured === false) printer = t("无打印机", "no printer");
      else if (reported) printer = `${reported.online ? t("在线", "online") : t("离线", "offline")} · ${reported.paper}`;
      const revoke = d.revoked_at ? "" : button(t("撤销", "Revoke"), "danger", async () => {
        if (!window.confirm(t(`撤销设备 ${d.name}？它将立即断开。`, `Revoke ${d.name}? It is disconnected at once.`))) return;
        try { await call(`/devices/${encodeURIComponent(d.name)}/revoke`, { method: "POST" }); render(); }
        catch (err) { flash(err.message, "error"); }
      });
      body.appendChild(cells(el("tr"), [d.name, kind ? t(kind[1], kind[2]) : d.kind, (d.windows && d.windows.length ? d.windows.join(",") : d.window) ?? "",
        el("span", stateClass, stateText), localTime(d.last_active_at || d.last_seen_at), printer, localTime(d.created_at), revoke]));
    });
  }

  Object.assign(tabs, { staff: renderStaffAndSecurity, devices: renderDevices });
})();
