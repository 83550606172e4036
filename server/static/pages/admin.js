/* The administration page (/admin): sign-in, the tab bar and the language switch. The admin's
 * session token lives in sessionStorage: it ends with the browser tab. Every change goes to
 * /api/v1/admin, which validates the whole hall setup; the reply (or the refusal, shown under
 * its field) is what the page shows. The tabs are drawn by admin-*.js through `AdminPage`. */
"use strict";

(() => {
  const J = Jiaohao;
  const { TOKEN_KEY, LANG_KEY, state, t, tabs, call, took, render, showLogin } = AdminPage;

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

  function translatePage() {
    J.translate(document, WORDS, state.lang);
    document.querySelectorAll(".lang-toggle").forEach((b) => J.languageToggle(b, state.lang));
  }

  async function start() {
    try {
      took(await call("/setup"));
    } catch (err) {
      if (err.status === 403) showLogin(t("需要管理员账号 / an admin account is needed", "An admin account is needed"));
      else if (err.status !== 401) showLogin(err.message);
      return;
    }
    J.setParts(document.getElementById("who"), state.me ? [state.me.name, "（", state.me.username, "）"] : []);
    document.getElementById("login").hidden = true;
    document.getElementById("app").hidden = false;
    const asked = new URLSearchParams(location.search).get("tab");
    if (asked && tabs[asked]) state.tab = asked;
    render();
  }

  document.getElementById("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = document.getElementById("login-message");
    J.setText(message, "");
    try {
      const reply = await J.api("/auth/login", { method: "POST", body: J.signInBody() });
      if (reply.user.role !== "admin") {
        await J.api("/auth/logout", { method: "POST", token: reply.token }).catch(() => {});
        J.setText(message, t("需要管理员账号：此账号无权管理大厅。", "An admin account is needed: this account may not administer the hall."));
        return;
      }
      state.token = reply.token;
      state.me = reply.user;
      sessionStorage.setItem(TOKEN_KEY, reply.token);
      sessionStorage.setItem(`${TOKEN_KEY}.me`, JSON.stringify(reply.user));
      start();
    } catch (err) { J.setText(message, err.message); }
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
