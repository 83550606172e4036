/* Sign-in for the staff pages: a staff session whose token lives in sessionStorage (never a
 * cookie) and is shared by the pages of one tab that use the same key: the dashboard, the
 * reports and the daily report (supervisors and admins); the service desk (any staff); the
 * city's dashboard and reports (city accounts).
 * Whoever the page is not for is told why. */
"use strict";

const StaffSignIn = (() => {
  const J = Jiaohao;
  const TOKEN_KEY = "jiaohao.supervisor.token";
  const WORDS = {
    username: { zh: "用户名", en: "User name" },
    password: { zh: "密码", en: "Password" },
    signIn: { zh: "登录", en: "Sign in" },
    notSupervisor: { zh: "请使用大厅管理 (主任) 或管理员账号登录", en: "Sign in as a hall supervisor or an admin" },
    notStaff: { zh: "请使用工作人员账号登录", en: "Sign in with a staff account" },
    notCity: { zh: "请使用市级账号登录", en: "Sign in with a city account" },
  };
  const SUPERVISORS = { roles: ["supervisor", "admin"], key: TOKEN_KEY, refused: "notSupervisor" };
  const STAFF = { roles: ["clerk", "supervisor", "admin"], key: "jiaohao.desk.token", refused: "notStaff" };
  // the city's dashboard and reports: an account of the deployment, not of one hall
  const CITY = { roles: ["city"], key: "jiaohao.city.token", refused: "notCity" };

  /** Resolves with {token, me} once someone of `who.roles` is signed in; shows the form until then. */
  function require(lang, title, who = SUPERVISORS) {
    return new Promise((resolve) => {
      const form = document.getElementById("login-form");
      const message = document.getElementById("login-message");
      J.setText(document.getElementById("login-title"), title);
      J.translate(form, WORDS, lang);
      const accept = async (token) => {
        try {
          const me = await J.api("/me", { token });
          if (me.kind !== "user" || !who.roles.includes(me.role)) {
            throw new J.ApiError(403, "forbidden", WORDS[who.refused][lang]);
          }
          sessionStorage.setItem(who.key, token);
          document.getElementById("login").hidden = true;
          resolve({ token, me });
        } catch (err) {
          sessionStorage.removeItem(who.key);
          document.getElementById("login").hidden = false;
          J.setText(message, err.status === 401 ? "" : err.message);
        }
      };
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const reply = await J.api("/auth/login", { method: "POST", body: J.signInBody() });
          document.getElementById("login-password").value = "";
          accept(reply.token);
        } catch (err) {
          J.setText(message, err.message);
        }
      });
      const saved = sessionStorage.getItem(who.key);
      if (saved) accept(saved); else document.getElementById("login").hidden = false;
    });
  }

  async function signOut(token, who = SUPERVISORS) {
    try {
      await J.api("/auth/logout", { method: "POST", token });
    } catch (err) {
      console.warn("logout:", err.message);   // the token is forgotten here either way
    }
    sessionStorage.removeItem(who.key);
    location.reload();
  }

  return { require, signOut, TOKEN_KEY, SUPERVISORS, STAFF, CITY };
})();
