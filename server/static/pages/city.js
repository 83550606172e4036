/* The city's pages, for a city account: the dashboard (全市大厅, every hall side by side, read
 * again every few seconds from GET /api/v1/city/dashboard while the page is shown) and the
 * reports comparing halls (全市报表, GET /api/v1/city/reports, with the Excel export). Every figure reaches the page as
 * text; halls are rows of a table so a screen reader reads them hall by hall. */
"use strict";

(() => {
  const J = Jiaohao;
  const LANG_KEY = "jiaohao.city.lang";
  const REPORTS = document.body.dataset.page === "reports";
  const POLL_MS = 5000;
  const WORDS = {
    titleDashboard: { zh: "全市大厅", en: "City halls" },
    titleReports: { zh: "全市报表", en: "City reports" },
    dashboard: { zh: "全市大厅", en: "City halls" },
    reports: { zh: "全市报表", en: "City reports" },
    signOut: { zh: "退出", en: "Sign out" },
    city: { zh: "全市", en: "Whole city" },
    halls: { zh: "各大厅", en: "Halls" },
    hall: { zh: "大厅", en: "Hall" },
    waiting: { zh: "等候人数", en: "Waiting" },
    longest: { zh: "最长等候", en: "Longest wait" },
    open: { zh: "开放窗口", en: "Windows open" },
    paused: { zh: "暂停窗口", en: "Windows paused" },
    empty: { zh: "空岗", en: "Empty windows" },
    red: { zh: "红色告警", en: "Red alerts" },
    yellow: { zh: "黄色告警", en: "Yellow alerts" },
    satisfaction: { zh: "今日满意率", en: "Satisfaction today" },
    ratings: { zh: "评价数", en: "Ratings" },
    windowNo: { zh: "{n} 号窗口", en: "Window {n}" },
    emptyList: { zh: "空岗窗口（有群众等候）", en: "Empty windows while people wait" },
    noneEmpty: { zh: "无", en: "None" },
    closedNow: { zh: "无人签到", en: "nobody signed in" },
    pausedNow: { zh: "暂停", en: "paused" },
    updated: { zh: "更新于", en: "Updated" },
    offline: { zh: "连接中断，正在重试", en: "Connection lost, retrying" },
    from: { zh: "从", en: "From" },
    to: { zh: "到", en: "To" },
    show: { zh: "查询", en: "Show" },
    xlsx: { zh: "导出 Excel", en: "Export Excel" },
    cityRates: { zh: "全市三率", en: "The three rates, whole city" },
    byHall: { zh: "各大厅三率", en: "The three rates per hall" },
    byDepartment: { zh: "各部门三率（跨大厅）", en: "The three rates per department, across halls" },
    department: { zh: "部门", en: "Department" },
    wholeCity: { zh: "全市", en: "Whole city" },
    item_presence_rate: { zh: "项目进驻率", en: "Items served in the hall" },
    window_completion_rate: { zh: "窗口办结率", en: "Finished at the window" },
    satisfaction_rate: { zh: "群众满意率", en: "Citizen satisfaction" },
    issued: { zh: "取号数", en: "Issued" },
    served: { zh: "办结数", en: "Served" },
    min: { zh: "分钟", en: "min" },
  };
  const RATES = ["item_presence_rate", "window_completion_rate", "satisfaction_rate"];
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const state = { lang: J.pickLanguage(LANG_KEY), token: null, data: null, timer: null };
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const en = () => state.lang === "en";
  const name = (thing) => (en() ? thing.name_en || thing.name : thing.name);

  function rate(value) {
    return value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`;
  }

  function cellOf(tag, text, className) {
    return J.el(tag, className || "", text);
  }

  function heading(row, keys) {
    J.clear(row);
    keys.forEach((key, i) => {
      const th = cellOf("th", say(key), i ? "num" : "");
      th.scope = "col";
      row.append(th);
    });
  }

  function tile(label, value, className = "") {
    const box = J.el("div", `tile ${className}`.trim());
    box.append(J.el("div", "k", label), J.el("div", "v", value));
    return box;
  }

  async function start() {
    const title = say(REPORTS ? "titleReports" : "titleDashboard");
    const { token } = await StaffSignIn.require(state.lang, `${title} · ${en() ? "sign in" : "登录"}`,
                                                StaffSignIn.CITY);
    state.token = token;
    $("board").hidden = false;
    $("lang").addEventListener("click", () => {
      state.lang = en() ? "zh" : "en";
      localStorage.setItem(LANG_KEY, state.lang);
      translate();
      render();
    });
    $("sign-out").addEventListener("click", () => StaffSignIn.signOut(state.token, StaffSignIn.CITY));
    translate();
    if (REPORTS) {
      startReports();
    } else {
      document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
      poll();
    }
  }

  function translate() {
    J.translate(document.body, WORDS, state.lang);
    J.setText($("title"), say(REPORTS ? "titleReports" : "titleDashboard"));
    J.languageToggle($("lang"), state.lang);
    document.title = `${say(REPORTS ? "titleReports" : "titleDashboard")} / ${
      WORDS[REPORTS ? "titleReports" : "titleDashboard"][en() ? "zh" : "en"]}`;
  }

  function render() {
    if (!state.data) return;
    if (REPORTS) renderReport(); else renderDashboard();
  }

  function failed(err) {
    if (err.status === 401) return StaffSignIn.signOut(null, StaffSignIn.CITY);
    J.setText($("error"), err.status === 0 ? say("offline") : err.message);
  }

  // --- the dashboard ------------------------------------------------------------------------------

  async function poll() {
    clearTimeout(state.timer);
    if (document.hidden) return;   // a tab nobody looks at asks nothing; shown again, it reads at once
    try {
      state.data = await J.api("/city/dashboard", { token: state.token });
      J.setText($("error"), "");
      renderDashboard();
    } catch (err) {
      failed(err);
    }
    clearTimeout(state.timer);
    state.timer = setTimeout(poll, POLL_MS);
  }

  function minutes(seconds) {
    return `${Math.floor(seconds / 60)} ${say("min")}`;
  }

  function renderDashboard() {
    const { city, halls, at } = state.data;
    J.setText($("made-at"), `${say("updated")} ${J.clockText(new Date(at), halls[0] ? halls[0].timezone
      : "Asia/Shanghai", state.lang)}`);
    const totals = $("totals");
    J.clear(totals);
    totals.append(tile(say("waiting"), city.waiting), tile(say("longest"), minutes(city.longest_wait_seconds)),
                  tile(say("open"), city.windows_open), tile(say("empty"), city.empty_windows),
                  tile(say("red"), city.alerts.red), tile(say("yellow"), city.alerts.yellow),
                  tile(say("satisfaction"), rate(city.satisfaction.satisfaction_rate), "rate"));
    heading($("hall-head"), ["hall", "waiting", "longest", "open", "paused", "empty", "red", "yellow",
                             "satisfaction", "ratings"]);
    const body = $("hall-rows");
    J.clear(body);
    halls.forEach((hall) => body.append(hallRow(hall)));
    const list = $("empty-list");
    J.clear(list);
    halls.forEach((hall) => hall.empty.forEach((w) => list.append(J.el("li", "", `${name(hall)} · ${
      say("windowNo", { n: w.window })} ${en() ? w.name_en : w.name} (${say(w.status === "paused" ? "pausedNow"
      : "closedNow")}) · ${minutes(w.seconds)}`))));
    if (!list.children.length) list.append(J.el("li", "muted", say("noneEmpty")));
  }

  function hallRow(hall) {
    const tr = J.el("tr");
    const th = cellOf("th", name(hall));
    th.scope = "row";
    tr.append(th);
    const empty = cellOf("td", hall.empty_windows, hall.empty_windows ? "num warn" : "num");
    tr.append(cellOf("td", hall.waiting, "num"), cellOf("td", minutes(hall.longest_wait_seconds), "num"),
              cellOf("td", `${hall.windows_open} / ${hall.windows}`, "num"), cellOf("td", hall.windows_paused, "num"),
              empty, cellOf("td", hall.alerts.red, hall.alerts.red ? "num state-off" : "num"),
              cellOf("td", hall.alerts.yellow, hall.alerts.yellow ? "num warn" : "num"),
              cellOf("td", rate(hall.satisfaction.satisfaction_rate), "num"),
              cellOf("td", hall.satisfaction.ratings, "num"));
    return tr;
  }

  // --- the reports --------------------------------------------------------------------------------

  function query() {
    return `from=${encodeURIComponent($("from").value)}&to=${encodeURIComponent($("to").value)}`;
  }

  function startReports() {
    $("from").value = params.get("from") || "";
    $("to").value = params.get("to") || params.get("from") || "";
    $("query").addEventListener("submit", (event) => { event.preventDefault(); loadReport(); });
    $("export-xlsx").addEventListener("click", exportXlsx);
    loadReport();
  }

  async function loadReport() {
    try {
      const asked = $("from").value ? `?${query()}` : "";
      state.data = await J.api(`/city/reports${asked}`, { token: state.token });
      $("from").value = state.data.from;
      $("to").value = state.data.to;
      J.setText($("error"), "");
      renderReport();
    } catch (err) {
      failed(err);
    }
  }

  async function exportXlsx() {
    try {
      const response = await fetch(`/api/v1/city/reports?${query()}&format=xlsx`,
                                   { headers: { Authorization: `Bearer ${state.token}` } });
      if (!response.ok) {
        const refusal = await response.json().catch(() => ({}));
        throw new J.ApiError(response.status, refusal.error || "error", refusal.message || `HTTP ${response.status}`);
      }
      const link = J.el("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = `jiaohao-city-${$("from").value}-${$("to").value}.xlsx`;
      document.body.append(link);
      link.click();
      link.remove();
    } catch (err) {
      failed(err);
    }
  }

  function rateCells(rates) {
    return RATES.map((key) => cellOf("td", rate(rates[key]), "num"));
  }

  function renderReport() {
    const data = state.data;
    J.setText($("made-at"), `${data.from} — ${data.to}`);
    const tiles = $("rates");
    J.clear(tiles);
    RATES.forEach((key) => tiles.append(tile(say(key), rate(data.city.three_rates[key]), "rate")));
    heading($("hall-head"), ["hall", ...RATES, "issued", "served"]);
    const halls = $("hall-rows");
    J.clear(halls);
    data.halls.forEach((hall) => {
      const tr = J.el("tr");
      const th = cellOf("th", name(hall));
      th.scope = "row";
      tr.append(th, ...rateCells(hall.three_rates), cellOf("td", hall.issued, "num"), cellOf("td", hall.served, "num"));
      halls.append(tr);
    });
    heading($("department-head"), ["department", "hall", ...RATES]);
    $("department-head").children[1].className = "";
    const depts = $("department-rows");
    J.clear(depts);
    data.departments.forEach((dept) => {
      [...dept.halls, { name: say("wholeCity"), name_en: say("wholeCity"), three_rates: dept.city.three_rates,
                        city: true }]
        .forEach((hall) => {
          const tr = J.el("tr", hall.city ? "total" : "");
          const th = cellOf("th", name(dept));
          th.scope = "row";
          tr.append(th, cellOf("td", name(hall)), ...rateCells(hall.three_rates));
          depts.append(tr);
        });
    });
  }

  start();
})();
