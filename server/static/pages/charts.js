/* Small SVG charts drawn here, with no chart library: vertical bars (one or two series),
 * horizontal bars for a per-window ratio, and a line for a rate over days. Every label goes
 * in through textContent. Each chart marks its data points with data-value for tests, is named
 * by its figure's heading, and gives its figures as a table too, for a screen reader or anyone
 * who cannot tell the bars apart (WCAG 1.1.1, 1.4.1). */
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 560;
  const H = 240;
  const PAD = { left: 44, right: 12, top: 14, bottom: 40 };

  function svg(width = W, height = H) {
    const node = document.createElementNS(NS, "svg");
    node.setAttribute("viewBox", `0 0 ${width} ${height}`);
    node.setAttribute("role", "img");
    return node;
  }

  function shape(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = String(text);   // inside role=img: the table beside it is what is read
    return node;
  }

  /** Round numbers for the axis: 0, a step, … up to at least `max`. */
  function ticks(max) {
    const top = Math.max(max, 1);
    const raw = top / 4;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const out = [];
    for (let v = 0; v <= top + step * 0.001; v += step) out.push(v);
    if (out[out.length - 1] < top) out.push(out[out.length - 1] + step);
    return out;
  }

  function axis(root, marks, y, format) {
    marks.forEach((v) => {
      const py = y(v);
      root.append(shape("line", { x1: PAD.left, x2: W - PAD.right, y1: py, y2: py, stroke: "#e3e7ec" }));
      root.append(shape("text", { x: PAD.left - 6, y: py + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6675" }, format(v)));
    });
  }

  function legend(box, series) {
    while (box.firstChild) box.removeChild(box.firstChild);
    series.forEach((s) => {
      const item = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = s.color;
      item.append(swatch, document.createTextNode(s.name));
      box.append(item);
    });
  }

  function empty(root, text) {
    root.append(shape("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "font-size": 14, fill: "#5b6675" }, text));
  }

  /** Bars per category, side by side per series. */
  function bars(figure, categories, series, { format = String, emptyText = "" } = {}) {
    const root = svg();
    const max = Math.max(0, ...series.flatMap((s) => s.values));
    const marks = ticks(max);
    const top = marks[marks.length - 1];
    const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
    axis(root, marks, y, format);
    const slot = (W - PAD.left - PAD.right) / Math.max(categories.length, 1);
    const width = Math.max(2, (slot * 0.8) / series.length);
    categories.forEach((label, i) => {
      series.forEach((s, j) => {
        const v = s.values[i] || 0;
        const x = PAD.left + i * slot + slot * 0.1 + j * width;
        const bar = shape("rect", { x, y: y(v), width, height: Math.max(0, y(0) - y(v)), fill: s.color, class: "chart-bar" });
        bar.dataset.value = String(v);
        bar.append(shape("title", {}, `${label} · ${s.name}: ${format(v)}`));
        root.append(bar);
      });
      const every = Math.ceil(categories.length / 12);
      if (i % every === 0) {
        root.append(shape("text", { x: PAD.left + i * slot + slot / 2, y: H - PAD.bottom + 16, "text-anchor": "middle",
          "font-size": 11, fill: "#1b2430" }, label));
      }
    });
    if (!max && emptyText) empty(root, emptyText);
    place(figure, root, series, [["", ...series.map((s) => s.name)],
      ...categories.map((label, i) => [label, ...series.map((s) => format(s.values[i] || 0))])]);
  }

  /** One horizontal bar per row, for a ratio 0..1 (window utilisation). */
  function ratioBars(figure, rows, { color, name, emptyText = "" }) {
    const rowH = 22;
    const height = Math.max(60, rows.length * rowH + 30);
    const root = svg(W, height);
    const left = 150;
    const span = W - left - 60;
    [0, 0.25, 0.5, 0.75, 1].forEach((v) => {
      const x = left + v * span;
      root.append(shape("line", { x1: x, x2: x, y1: 4, y2: height - 20, stroke: "#e3e7ec" }));
      root.append(shape("text", { x, y: height - 6, "text-anchor": "middle", "font-size": 11, fill: "#5b6675" }, `${v * 100}%`));
    });
    rows.forEach((row, i) => {
      const y = 6 + i * rowH;
      root.append(shape("text", { x: left - 6, y: y + 14, "text-anchor": "end", "font-size": 11, fill: "#1b2430" }, row.label));
      const bar = shape("rect", { x: left, y, width: Math.max(0, (row.value || 0) * span), height: rowH - 6, fill: color, class: "chart-bar" });
      bar.dataset.value = String(row.value || 0);
      root.append(bar);
      root.append(shape("text", { x: left + (row.value || 0) * span + 4, y: y + 14, "font-size": 11, fill: "#1b2430" },
        row.value === null ? "–" : `${Math.round(row.value * 100)}%`));
    });
    if (!rows.length && emptyText) empty(root, emptyText);
    place(figure, root, [{ name, color }], [["", name],
      ...rows.map((row) => [row.label, row.value === null ? "–" : `${Math.round(row.value * 100)}%`])]);
  }

  /** A line through points 0..1 per category (satisfaction per day), dots marking each value. */
  function rateLine(figure, categories, values, { color, name, emptyText = "" }) {
    const root = svg();
    const y = (v) => H - PAD.bottom - v * (H - PAD.top - PAD.bottom);
    axis(root, [0, 0.25, 0.5, 0.75, 1], y, (v) => `${v * 100}%`);
    const slot = (W - PAD.left - PAD.right) / Math.max(categories.length, 1);
    const x = (i) => PAD.left + slot * i + slot / 2;
    const points = values.map((v, i) => (v === null ? null : [x(i), y(v)])).filter(Boolean);
    if (points.length > 1) {
      root.append(shape("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
    }
    values.forEach((v, i) => {
      if (v === null) return;
      const dot = shape("circle", { cx: x(i), cy: y(v), r: 4, fill: color, class: "point" });
      dot.dataset.value = String(v);
      dot.append(shape("title", {}, `${categories[i]}: ${Math.round(v * 100)}%`));
      root.append(dot);
    });
    const every = Math.ceil(categories.length / 8);
    categories.forEach((label, i) => {
      if (i % every === 0) {
        root.append(shape("text", { x: x(i), y: H - PAD.bottom + 16, "text-anchor": "middle", "font-size": 11, fill: "#1b2430" }, label));
      }
    });
    if (!points.length && emptyText) empty(root, emptyText);
    place(figure, root, [{ name, color }], [["", name],
      ...categories.map((label, i) => [label, values[i] === null ? "–" : `${Math.round(values[i] * 100)}%`])]);
  }

  function place(figure, root, series, rows) {
    const heading = figure.querySelector("h3");
    root.setAttribute("aria-label", heading ? heading.textContent : series.map((s) => s.name).join(", "));
    const plot = figure.querySelector(".plot");
    while (plot.firstChild) plot.removeChild(plot.firstChild);
    plot.append(root);
    legend(figure.querySelector(".legend"), series);
    figures(figure, rows);
  }

  /** The chart's figures as a table under it, folded away until asked for. */
  function figures(figure, rows) {
    let box = figure.querySelector("details.chart-figures");
    if (!box) {
      box = document.createElement("details");
      box.className = "chart-figures";
      const summary = document.createElement("summary");
      Jiaohao.setText(summary, "数据表 / Figures as a table");
      box.append(summary);
      figure.append(box);
    }
    box.querySelectorAll("table").forEach((old) => old.remove());
    const table = document.createElement("table");
    table.className = "grid-table";
    const [head, ...body] = rows;
    const top = table.createTHead().insertRow();
    head.forEach((text) => { const th = document.createElement("th"); th.scope = "col"; Jiaohao.setText(th, text); top.append(th); });
    const tbody = table.createTBody();
    body.forEach((row) => {
      const tr = tbody.insertRow();
      row.forEach((text, i) => {
        const cell = document.createElement(i ? "td" : "th");
        if (!i) cell.scope = "row";
        Jiaohao.setText(cell, text);
        tr.append(cell);
      });
    });
    box.append(table);
  }

  return { bars, ratioBars, rateLine };
})();
