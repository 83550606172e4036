/* Reports (统计报表) and the printable daily report (日报): the KPIs of a day or a range from
 * GET /api/v1/reports, as figures, the 三率, four charts and a table per group; exports
 * download with the supervisor's token (no cookie) and open in any spreadsheet. */
"use strict";

(() => {
  const J = Jiaohao;
  const LANG_KEY = "jiaohao.supervisor.lang";
  const DAILY = document.body.dataset.daily === "yes";
  const WORDS = {
    title: { zh: "统计报表", en: "Reports" },
    dailyTitle: { zh: "日报", en: "Daily report" },
    dashboard: { zh: "大厅监察", en: "Dashboard" },
    signOut: { zh: "退出", en: "Sign out" },
    from: { zh: "从", en: "From" },
    to: { zh: "到", en: "To" },
    by: { zh: "分组", en: "Group by" },
    show: { zh: "查询", en: "Show" },
    csv: { zh: "导出 CSV", en: "Export CSV" },
    xlsx: { zh: "导出 Excel", en: "Export Excel" },
    daily: { zh: "打印日报", en: "Daily report" },
    print: { zh: "打印", en: "Print" },
    threeRates: { zh: "三率", en: "The three rates" },
    chartHour: { zh: "各时段取号与办结", en: "Arrivals and served by hour" },
    chartWait: { zh: "等候时长分布", en: "How long people waited" },
    chartUtil: { zh: "窗口利用率", en: "Utilisation per window" },
    chartSat: { zh: "每日满意率", en: "Satisfaction by day" },
    chartRefusedHour: { zh: "每人限号拒绝（按时段，疑似黄牛）", en: "Refused by the per-person limit, by hour (possible scalping)" },
    chartRefusedItem: { zh: "每人限号拒绝（按事项）", en: "Refused by the per-person limit, by item" },
    refusedS: { zh: "被拒次数", en: "Refused" },
    issuedS: { zh: "取号", en: "Issued" },
    servedS: { zh: "办结", en: "Served" },
    peopleS: { zh: "人数", en: "People" },
    utilS: { zh: "办理时间 / 签到时间", en: "Serving time / signed-in time" },
    satS: { zh: "满意率", en: "Satisfaction" },
    noData: { zh: "该时段没有数据", en: "No data for this period" },
    made: { zh: "生成于", en: "Made" },
    item: { zh: "按事项", en: "By item" },
    department: { zh: "按部门", en: "By department" },
    window: { zh: "按窗口", en: "By window" },
    clerk: { zh: "按工作人员", en: "By clerk" },
    hour: { zh: "按时段", en: "By hour of day" },
    day: { zh: "按日期", en: "By day" },
    group: { zh: "分组", en: "Group" },
    total: { zh: "合计", en: "Total" },
    min: { zh: "分钟", en: "min" },
    hours: { zh: "小时", en: "h" },
    windowNo: { zh: "{n} 号窗口", en: "Window {n}" },
    item_presence_rate: { zh: "项目进驻率", en: "Items served in the hall" },
    window_completion_rate: { zh: "窗口办结率", en: "Finished at the window" },
    satisfaction_rate: { zh: "群众满意率", en: "Citizen satisfaction" },
    notifications: { zh: "短信与微信通知", en: "Text and WeChat notices" },
    provider: { zh: "发送方式", en: "Provider" },
    sent: { zh: "已发送", en: "Sent" },
    failed: { zh: "发送失败", en: "Failed" },
    dropped: { zh: "未发送（过时或限频）", en: "Dropped (out of date or rate limit)" },
  };
  const DIMENSIONS = ["item", "department", "window", "clerk", "hour", "day"];
  const DAILY_TABLES = ["item", "window", "clerk", "hour"];
  const TILES = ["issued", "served", "no_show_rate", "wait_mean", "wait_p90", "handling_mean", "satisfaction_rate",
                 "bad_ratings", "rating_coverage", "utilisation", "paused_seconds", "empty_seconds", "alerts"];
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const state = { lang: J.pickLanguage(LANG_KEY), token: null, report: null, tables: {} };
  const say = (key, vars = {}) => WORDS[key][state.lang].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  const en = () => state.lang === "en";

  /** A figure as people read it: rates in per cent, durations in minutes, blanks as "–". */
  function shown(value, unit) {
    if (value === null || value === undefined) return "–";
    if (unit === "rate") return `${(value * 100).toFixed(1)}%`;
    // long totals (a week of empty-window time) read better in hours
    if (unit === "minutes" && value >= 7200) return `${(value / 3600).toFixed(1)} ${say("hours")}`;
    if (unit === "minutes") return `${(value / 60).toFixed(1)} ${say("min")}`;
    return String(value);
  }

  async function start() {
    const title = DAILY ? say("dailyTitle") : say("title");
    const { token } = await StaffSignIn.require(state.lang, `${title} · ${en() ? "sign in" : "登录"}`);
    state.token = token;
    $("board").hidden = false;
    // no date asked for: the server answers for the hall's own today, and the inputs follow
    const day = params.get("date") || params.get("from") || "";
    $("from").value = day;
    $("to").value = params.get("to") || day;
    fillBy(params.get("by") || "item");
    $("to-label").hidden = DAILY;
    $("by-label").hidden = DAILY;
    $("daily").hidden = DAILY;
    translate();
    await load();
  }

  function fillBy(chosen) {
    const select = $("by");
    J.clear(select);
    DIMENSIONS.forEach((d) => {
      const option = J.el("option", "", say(d));
      option.value = d;
      option.selected = d === chosen;
      select.append(option);
    });
  }

  function query(by) {
    const to = DAILY ? $("from").value : $("to").value;
    return `from=${encodeURIComponent($("from").value)}&to=${encodeURIComponent(to)}&by=${encodeURIComponent(by)}`;
  }

  async function load() {
    document.body.classList.add("loading");
    try {
      const groups = DAILY ? DAILY_TABLES : [$("by").value];
      const replies = await Promise.all(groups.map((by) => J.api(`/reports?${query(by)}`, { token: state.token })));
      state.report = replies[0];
      if (!$("from").value) $("from").value = state.report.from;
      if (!$("to").value) $("to").value = state.report.to;
      state.tables = Object.fromEntries(groups.map((by, i) => [by, replies[i]]));
      J.setText($("error"), "");
      render();
    } catch (err) {
      if (err.status === 401) return StaffSignIn.signOut(null);
      J.setText($("error"), err.message);
    } finally {
      document.body.classList.remove("loading");
      document.body.classList.add("ready");
    }
    return null;
  }

  function translate() {
    J.translate(document, WORDS, state.lang);
    J.setText($("title"), DAILY ? say("dailyTitle") : say("title"));
    J.languageToggle($("lang"), state.lang);
    fillBy($("by").value || "item");
  }

  function render() {
    translate();
    const r = state.report;
    if (!r) return;
    J.setText($("hall-name"), en() ? r.hall.name_en : r.hall.name);
    const period = r.from === r.to ? r.from : `${r.from} — ${r.to}`;
    J.setText($("report-title"), `${en() ? r.hall.name_en : r.hall.name} · ${period}`);
    J.setText($("made-at"), `${say("made")} ${J.clockText(new Date(), r.hall.timezone, state.lang, false)}`);
    renderTiles(r);
    renderCharts(r);
    renderTables();
    renderNotifications(r);
  }

  /** Attempts per provider over the period: sent, failed, dropped. */
  function renderNotifications(r) {
    const counts = Object.entries(r.notifications || {});
    $("notifications-card").hidden = counts.length === 0 || DAILY;
    const body = $("notification-counts");
    J.clear(body);
    counts.forEach(([provider, figures]) => {
      const row = J.el("tr");
      row.dataset.provider = provider;
      row.append(J.el("td", "", provider), J.el("td", "num", String(figures.sent)),
        J.el("td", "num", String(figures.failed)), J.el("td", "num", String(figures.dropped)));
      body.append(row);
    });
  }

  function renderTiles(r) {
    const units = Object.fromEntries(r.columns.map((c) => [c.field, c]));
    const tiles = $("tiles");
    J.clear(tiles);
    TILES.forEach((field) => {
      const column = units[field];
      const tile = J.el("div", "tile");
      tile.dataset.field = field;
      tile.append(J.el("div", "k", en() ? column.name_en : column.name), J.el("div", "v", shown(r.summary[field], column.unit)));
      tiles.append(tile);
    });
    const rates = $("rates");
    J.clear(rates);
    Object.entries(r.summary.three_rates).forEach(([field, value]) => {
      const tile = J.el("div", "tile rate");
      tile.dataset.field = field;
      tile.append(J.el("div", "k", say(field)), J.el("div", "v", shown(value, "rate")));
      rates.append(tile);
    });
  }

  function renderCharts(r) {
    const c = r.charts;
    const hours = c.by_hour;
    Charts.bars($("chart-hour"), hours.map((h) => `${h.hour}:00`), [
      { name: say("issuedS"), color: "#0b5cad", values: hours.map((h) => h.issued) },
      { name: say("servedS"), color: "#1e7b34", values: hours.map((h) => h.served) }], { emptyText: say("noData") });
    Charts.bars($("chart-wait"), c.wait_histogram.map((b) => (b.high === null ? `≥${b.low}` : `${b.low}–${b.high}`)), [
      { name: `${say("peopleS")} (${say("min")})`, color: "#a35a00", values: c.wait_histogram.map((b) => b.count) }],
      { emptyText: say("noData") });
    const staffed = c.utilisation.filter((w) => w.signed_in_seconds > 0);
    Charts.ratioBars($("chart-util"), staffed.map((w) => ({ label: say("windowNo", { n: w.window }), value: w.utilisation })),
      { color: "#0f7b45", name: say("utilS"), emptyText: say("noData") });
    Charts.rateLine($("chart-sat"), c.satisfaction_by_day.map((d) => d.day.slice(5)),
      c.satisfaction_by_day.map((d) => d.satisfaction_rate), { color: "#6a3fb5", name: say("satS"), emptyText: say("noData") });
    const refused = r.person_limit_refusals;
    const refusedSeries = (values) => [{ name: say("refusedS"), color: "#b3261e", values }];
    Charts.bars($("chart-refused-hour"), refused.by_hour.map((h) => `${h.hour}:00`),
      refusedSeries(refused.by_hour.map((h) => h.refused)), { emptyText: say("noData") });
    const codes = Object.keys(refused.by_item);
    Charts.bars($("chart-refused-item"), codes, refusedSeries(codes.map((code) => refused.by_item[code])),
      { emptyText: say("noData") });
  }

  function renderTables() {
    const box = $("tables");
    J.clear(box);
    Object.entries(state.tables).forEach(([by, report]) => box.append(groupTable(by, report)));
  }

  function groupTable(by, report) {
    const section = J.el("div", "table-wrap");
    section.append(J.el("h2", "", say(by)));
    const table = J.el("table", "grid-table report-table");
    table.dataset.by = by;
    const head = J.el("tr");
    head.append(J.el("th", "", say("group")));
    report.columns.forEach((c) => head.append(J.el("th", "num", en() ? c.name_en : c.name)));
    const thead = J.el("thead");
    thead.append(head);
    const body = J.el("tbody");
    report.rows.forEach((row) => body.append(tableRow(en() ? row.label_en : row.label, row, report.columns)));
    body.append(tableRow(say("total"), report.summary, report.columns, "total"));
    table.append(thead, body);
    section.append(table);
    return section;
  }

  function tableRow(label, row, columns, className = "") {
    const tr = J.el("tr", className);
    tr.append(J.el("td", "", label));
    columns.forEach((c) => tr.append(J.el("td", "num", shown(row[c.field], c.unit))));
    return tr;
  }

  async function download(extension) {
    try {
      const response = await fetch(`/api/v1/reports/export.${extension}?${query($("by").value)}`, {
        headers: { Authorization: `Bearer ${state.token}` } });
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        throw new Error(data.message || `HTTP ${response.status}`);
      }
      const disposition = response.headers.get("Content-Disposition") || "";
      const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `report.${extension}`;
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) {
      J.setText($("error"), err.message);
    }
  }

  $("query").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("export-csv").addEventListener("click", () => download("csv"));
  $("export-xlsx").addEventListener("click", () => download("xlsx"));
  $("print").addEventListener("click", () => window.print());
  $("daily").addEventListener("click", () => { location.href = `/reports/daily?date=${$("from").value}&lang=${state.lang}`; });
  $("lang").addEventListener("click", () => {
    state.lang = en() ? "zh" : "en";
    localStorage.setItem(LANG_KEY, state.lang);
    render();
  });
  $("sign-out").addEventListener("click", () => StaffSignIn.signOut(state.token));
  $("to-dashboard").addEventListener("click", (event) => { event.preventDefault(); location.href = `/supervisor?lang=${state.lang}`; });

  start();
})();
