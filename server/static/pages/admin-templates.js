/* The administration page's voice and slip tab: the announcement and slip templates, with a
 * preview of the text, the sound and the printed slip made from what is typed, unsaved. */
"use strict";

(() => {
  const J = Jiaohao;
  const { el } = J;
  const { t, tabs, call, change, button, card, sectionForm, doc, name } = AdminPage;

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

  /** A card with the form on the left and its preview on the right. */
  function previewCard(root, zh, en, noteZh, noteEn) {
    const layout = el("div", "preview");
    card(root, zh, en, noteZh, noteEn).appendChild(layout);
    const left = el("div");
    const right = el("div");
    layout.append(left, right);
    return { left, right };
  }

  function renderVoice(root) {
    const { left, right } = previewCard(root, "语音播报", "Voice announcement",
                                        "先预览再保存：文字与语音都按当前填写的内容生成，不会保存。",
                                        "Preview before saving: text and sound use what is typed here; nothing is saved.");
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
        J.setParts(recall, [t("重呼", "Recall"), ": ", reply.recall_text]);
      } catch (err) { form.showError(err); }
    };
    const playSound = async () => {
      J.setText(message, "");
      try {
        const wav = await call("/preview/announcement.wav", { method: "POST", body: body(), blob: true });
        if (audio.src) URL.revokeObjectURL(audio.src);
        audio.src = URL.createObjectURL(wav);
        audio.play().catch(() => {});   // a PC without speakers still gets the player to download it
      } catch (err) { J.setText(message, err.message); }
    };
    const pickLabel = el("label", null, t("示例窗口", "Sample window"));
    pickLabel.appendChild(windowPick);
    right.append(pickLabel, button(t("预览文字", "Preview text"), "plain", previewText),
                 button(t("试听", "Play"), "plain", playSound), text, spoken, recall, audio, message);
    right.id = "voice-preview";
    previewText();
  }

  function renderSlip(root) {
    const { left: slipLeft, right: slipRight } = previewCard(root, "取号凭条", "Ticket slip",
                                                             "预览即打印机实际打印效果（示例票）。",
                                                             "The preview is what the printer prints (a sample ticket).");
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

  function renderTemplates(root) {
    renderVoice(root);
    renderSlip(root);
  }

  tabs.templates = renderTemplates;
})();
