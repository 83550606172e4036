{#- the 大字 / 高对比 switches of view_switches.html: included inside the page's script -#}
(() => {
  "use strict";
  [["large-text", "jiaohao.view.largeText"], ["high-contrast", "jiaohao.view.highContrast"]].forEach(([mode, key]) => {
    const button = document.getElementById(mode);
    const apply = (on) => {
      document.documentElement.classList.toggle(mode, on);
      button.setAttribute("aria-pressed", String(on));
    };
    apply(localStorage.getItem(key) === "on");
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      localStorage.setItem(key, on ? "on" : "off");
      apply(on);
    });
  });
})();
