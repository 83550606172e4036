/* Forms of the administration page, built from field lists that follow config.toml's keys.
 * A form reads back the values the API expects (an empty optional field is null, so the key
 * is removed) and shows a refusal under the field it names. Text only via textContent. */
"use strict";

const AdminForms = (() => {
  const J = Jiaohao;
  const { el } = J;
  const WEEKDAYS = [[1, "一", "Mon"], [2, "二", "Tue"], [3, "三", "Wed"], [4, "四", "Thu"], [5, "五", "Fri"],
                    [6, "六", "Sat"], [7, "日", "Sun"]];

  function words(pair, lang) {
    if (!pair) return "";
    return Array.isArray(pair) ? pair[lang === "en" ? 1 : 0] : String(pair);
  }

  function input(type, value) {
    const node = el("input");
    node.type = type;
    if (value !== undefined && value !== null) node.value = String(value);
    return node;
  }

  function number(text) {
    const trimmed = text.trim();
    if (trimmed === "") return null;
    const value = Number(trimmed);
    return Number.isFinite(value) ? value : trimmed;   // the server names what is wrong with it
  }

  /** One field: its control, how to read it back, and where its refusal goes. */
  function control(spec, value, lang) {
    switch (spec.type) {
      case "textarea": {
        const node = el("textarea");
        node.rows = spec.rows || 3;
        node.value = value ?? "";
        return { node, read: () => (node.value.trim() === "" && spec.optional ? null : node.value) };
      }
      case "number": {
        const node = input("text", value);
        node.inputMode = "decimal";
        return { node, read: () => number(node.value) };
      }
      case "select": {
        const node = el("select");
        spec.options.forEach(([v, zh, en]) => {
          const option = el("option", null, lang === "en" ? en : zh);
          option.value = String(v);
          node.appendChild(option);
        });
        node.value = value === undefined || value === null ? String(spec.options[0][0]) : String(value);
        const asNumber = typeof spec.options[0][0] === "number";
        return { node, read: () => (asNumber ? Number(node.value) : (node.value === "" ? null : node.value)) };
      }
      case "flag": {
        const node = el("select");
        [["true", "是", "Yes"], ["false", "否", "No"]].forEach(([v, zh, en]) => {
          const option = el("option", null, lang === "en" ? en : zh);
          option.value = v;
          node.appendChild(option);
        });
        node.value = value ? "true" : "false";
        return { node, read: () => node.value === "true" };
      }
      case "pair": {
        const node = el("div", "pair");
        const [yellow, red] = Array.isArray(value) ? value : ["", ""];
        const y = input("text", yellow); y.className = "yellow"; y.setAttribute("aria-label", "yellow");
        const r = input("text", red); r.className = "red"; r.setAttribute("aria-label", "red");
        node.append(el("span", "muted", lang === "en" ? "yellow" : "黄"), y,
                    el("span", "muted", lang === "en" ? "red" : "红"), r);
        return { node, read: () => {
          const a = number(y.value), b = number(r.value);
          return a === null && b === null ? null : [a, b];
        } };
      }
      case "weekdays":
      case "checks": {
        const node = el("div", "checks");
        const options = spec.type === "weekdays" ? WEEKDAYS : spec.options;
        const chosen = new Set((value || []).map(String));
        const boxes = options.map(([v, zh, en]) => {
          const box = input("checkbox");
          box.value = String(v);
          box.checked = chosen.has(String(v));
          const label = el("label");
          label.append(box, el("span", null, lang === "en" ? en : zh));
          node.appendChild(label);
          return box;
        });
        const numeric = spec.type === "weekdays";
        return { node, boxes, read: () => boxes.filter((b) => b.checked)
          .map((b) => (numeric ? Number(b.value) : b.value)) };
      }
      case "dates":
      case "codes": {
        // several values in one box, one per line or separated by commas
        const node = el("textarea");
        node.rows = spec.rows || 3;
        node.value = (value || []).join(spec.type === "dates" ? "\n" : ", ");
        node.placeholder = spec.type === "dates" ? "2026-10-01" : "";
        return { node, read: () => node.value.split(/[\s,，、]+/).filter(Boolean)
          .map((v) => (spec.type === "codes" ? v.toUpperCase() : v)) };
      }
      default: {
        const node = input("text", value);
        if (spec.readonly) node.readOnly = true;
        return { node, read: () => {
          const text = node.value.trim();
          return text === "" && spec.optional ? null : text;
        } };
      }
    }
  }

  /**
   * Builds the fields into `container`. Returns {read(), showError(err), clear(), controls}.
   * `general` is the element for messages no field claims.
   */
  function build(container, specs, values, lang, general) {
    const controls = {};
    const grid = el("div", "fields");
    specs.forEach((spec) => {
      const made = control(spec, values[spec.name], lang);
      const label = el("label", spec.wide ? "wide" : null);
      label.dataset.field = spec.name;
      label.append(el("span", null, words(spec.label, lang)));
      if (spec.placeholder) made.node.placeholder = words(spec.placeholder, lang);
      made.node.name = spec.name;
      if (spec.readonly && "readOnly" in made.node) made.node.readOnly = true;
      else if (spec.readonly) made.node.disabled = true;   // a select cannot be read-only
      label.appendChild(made.node);
      if (spec.hint) label.appendChild(el("span", "hint", words(spec.hint, lang)));
      const error = el("p", "field-error");
      error.setAttribute("role", "alert");
      label.appendChild(error);
      grid.appendChild(label);
      controls[spec.name] = { ...made, label, error };
    });
    container.appendChild(grid);

    function clear() {
      Object.values(controls).forEach((c) => { J.setText(c.error, ""); c.label.classList.remove("invalid"); });
      if (general) J.setText(general, "");
    }

    function showError(err) {
      clear();
      const target = err.field && controls[err.field];
      if (target) {
        J.setText(target.error, err.message);
        target.label.classList.add("invalid");
        if (general) J.setText(general, lang === "en" ? "Please correct the field marked in red."
          : "请修正标红的项目。");
        target.node.scrollIntoView({ block: "center" });
        return;
      }
      if (general) J.setText(general, err.message);
    }

    function read() {
      const out = {};
      specs.forEach((spec) => { if (!spec.readonly || spec.send) out[spec.name] = controls[spec.name].read(); });
      return out;
    }
    return { read, showError, clear, controls };
  }

  return { build, words, WEEKDAYS };
})();
