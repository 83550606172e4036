/* The administration page's audit log and files tabs: who changed what, paged back; the
 * setup exported and imported as config.toml; an online database backup. */
"use strict";

(() => {
  const J = Jiaohao;
  const { el } = J;
  const { state, t, tabs, call, flash, took, render, button, card, table, cells, localTime } = AdminPage;

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
    "backup.download": ["下载备份", "Backup downloaded"], "setup.security": ["安全设置（等保）", "Security settings"],
    "case.open": ["差评立案", "Bad-rating case opened"], "case.follow_up": ["差评回访核实", "Case followed up"],
    "case.rectify": ["差评整改", "Case rectified"], "case.appeal": ["差评申诉", "Case appealed"],
    "case.appeal_upheld": ["申诉成立", "Appeal upheld"], "case.appeal_rejected": ["申诉驳回", "Appeal rejected"],
    "case.close": ["差评办结", "Case closed"],
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
    file.setAttribute("aria-label", t("选择设置文件 (.toml)", "Choose a setup file (.toml)"));
    const message = el("p", "message");
    message.setAttribute("role", "alert");
    const row = el("div", "actions");
    row.append(file, button(t("导入", "Import"), "primary", async () => {
      J.setText(message, "");
      if (!file.files.length) { J.setText(message, t("请先选择文件", "Choose a file first")); return; }
      try {
        took(await call("/import", { method: "POST", raw: await file.files[0].text() }));
        flash(t(`已导入，设置版本 ${state.version}。`, `Imported as setup version ${state.version}.`));
        render();
      } catch (err) { J.setText(message, err.message); }
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

  /** The provincial 好差评 uploads: on or off, how often, and the newest attempts of the log. */
  async function renderDeliveries(root) {
    const box = card(root, "好差评上报记录", "Ratings uploads (好差评)",
                     "在 config.toml 的 [server] ratings_upload_url 中开启；已送达的日期不再重复上报。",
                     "Turned on by [server] ratings_upload_url in config.toml; a delivered day is never sent again.");
    box.id = "deliveries-card";
    const log = await call("/ratings/deliveries");
    box.appendChild(el("p", log.enabled ? "state-on" : "muted", log.enabled
      ? t(`已开启：每 ${log.every_minutes} 分钟上报一次，地址 ${log.destination}`,
          `On: every ${log.every_minutes} minutes to ${log.destination}`)
      : t("未开启", "Off")));
    const body = table(box, [t("业务日期", "Day"), t("时间", "When"), t("条数", "Rows"), t("尝试次数", "Attempts"),
                             t("结果", "Result"), t("说明", "Detail")]);
    log.deliveries.forEach((d) => {
      const row = cells(el("tr"), [d.business_date, localTime(d.at), d.rows, d.attempts,
                                   d.result === "delivered" ? t("已送达", "delivered") : t("失败", "failed"), d.detail]);
      row.children[3].className = "num";
      row.children[4].className = d.result === "delivered" ? "state-on" : "state-bad";
      body.appendChild(row);
    });
    if (!log.deliveries.length) box.appendChild(el("p", "muted", t("暂无记录", "No entries yet")));
  }

  function renderFilesAndDeliveries(root) {
    renderFiles(root);
    return renderDeliveries(root);
  }

  Object.assign(tabs, { audit: renderAudit, files: renderFilesAndDeliveries });
})();
