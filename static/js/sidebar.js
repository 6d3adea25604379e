// The sidebar's chat list: loaded 50 at a time as you scroll, grouped Today / Yesterday /
// Previous 7 days / Older in the browser's time zone, searchable, with rename and delete.
(function () {
  "use strict";

  const list = document.getElementById("chat-list");
  if (!list) return;
  const search = document.getElementById("chat-search");
  const label = (name) => list.dataset["label" + name] || "";
  const state = { chats: [], cursor: null, loading: false, done: false, query: "" };
  let menuCounter = 0;

  function csrfHeaders() {
    return { "Content-Type": "application/json", "X-CSRF-Token": window.CBF.csrf() };
  }

  function activeId() {
    const match = window.location.pathname.match(/^\/c\/([0-9a-f-]{36})$/);
    return match ? match[1] : null;
  }

  function groupOf(updatedAt) {
    const date = new Date(updatedAt);
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    const day = 24 * 3600 * 1000;
    if (date >= today) return "Today";
    if (date >= new Date(today.getTime() - day)) return "Yesterday";
    if (date >= new Date(today.getTime() - 7 * day)) return "Week";
    return "Older";
  }

  function item(chat) {
    const row = document.createElement("div");
    row.className = "chat-item" + (chat.id === activeId() ? " active" : "");
    row.dataset.id = chat.id;
    const link = document.createElement("a");
    link.href = "/c/" + chat.id;
    link.textContent = chat.title;
    link.title = chat.title;
    const menuId = "chat-menu-" + (++menuCounter);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button item-menu-button";
    button.dataset.menuToggle = menuId;
    button.setAttribute("aria-label", label("Menu"));
    button.setAttribute("aria-haspopup", "menu");
    button.textContent = "⋯";
    const menu = document.createElement("div");
    menu.className = "menu item-menu";
    menu.id = menuId;
    menu.hidden = true;
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "rename-chat";
    rename.textContent = label("Rename");
    // A search finds archived chats too: their menu takes them back out of the archive.
    const archive = document.createElement("button");
    archive.type = "button";
    archive.className = chat.archived ? "unarchive-chat" : "archive-chat";
    archive.textContent = label(chat.archived ? "Unarchive" : "Archive");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "delete-chat danger";
    remove.textContent = label("Delete");
    menu.append(rename, archive, remove);
    row.append(link, button, menu);
    return row;
  }

  function render() {
    list.replaceChildren();
    if (state.chats.length === 0 && state.done) {
      const empty = document.createElement("p");
      empty.className = "chat-list-status";
      empty.textContent = state.query ? label("NoResults") : label("Empty");
      list.appendChild(empty);
      return;
    }
    let current = null;
    state.chats.forEach((chat) => {
      const group = groupOf(chat.updated_at);
      if (group !== current) {
        current = group;
        const title = document.createElement("h3");
        title.className = "chat-group-title";
        title.textContent = label(group === "Week" ? "Week" : group);
        list.appendChild(title);
      }
      list.appendChild(item(chat));
    });
    if (state.loading) {
      const loading = document.createElement("p");
      loading.className = "chat-list-status";
      loading.textContent = label("Loading");
      list.appendChild(loading);
    }
  }

  async function load(reset) {
    if (state.loading || (state.done && !reset)) return;
    if (reset) {
      state.chats = [];
      state.cursor = null;
      state.done = false;
    }
    state.loading = true;
    const params = new URLSearchParams();
    if (state.query) params.set("q", state.query);
    if (state.cursor) params.set("cursor", state.cursor);
    try {
      const response = await fetch("/api/chats?" + params.toString());
      if (!response.ok) return;
      const data = await response.json();
      const known = new Set(state.chats.map((c) => c.id));
      data.chats.forEach((chat) => { if (!known.has(chat.id)) state.chats.push(chat); });
      state.cursor = data.next_cursor;
      state.done = !data.next_cursor;
    } finally {
      state.loading = false;
      render();
    }
  }

  list.addEventListener("scroll", () => {
    if (list.scrollTop + list.clientHeight > list.scrollHeight - 200) load(false);
  });

  let timer = null;
  if (search) {
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.query = search.value.trim();
        load(true);
      }, 250);
    });
  }

  list.addEventListener("click", async (event) => {
    const row = event.target.closest(".chat-item");
    if (!row) return;
    const id = row.dataset.id;
    if (event.target.closest(".rename-chat")) {
      const chat = state.chats.find((c) => c.id === id);
      const title = await window.CBF.ask({ message: label("RenamePrompt"), value: chat ? chat.title : "" });
      if (!title || !title.trim()) return;
      const response = await fetch("/api/chats/" + id, { method: "PATCH", headers: csrfHeaders(), body: JSON.stringify({ title }) });
      if (response.ok) {
        const data = await response.json();
        if (chat) chat.title = data.title;
        render();
        if (id === activeId()) document.title = data.title + " · ChatBot Factory";
      }
    } else if (event.target.closest(".archive-chat, .unarchive-chat")) {
      const archived = Boolean(event.target.closest(".archive-chat"));
      const response = await fetch("/api/chats/" + id, { method: "PATCH", headers: csrfHeaders(), body: JSON.stringify({ archived }) });
      if (response.ok) {
        // Out of the sidebar; a search keeps showing it, now with the other menu.
        const chat = state.chats.find((c) => c.id === id);
        if (state.query && chat) chat.archived = archived;
        else if (archived) state.chats = state.chats.filter((c) => c.id !== id);
        render();
        // The open chat's page shows (or drops) its "archived" bar.
        document.dispatchEvent(new CustomEvent("cbf:archived", { detail: { id, archived } }));
      }
    } else if (event.target.closest(".delete-chat")) {
      const chat = state.chats.find((c) => c.id === id);
      const message = label("ConfirmDelete").replace("__T__", () => (chat ? chat.title : ""));
      const yes = await window.CBF.ask({ message, confirm: label("Delete"), danger: true });
      if (!yes) return;
      const response = await fetch("/api/chats/" + id, { method: "DELETE", headers: csrfHeaders() });
      if (response.ok) {
        state.chats = state.chats.filter((c) => c.id !== id);
        if (id === activeId()) window.location.href = "/";
        else render();
      }
    }
  });

  window.CBF = window.CBF || {};
  window.CBF.sidebar = {
    upsert(chat) {
      state.chats = [chat].concat(state.chats.filter((c) => c.id !== chat.id));
      render();
      list.querySelectorAll(".chat-item").forEach((row) => row.classList.toggle("active", row.dataset.id === chat.id));
    },
    refresh() { load(true); },
  };

  load(true);
})();
