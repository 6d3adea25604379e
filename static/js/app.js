// Behaviour shared by every page. No inline scripts anywhere (the CSP forbids them): elements
// opt in with data-* attributes.
(function () {
  "use strict";

  const root = document.documentElement;

  // Theme: system -> dark -> light -> system; remembered in a cookie the server also reads
  // ("system" follows the device's setting).
  function effectiveTheme() {
    const chosen = root.dataset.theme || "system";
    if (chosen !== "system") return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  const CYCLE = { system: "dark", dark: "light", light: "system" };
  function showThemeName() {
    document.querySelectorAll("[data-theme-name]").forEach((el) => {
      el.textContent = el.dataset[root.dataset.theme || "system"] || "";
    });
  }
  showThemeName();
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-theme-toggle]");
    if (!toggle) return;
    const next = CYCLE[root.dataset.theme || "system"] || "system";
    root.dataset.theme = next;
    document.cookie = "theme=" + next + "; path=/; max-age=31536000; samesite=lax";
    showThemeName();
  });

  // The settings page's theme choice (the same cookie as the menu's toggle).
  document.addEventListener("change", (event) => {
    const choice = event.target.closest("input[data-theme-choice]");
    if (!choice) return;
    root.dataset.theme = choice.value;
    document.cookie = "theme=" + choice.value + "; path=/; max-age=31536000; samesite=lax";
    showThemeName();
  });

  // A form that came back with errors: bring the first one into view and focus it (the
  // reloaded page would otherwise show its top, and the error may be below the fold).
  const firstError = document.querySelector(
    ".field.invalid input, .field.invalid textarea, .field.invalid select"
  );
  if (firstError) {
    firstError.focus({ preventScroll: true });
    firstError.scrollIntoView({ block: "center" });
  }

  // <select data-autosubmit> submits its form when changed (the language switcher).
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  // Menus: [data-menu-toggle="id"] opens #id; a click elsewhere or Escape closes it.
  function closeMenus(except) {
    document.querySelectorAll(".menu[data-open]").forEach((menu) => {
      if (menu === except) return;
      menu.hidden = true;
      delete menu.dataset.open;
      const opener = document.querySelector('[data-menu-toggle="' + menu.id + '"]');
      if (opener) opener.setAttribute("aria-expanded", "false");
    });
  }
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-menu-toggle]");
    if (opener) {
      const menu = document.getElementById(opener.dataset.menuToggle);
      if (!menu) return;
      const open = menu.hidden;
      closeMenus(menu);
      menu.hidden = !open;
      if (open) menu.dataset.open = "";
      else delete menu.dataset.open;
      opener.setAttribute("aria-expanded", String(open));
      event.stopPropagation();
      return;
    }
    if (!event.target.closest(".menu")) closeMenus(null);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeMenus(null);
  });

  // The sidebar: on phones a drawer; on wider screens it can be collapsed, and stays so.
  const desktop = window.matchMedia("(min-width: 769px)");
  const shell = document.querySelector(".app");
  try {
    if (shell && window.localStorage.getItem("cbf-sidebar") === "collapsed") {
      shell.classList.add("sidebar-collapsed");
    }
  } catch (_) { /* storage may be off */ }
  document.addEventListener("click", (event) => {
    const app = document.querySelector(".app");
    if (!app) return;
    if (event.target.closest("[data-sidebar-toggle]")) {
      if (desktop.matches) {
        const collapsed = app.classList.toggle("sidebar-collapsed");
        try {
          window.localStorage.setItem("cbf-sidebar", collapsed ? "collapsed" : "open");
        } catch (_) { /* storage may be off */ }
      } else {
        app.classList.toggle("sidebar-visible");
      }
      return;
    }
    if (app.classList.contains("sidebar-visible") && !event.target.closest(".sidebar")) {
      app.classList.remove("sidebar-visible");
    }
  });

  // Our own dialog instead of the browser's prompt()/confirm(): styled, translated, and it
  // does not freeze the page. `ask({message, value})` resolves to the typed text (or null);
  // without `value` it is a yes/no question and resolves to true or false.
  const dialog = document.getElementById("app-dialog");
  function ask({ message, value = null, confirm = null, danger = false }) {
    return new Promise((resolve) => {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(value === null ? window.confirm(message) : window.prompt(message, value));
        return;
      }
      const input = dialog.querySelector("#app-dialog-input");
      const ok = dialog.querySelector("#app-dialog-ok");
      dialog.querySelector("#app-dialog-message").textContent = message;
      input.hidden = value === null;
      input.value = value || "";
      ok.textContent = confirm || ok.dataset.default;
      ok.classList.toggle("danger", danger);
      ok.classList.toggle("primary", !danger);
      dialog.returnValue = "";
      dialog.addEventListener("close", () => {
        const accepted = dialog.returnValue === "ok";
        if (value === null) resolve(accepted);
        else resolve(accepted ? input.value : null);
      }, { once: true });
      dialog.showModal();
      if (value === null) ok.focus();
      else input.select();
    });
  }

  // Forms with data-confirm ask first.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (!form || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    const yes = await ask({ message: form.dataset.confirm, confirm: form.dataset.confirmLabel, danger: true });
    if (yes) {
      form.dataset.confirmed = "yes";
      form.requestSubmit(event.submitter || undefined);
    }
  });

  // Print buttons.
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });

  // Downloads that print times (PDF) carry the browser's UTC offset: the server cannot know it.
  // They are forms (POST with the CSRF token), so an image in a page cannot start one.
  document.querySelectorAll("form[data-local-time]").forEach((form) => {
    const url = new URL(form.action, location.href);
    url.searchParams.set("tz", String(-new Date().getTimezoneOffset()));
    form.action = url.pathname + url.search;
  });

  // A page waiting for the e-mail address to be verified (the chat page's notice, "check your
  // mail") asks the server every few seconds, and at once when the tab is shown again, and
  // moves on once the link was opened, in this browser or on another device.
  const waiting = document.querySelector("[data-verify-wait]");
  if (waiting) {
    let asking = false;
    let timer = 0;
    const unlock = () => {
      window.clearInterval(timer);
      if (waiting.dataset.verifyWait === "go") {
        waiting.querySelector(".verify-wait-text").textContent = waiting.dataset.verifiedText;
        window.setTimeout(() => window.location.assign(waiting.dataset.next || "/"), 1200);
        return;
      }
      waiting.remove();
      const prompt = document.getElementById("prompt");
      if (prompt) {
        prompt.disabled = false;
        prompt.dispatchEvent(new Event("input"));
        prompt.focus();
      }
      window.CBF.toast(waiting.dataset.verifiedText);
    };
    const check = async () => {
      if (asking || document.hidden) return;
      asking = true;
      try {
        const response = await fetch("/verify/status", { headers: { Accept: "application/json" }, cache: "no-store" });
        if (response.ok && (await response.json()).verified) unlock();
      } catch (_) {
        // Offline for a moment: the next tick asks again.
      } finally {
        asking = false;
      }
    };
    timer = window.setInterval(check, Number(waiting.dataset.every || 4000));
    document.addEventListener("visibilitychange", check);
  }

  // Helpers for other scripts.
  window.CBF = {
    ask,
    csrf() {
      const meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.content : "";
    },
    toast(text) {
      const toast = document.createElement("div");
      toast.className = "toast";
      toast.textContent = text;
      document.body.appendChild(toast);
      setTimeout(() => toast.remove(), 2200);
    },
    async copy(text) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (_) {
        const area = document.createElement("textarea");
        area.value = text;
        document.body.appendChild(area);
        area.select();
        const ok = document.execCommand("copy");
        area.remove();
        return ok;
      }
    },
  };
})();
