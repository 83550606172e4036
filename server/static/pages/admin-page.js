/* What every tab of the administration page (/admin) shares: its state, the calls to
 * /api/v1/admin (each change carries the setup version it was made on), the notice line,
 * small builders, the editor dialog, questions about the setup in force, and the tab registry
 * that the tab scripts fill and `render` draws from. Text only via textContent. */
"use strict";

const AdminPage = (() => {
  const J = Jiaohao;
  const { el, clear } = J;
  const F = AdminForms;
  const TOKEN_KEY = "jiaohao.admin.token";
  const LANG_KEY = "jiaohao.admin.lang";

  const state = { lang: J.pickLanguage(LANG_KEY), token: sessionStorage.getItem(TOKEN_KEY), me: null,
                  version: 0, doc: null, tab: "hall", auditBefore: null };
  const t = (zh, en) => (state.lang === "en" ? en : zh);

  /** The tabs by name: each tab script adds its `render(root)`. */
  const tabs = {};

  // --- talking to the server ------------------------------------------------------------------

  let changing = false;

  /**
   * {status, error, message, field} on refusal; JSON, or a Blob with {blob: true}. One change at
   * a time: a press while the previous change is out is refused here, in words, rather than
   * sent on an outdated setup version (where the server would call it another admin's change).
   * A preview is a POST that changes nothing: the voice and slip previews load side by side.
   */
  async function call(path, options = {}) {
    const changes = options.method && options.method !== "GET" && !path.startsWith("/preview/");
    if (!changes) return send(path, options);
    if (changing) {
      throw { status: 0, error: "busy", field: null,
              message: t("上一个操作仍在进行，请稍候", "Still working on the previous change") };
    }
    changing = true;
    try {
      return await send(path, options);
    } finally {
      changing = false;
    }
  }

  async function send(path, { method = "GET", body, raw, blob = false } = {}) {
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
      if (v instanceof Node) td.appendChild(v); else J.setText(td, v === null || v === undefined ? "" : String(v));
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

  /** The editor of one entry of a setup list (a department, an item, a window): a new one is
   * POSTed to the list, an existing one PUT to (or deleted from) its own address `list/key`. */
  function editEntry(list, key, titles, specs, values, extras = {}) {
    const isNew = key === null || key === undefined;
    const own = isNew ? null : `${list}/${encodeURIComponent(key)}`;
    const [newZh, newEn, oldZh, oldEn] = titles;
    return openEditor(isNew ? newZh : oldZh, isNew ? newEn : oldEn, specs, values,
      (read, form) => change(own || list, isNew ? "POST" : "PUT", read, form, closeEditor),
      { ...extras, onDelete: isNew ? null : (form) => change(own, "DELETE", undefined, form, closeEditor) });
  }

  /** The items with their own values in [<section>.items.<code>] ([appointments] slots, [remote]
   * places): a table of them under the section's card, with an editor PUT to (or deleted from)
   * `${o.address}/<code>`; each field left empty follows the hall-wide value shown as its
   * placeholder. `o`: section, address, fields (the item's own keys, as the section's form
   * describes them), columns (short headings of those keys), className, and the words: heading,
   * add, newTitle, title(code), empty, allSet, note, each [zh, en]. */
  function itemOverrides(parent, o) {
    const items = (doc()[o.section] || {}).items || {};
    const hallWide = doc()[o.section] || {};
    const address = (code) => `${o.address}/${encodeURIComponent(code)}`;
    const specs = (isNew) => {
      const free = doc().services.filter((s) => !isNew || !(s.code in items))
        .map((s) => [s.code, `${s.code} ${s.name}`, `${s.code} ${s.name_en}`]);
      const follows = (key) => [`全厅：${hallWide[key] ?? "—"}`, `hall-wide: ${hallWide[key] ?? "—"}`];
      return [{ name: "code", label: ["事项", "Item"], type: "select", options: free, readonly: !isNew },
              ...o.fields.map((spec) => ({ ...spec, optional: true, placeholder: follows(spec.name) }))];
    };
    const edit = (code) => {
      const isNew = !code;
      if (isNew && Object.keys(items).length >= doc().services.length) {
        flash(t(...o.allSet));
        return;
      }
      const [zh, en] = isNew ? o.newTitle : o.title(code);
      openEditor(zh, en, specs(isNew), { code, ...(items[code] || {}) },
        (read, form) => {
          const { code: chosen, ...own } = read;
          return change(address(code || chosen), "PUT", own, form, closeEditor);
        },
        { onDelete: isNew ? null : (form) => change(address(code), "DELETE", undefined, form, closeEditor),
          after: (form) => form.appendChild(el("p", "muted", t(...o.note))) });
    };
    const bar = el("div", `toolbar ${o.className}`);
    bar.append(el("h3", null, t(...o.heading)), button(t(...o.add), "primary", () => edit(null)));
    parent.appendChild(bar);
    const body = table(parent, [t("事项", "Item"), ...o.columns.map((c) => t(...c)), ""]);
    const codes = Object.keys(items).sort();
    if (!codes.length) {
      const row = cells(el("tr"), [t(...o.empty)]);
      row.firstChild.colSpan = o.columns.length + 2;
      body.appendChild(row);
    }
    codes.forEach((code) => {
      const shown = (key) => (items[code][key] ?? `${hallWide[key] ?? "—"} ${t("（全厅）", "(hall)")}`);
      const row = cells(el("tr"), [`${code} ${name(serviceByCode(code))}`, ...o.fields.map((f) => shown(f.name)),
                                   button(t("编辑", "Edit"), "plain", () => edit(code))]);
      row.dataset.code = code;
      body.appendChild(row);
    });
  }

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

  // --- drawing the chosen tab; the sign-in form ---------------------------------------------------

  async function render() {
    document.querySelectorAll("#tabs [data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === state.tab)));
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== `tab-${state.tab}`; });
    const root = document.getElementById(`tab-${state.tab}`);
    clear(root);
    try {
      await tabs[state.tab](root);
      // the focused button was redrawn away (or its editor closed): the focus stays on this tab
      // rather than falling to the page, so the keyboard goes on from where the admin was
      if (document.activeElement === document.body) {
        const selected = document.querySelector("#tabs [aria-selected=true]");
        if (selected && !document.getElementById("editor").open) selected.focus();
      }
    } catch (err) {
      if (err && err.message) flash(err.message, "error"); else throw err;
    }
  }

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    document.getElementById("app").hidden = true;
    document.getElementById("login").hidden = false;
    J.setText(document.getElementById("login-message"), message || "");
  }

  return { TOKEN_KEY, LANG_KEY, state, t, tabs, call, flash, took, change, card, button, actionsRow, sectionForm,
           table, cells, localTime, openEditor, closeEditor, editEntry, itemOverrides, doc, departmentOf, serviceByCode, name, windowItems,
           windowsServing, tags, render, showLogin };
})();
