{#- Bilingual lines on the citizens' pages: the Chinese, then the English in its own
    <span lang="en">, so a screen reader reads each in its own voice (WCAG 3.1.2). Included inside
    the page's own script, as view_switches.js is. -#}
function bilingual(node, zh, en, separator) {
  var english = document.createElement("span");
  english.lang = "en";
  english.textContent = en;
  node.textContent = zh + (separator === undefined ? " · " : separator);
  node.appendChild(english);
}
/** A refusal from the server, "中文 / English" (server/errors.py), split the same way. */
function bilingualMessage(node, message) {
  var turn = /\s\/\s(?=[A-Za-z])/.exec(message);
  if (!turn) { node.textContent = message; return; }
  bilingual(node, message.slice(0, turn.index), message.slice(turn.index + turn[0].length), turn[0]);
}
