/* Shared by the hall's web pages: REST calls, the live connection, safe text, times.
 * Every piece of data reaches the page through textContent (never innerHTML): pause reasons,
 * names and numbers come from people and must show as typed. */
"use strict";

const Jiaohao = (() => {
  /** A refusal from the server, carrying its {error, message} (the message is bilingual). */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, options = {}) {
    return (await stamped(path, options)).reply;
  }

  /**
   * A REST call whose reply comes with its place in the hall's order (`Protocol.seq_header`),
   * the same order as the live messages' `seq`: {reply, seq}.
   */
  /** The hall the page's address names (?hall=CODE), in a deployment of several halls. */
  const PAGE_HALL = new URLSearchParams(location.search).get("hall") || "";

  /** A call without a token names the page's hall; a token names its own. */
  function withHall(path, token) {
    if (token || !PAGE_HALL) return path;
    return `${path}${path.includes("?") ? "&" : "?"}hall=${encodeURIComponent(PAGE_HALL)}`;
  }

  /** The body of a sign-in from the page's form: the hall code too, when the form asks for one. */
  function signInBody() {
    const hall = document.getElementById("login-hall");
    const body = { username: document.getElementById("login-user").value.trim(),
                   password: document.getElementById("login-password").value };
    const code = hall ? hall.value.trim() : PAGE_HALL;
    if (code) body.hall = code;
    return body;
  }

  async function stamped(path, { method = "GET", body, token } = {}) {
    path = withHall(path, token);
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "offline", "无法连接服务器 / the server cannot be reached");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, data.error || "error",
                         data.message || `HTTP ${response.status}`);
    }
    return { reply: data, seq: Number(response.headers.get(Protocol.seq_header)) };
  }

  /** An element with plain-text content: the only way pages put data on screen. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) setText(node, text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  const CHINESE = /[\u3400-\u9fff\uf900-\ufaff]/;
  const CHINESE_RUN = /([\u3400-\u9fff\uf900-\ufaff][\u3000-\u303f\u3400-\u9fff\uf900-\uffef]*)/;
  const ENGLISH_WORD = /[A-Za-z]{2,}/;
  const ENGLISH_PHRASE = /[A-Za-z]{2,} +[A-Za-z]{2,}/;
  /** Where a bilingual line may turn from one language to the other: " / " or " · ". */
  const TURNS = /\s[/·]\s/g;
  /** Elements whose content is text alone: no spans inside them. */
  const TEXT_ONLY = new Set(["OPTION", "TEXTAREA", "TITLE"]);

  /** The language text is plainly in: Chinese characters and no English word, or English words
   * and no Chinese; null for numbers, times, codes with a letter, or a mix. */
  function languageOf(text) {
    const chinese = CHINESE.test(text);
    const english = ENGLISH_WORD.test(text);
    if (chinese && !english) return "zh-CN";
    if (english && !chinese) return "en";
    return null;
  }

  /** A bilingual line cut where it turns: Chinese then English (which may quote Chinese, as in
   * "… (预约签到 / Check in)"), or English then Chinese; null if it is not one. */
  function bilingualParts(text) {
    for (const turn of text.matchAll(TURNS)) {
      const first = text.slice(0, turn.index);
      const second = text.slice(turn.index + turn[0].length);
      const language = languageOf(first);
      if (language === "zh-CN" && /^[A-Za-z]/.test(second)) return [[first, "zh-CN"], turn[0], [second, "en"]];
      if (language === "en" && languageOf(second) === "zh-CN") return [[first, "en"], turn[0], [second, "zh-CN"]];
    }
    return null;
  }

  /**
   * Text on screen, marked with its language (WCAG 3.1.2) so a screen reader reads names,
   * items and reasons in the right voice whatever the page's own language: text plainly in one
   * language gets its `lang`; a bilingual line ("中文 / English", as the server's messages are)
   * becomes its two parts, each with its own. The text itself is unchanged.
   */
  function setText(node, text) {
    const value = text === undefined || text === null ? "" : String(text);
    if (!TEXT_ONLY.has(node.tagName)) {
      const parts = bilingualParts(value);
      if (parts) return setParts(node, parts);
      // an English line naming a Chinese term ("Ratings uploads (好差评)"): the term is Chinese
      if (CHINESE.test(value) && ENGLISH_PHRASE.test(value)) return setParts(node, [[value, "en"]]);
    }
    node.textContent = value;
    const lang = languageOf(value);
    if (lang) node.setAttribute("lang", lang);
    return undefined;
  }

  /** Text made of pieces in different languages (a Chinese name in an English line): a piece
   * plainly in one language, or given as [text, lang], is a span with its `lang`; the rest
   * (separators, numbers) stays plain text. */
  function setParts(node, pieces) {
    const span = (text, lang) => {
      const part = document.createElement("span");
      part.lang = lang;
      // an English line may quote Chinese ("the kiosk (预约签到 / Check in)"): that is Chinese
      text.split(CHINESE_RUN).forEach((words, i) => {
        if (i % 2 && lang === "en") part.append(span(words, "zh-CN"));
        else if (words) part.append(words);
      });
      return part;
    };
    node.removeAttribute("lang");
    node.replaceChildren(...pieces.map((piece) => {
      if (Array.isArray(piece)) return span(...piece);
      const lang = languageOf(piece);
      return lang ? span(piece, lang) : piece;
    }));
  }

  /** The page's language switch: it offers the other language, in that language. */
  function languageToggle(button, lang) {
    button.textContent = lang === "en" ? "中文" : "English";
    button.lang = lang === "en" ? "zh-CN" : "en";
  }

  /** mm:ss under an hour, h:mm:ss beyond: what a clerk reads at a glance. */
  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const two = (n) => String(n).padStart(2, "0");
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
  }

  function secondsSince(iso, now = Date.now()) {
    return iso ? (now - Date.parse(iso)) / 1000 : 0;
  }

  /** Clock time in the hall's own time zone, whatever the PC's zone is set to. */
  function clockText(date, timeZone, lang, withSeconds = true) {
    const options = { timeZone, hour: "2-digit", minute: "2-digit", hour12: false };
    if (withSeconds) options.second = "2-digit";
    return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", options).format(date);
  }

  /** The page language: ?lang= wins, then the last choice on this device, then Chinese. */
  function pickLanguage(storageKey) {
    const asked = new URLSearchParams(location.search).get("lang");
    const lang = asked || localStorage.getItem(storageKey) || "zh";
    return lang === "en" ? "en" : "zh";
  }

  /** Fill every [data-i18n] element from a dictionary {key: {zh, en}}. */
  function translate(root, words, lang) {
    root.querySelectorAll("[data-i18n]").forEach((node) => {
      const entry = words[node.dataset.i18n];
      if (entry) node.textContent = entry[lang];
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
      const entry = words[node.dataset.i18nPlaceholder];
      if (entry) node.placeholder = entry[lang];
    });
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  }

  /** Calls `fn` once, `wait` ms after the last of a burst of calls (queue changes come in bursts). */
  function debounce(fn, wait) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), wait);
    };
  }

  /**
   * The live connection. `handlers` maps message names (`Protocol.events`, from
   * /static/protocol.js) to functions. Every connect (the first and each reconnect) brings a
   * fresh hall_snapshot; a jump in `seq` of a sequenced message means messages were missed,
   * and `onGap` re-reads the state rather than trusting a partial picture. A board of one
   * zone or a window's screen hears only its room's part, and a skip (events.SEQ_SKIPPED) for the steps
   * that are not its, one or a run of them (`from` to `seq`): its `seq` moves one by one too
   * (Protocol.in_seq). Other messages (alerts, bookings) go to their handlers as they come.
   * The page asks for a commit's messages as one bundle (events.BUNDLE), taken apart here:
   * one frame where a call is three.
   */
  function connectLive(token, handlers, { onStatus, onRefused, onGap, zone, windowNumber }) {
    // a board of one zone, a window's screen: its room's part only
    const auth = { token, bundle: true };
    if (zone) auth.zone = zone;
    if (windowNumber) auth.window = windowNumber;
    // websocket first, so no proxy has to keep a page on one server process (a city's
    // several); long-polling only where websockets fail
    const socket = io({ auth, reconnectionDelayMax: 5000, transports: ["websocket", "polling"],
                        tryAllTransports: true });
    let lastSeq = null;
    socket.on("connect", () => onStatus(true));
    socket.on("disconnect", (reason) => {
      onStatus(false);
      // the server let this client go (it is stopping, or the token was revoked): Socket.IO
      // does not come back by itself then; asking again reaches the server that takes over,
      // and a revoked token is refused there and shown as such
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
    });
    socket.on("connect_error", (err) => {
      onStatus(false);
      if (err && err.message === "unauthorized" && onRefused) onRefused();
    });
    const { events } = Protocol;
    const inSeq = Protocol.in_seq;
    socket.on(events.HALL_SNAPSHOT, (snapshot) => {
      lastSeq = snapshot.seq;
      if (handlers[events.HALL_SNAPSHOT]) handlers[events.HALL_SNAPSHOT](snapshot);
    });
    const inOrder = (name) => (message) => {
      // a run of skipped steps stands for every step from its `from`
      const first = name === events.SEQ_SKIPPED && Number.isInteger(message.from) ? message.from : message.seq;
      if (lastSeq !== null && first > lastSeq + 1 && onGap) onGap();
      if (lastSeq === null || message.seq > lastSeq) lastSeq = message.seq;
      if (handlers[name]) handlers[name](message);
    };
    const receive = {};
    inSeq.forEach((name) => { receive[name] = inOrder(name); });
    Object.keys(handlers).filter((name) => name !== events.HALL_SNAPSHOT && !inSeq.includes(name))
      .forEach((name) => { receive[name] = handlers[name]; });
    Object.entries(receive).forEach(([name, handle]) => socket.on(name, handle));
    socket.on(events.BUNDLE, (bundle) => (bundle.messages || []).forEach(([name, message]) => {
      if (receive[name]) receive[name](message);
    }));
    return socket;
  }

  /** The pause reasons a clerk picks from; stored in Chinese, shown in the reader's language. */
  const PAUSE_REASONS = [
    { zh: "午休", en: "Lunch break" }, { zh: "临时离开", en: "Away briefly" },
    { zh: "业务培训", en: "Training" }, { zh: "系统故障", en: "System fault" },
    { zh: "窗口会议", en: "Meeting" },
  ];

  /** A preset pause reason in English (`lang` "en") or Chinese; a typed reason stays as typed. */
  function pauseReason(reason, lang) {
    const preset = PAUSE_REASONS.find((r) => r.zh === reason);
    return preset ? preset[lang] : reason;
  }

  return {
    ApiError, api, stamped, signInBody, el, clear, setText, setParts, languageOf, languageToggle,
    duration, secondsSince, clockText, pickLanguage, translate, debounce, connectLive, PAUSE_REASONS,
    pauseReason,
  };
})();
