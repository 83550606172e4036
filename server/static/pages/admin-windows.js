/* The administration page's windows tab: each window's kind, zone, the items it serves and
 * each item's priority there, as config.toml resolves them. */
"use strict";

(() => {
  const J = Jiaohao;
  const { el, clear } = J;
  const { state, t, tabs, button, table, cells, editEntry, doc, serviceByCode, name, windowItems,
          tags } = AdminPage;

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
        J.setText(itemsError, "");
        J.setText(prioError, "");
        if (err.field === "services" || err.field === "priority") {
          show({ message: err.message });
          J.setText(err.field === "services" ? itemsError : prioError, err.message);
        } else if (!err.field && /serves no items/.test(err.message)) {
          show(err);
          J.setText(itemsError, err.message);
        } else {
          show(err);
        }
      };
    };
  }

  function editWindow(window) {
    const isNew = !window;
    const values = window || { kind: "dedicated", number: (Math.max(0, ...doc().windows.map((w) => w.number)) + 1) };
    editEntry("/windows", window && window.number,
              ["新增窗口", "Add a window", `编辑 ${values.number} 号窗口`, `Window ${values.number}`],
              windowFields(isNew), values, { after: windowExtras(values) });
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

  tabs.windows = renderWindows;
})();
