// The chat page: send prompts, follow answers over Server-Sent Events, stop, retry,
// regenerate, switch models. HTML inside answers always comes from the server's sanitiser;
// everything this script writes itself goes through textContent.
(function () {
  "use strict";

  const conversation = document.getElementById("conversation");
  if (!conversation) return;
  const messages = document.getElementById("messages");
  const emptyChat = document.getElementById("empty-chat");
  const composer = document.getElementById("composer");
  const prompt = document.getElementById("prompt");
  const sendButton = document.getElementById("send");
  const stopButton = document.getElementById("stop");
  const note = document.getElementById("composer-note");
  const limitNotice = document.getElementById("limit-notice");
  const limitText = document.getElementById("limit-text");
  const modelName = document.getElementById("model-name");
  const label = (name) => conversation.dataset["label" + name] || "";

  const state = {
    chatId: conversation.dataset.chatId || null,
    model: conversation.dataset.model || "",
    busy: false,
    answer: null, // the assistant <article> being written
  };

  // ---------- small DOM helpers ----------
  function icon(paths) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    paths.forEach((d) => {
      const el = document.createElementNS(ns, d.startsWith("rect") ? "rect" : "path");
      if (d.startsWith("rect")) {
        el.setAttribute("x", "9"); el.setAttribute("y", "9"); el.setAttribute("width", "12");
        el.setAttribute("height", "12"); el.setAttribute("rx", "2");
      } else {
        el.setAttribute("d", d);
      }
      svg.appendChild(el);
    });
    return svg;
  }
  function iconButton(className, title, paths) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button " + className;
    button.title = title;
    button.setAttribute("aria-label", title);
    button.appendChild(icon(paths));
    return button;
  }
  const COPY = ["rect", "M5 15V5a2 2 0 0 1 2-2h10"];
  const REGENERATE = ["M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5"];
  const EDIT = ["M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"];
  const THUMB_UP = ["M7 11v9H4v-9zM7 11l4-8c1.5 0 2.5 1 2 3l-1 4h6a2 2 0 0 1 2 2.3l-1.2 6A2 2 0 0 1 16.8 20H7"];
  const THUMB_DOWN = ["M7 13V4H4v9zM7 13l4 8c1.5 0 2.5-1 2-3l-1-4h6a2 2 0 0 0 2-2.3l-1.2-6A2 2 0 0 0 16.8 4H7"];
  function rateButton(rating) {
    const button = iconButton("rate-answer", label(rating === "up" ? "RateGood" : "RateBad"), rating === "up" ? THUMB_UP : THUMB_DOWN);
    button.dataset.rating = rating;
    button.setAttribute("aria-pressed", "false");
    return button;
  }

  function nearBottom() {
    return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 120;
  }
  // Reading back while an answer streams: the page stays put and a button offers the way down.
  const scrollButton = document.getElementById("scroll-bottom");
  function updateScrollButton() {
    if (scrollButton) scrollButton.hidden = nearBottom();
  }
  function scrollToBottom(force) {
    if (force || nearBottom()) conversation.scrollTop = conversation.scrollHeight;
    updateScrollButton();
  }
  conversation.addEventListener("scroll", updateScrollButton, { passive: true });
  if (scrollButton) {
    scrollButton.addEventListener("click", () => {
      conversation.scrollTo({ top: conversation.scrollHeight, behavior: "smooth" });
    });
  }

  function userMessage(text) {
    const article = document.createElement("article");
    article.className = "message user";
    const body = document.createElement("div");
    body.className = "message-body";
    body.textContent = text;
    const actions = document.createElement("div");
    actions.className = "message-actions";
    actions.append(iconButton("copy-message", label("Copy"), COPY), iconButton("edit-prompt", label("EditPrompt"), EDIT));
    article.append(body, actions);
    return article;
  }

  function assistantMessage() {
    const article = document.createElement("article");
    article.className = "message assistant";
    article.dataset.status = "streaming";
    const body = document.createElement("div");
    body.className = "message-body markdown typing";
    const actions = document.createElement("div");
    actions.className = "message-actions";
    const source = document.createElement("template");
    source.className = "message-source";
    article.append(body, actions, source);
    return article;
  }

  // An answer's Markdown source sits in a <template>: its text is in `content` (a page the
  // server rendered puts it there; the template element itself has no text).
  function setSource(article, text) {
    const source = article.querySelector(".message-source");
    if (source) source.content.textContent = text;
  }
  function sourceText(article) {
    const source = article.querySelector(".message-source");
    if (source) return source.content.textContent;
    const body = article.querySelector(".message-body");
    return body ? body.innerText : "";
  }

  function showEmpty(show) {
    if (emptyChat) emptyChat.hidden = !show;
  }

  // ---------- composer ----------
  // Characters as the server counts them (code points, not UTF-16 units). The counter shows
  // from 90% of the limit; over it, Send is off and the counter says so.
  const charCount = document.getElementById("char-count");
  const maxChars = Number(prompt.dataset.maxChars) || 0;
  function countChars() {
    if (!charCount || !maxChars) return false;
    const count = [...prompt.value].length;
    const over = count > maxChars;
    charCount.hidden = count < maxChars * 0.9;
    charCount.classList.toggle("over", over);
    const fill = (template) => template
      .replace("__C__", count.toLocaleString())
      .replace("__M__", maxChars.toLocaleString());
    // Short in the composer; the full sentence for screen readers and on hover.
    charCount.textContent = fill(charCount.dataset.label);
    charCount.title = over ? fill(charCount.dataset.labelOver) : "";
    charCount.setAttribute("aria-label", over ? fill(charCount.dataset.labelOver) : charCount.textContent);
    return over;
  }
  function grow() {
    prompt.style.height = "auto";
    prompt.style.height = Math.min(prompt.scrollHeight, 200) + "px";
    const over = countChars();
    sendButton.disabled = state.busy || prompt.value.trim() === "" || prompt.disabled || over;
  }
  function setBusy(busy) {
    state.busy = busy;
    prompt.readOnly = busy;
    stopButton.hidden = !busy;
    sendButton.hidden = busy;
    composer.classList.toggle("busy", busy);
    conversation.classList.toggle("busy", busy);
    grow();
  }
  function setRemaining(limit, remaining) {
    // At its limit the chat is read-only: no new prompt, no edited one.
    conversation.classList.toggle("at-limit", remaining <= 0);
    if (remaining <= 0) {
      composer.hidden = true;
      note.hidden = true;
      limitNotice.hidden = false;
      limitText.textContent = label("Limit").replace("__N__", limit);
      return;
    }
    if (remaining <= 5) {
      note.textContent = label("Remaining").replace("__N__", remaining);
      note.classList.add("remaining");
    } else {
      note.textContent = note.dataset.default;
      note.classList.remove("remaining");
    }
  }

  prompt.addEventListener("input", grow);
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!sendButton.disabled) composer.requestSubmit();
    }
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = prompt.value;
    if (state.busy || text.trim() === "") return;
    send(text);
  });
  stopButton.addEventListener("click", stop);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.busy) stop();
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.shiftKey && (event.key === "O" || event.key === "o")) {
      event.preventDefault();
      window.location.href = "/";
    }
  });

  // ---------- talking to the server ----------
  function headers() {
    return { "Content-Type": "application/json", "X-CSRF-Token": window.CBF.csrf(), Accept: "text/event-stream" };
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      return body.error && body.error.message ? body.error.message : response.statusText;
    } catch (_) {
      return response.statusText || label("Connection");
    }
  }

  // Reads an SSE body and calls onEvent(name, data) for each event.
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let boundary;
      while ((boundary = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        let name = "message";
        const data = [];
        frame.split("\n").forEach((line) => {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        });
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }

  // Applies one answer event to the article being written.
  function answerHandler(article, onAccepted) {
    const body = article.querySelector(".message-body");
    let text = "";
    let tail = null; // raw text appended since the last server-rendered HTML
    return function (name, data) {
      switch (name) {
        case "chat":
          state.chatId = data.id;
          conversation.dataset.chatId = data.id;
          history.replaceState(null, "", data.url);
          document.title = data.title + " · ChatBot Factory";
          if (window.CBF.sidebar) window.CBF.sidebar.upsert({ id: data.id, title: data.title, updated_at: new Date().toISOString() });
          state.titleFromPrompt = data.title;
          break;
        case "accepted": {
          article.dataset.id = data.answer_id;
          // The prompt is saved too: it can be edited from now on.
          const mine = article.previousElementSibling;
          if (data.user_message_id && mine && mine.classList.contains("user")) mine.dataset.id = data.user_message_id;
          setRemaining(data.limit, data.remaining);
          if (onAccepted) onAccepted();
          break;
        }
        case "queued":
          body.classList.add("waiting");
          body.textContent = label("Waiting").replace("__N__", data.position);
          break;
        case "delta":
          if (body.classList.contains("waiting")) { body.classList.remove("waiting"); body.textContent = ""; }
          text += data.text;
          if (!tail) {
            // Continue inside the last paragraph or list item (unless the text starts a new
            // line) until the next rendered HTML arrives.
            let target = body;
            const newLine = /^[ \t]*\n/.test(data.text);
            while (!newLine && target.lastElementChild && !/^(PRE|TABLE|HR|BR|H[1-6])$/.test(target.lastElementChild.tagName)) {
              target = target.lastElementChild;
            }
            tail = document.createElement(newLine ? "div" : "span");
            target.appendChild(tail);
          }
          tail.textContent += data.text;
          scrollToBottom(false);
          break;
        case "html":
        case "reset":
          if (name === "reset") text = data.text;
          body.classList.remove("waiting");
          body.innerHTML = data.html; // sanitised by the server
          tail = null;
          scrollToBottom(false);
          break;
        case "saving":
          showSaving(article, data);
          break;
        case "done":
          finishAnswer(article, data);
          break;
        default:
          break;
      }
      setSource(article, text);
    };
  }

  // The answer is finished but the server could not save it yet: show it as it will be saved,
  // and say so; "done" follows once it is saved (finishAnswer removes the notice).
  function showSaving(article, data) {
    const body = article.querySelector(".message-body");
    body.classList.remove("typing", "waiting");
    body.innerHTML = data.html; // sanitised by the server
    article.dataset.status = "saving";
    setSource(article, data.text || "");
    if (!article.querySelector(".message-status.saving")) {
      const status = document.createElement("div");
      status.className = "message-status saving";
      status.setAttribute("role", "status");
      status.textContent = label("Saving");
      article.insertBefore(status, article.querySelector(".message-actions"));
    }
  }

  function finishAnswer(article, data) {
    const body = article.querySelector(".message-body");
    body.classList.remove("typing", "waiting");
    body.innerHTML = data.html; // sanitised by the server
    article.dataset.status = data.status;
    article.dataset.id = data.answer_id;
    setSource(article, data.text || "");
    article.querySelectorAll(".message-status").forEach((el) => el.remove());
    const actions = article.querySelector(".message-actions");
    if (data.status === "failed" || data.status === "stopped") {
      const status = document.createElement("div");
      status.className = "message-status " + data.status;
      const span = document.createElement("span");
      span.textContent = data.status === "failed" ? label("Failed") + " " + (data.error || "") : label("Stopped");
      status.appendChild(span);
      if (data.status === "failed") {
        const retry = document.createElement("button");
        retry.type = "button";
        retry.className = "link-button retry-answer";
        retry.textContent = label("Retry");
        status.append(" ", retry);
        status.setAttribute("role", "alert");
      }
      article.insertBefore(status, actions);
    }
    actions.replaceChildren(iconButton("copy-message", label("Copy"), COPY), iconButton("regenerate-answer", label("Regenerate"), REGENERATE));
    if (data.status === "complete" && data.answer_id) {
      actions.append(rateButton("up"), rateButton("down"));
      actions.querySelectorAll(".rate-answer").forEach((b) => {
        const chosen = b.dataset.rating === data.rating;
        b.classList.toggle("chosen", chosen);
        b.setAttribute("aria-pressed", String(chosen));
      });
    }
    if (data.model) {
      const meta = document.createElement("span");
      meta.className = "message-meta";
      // The picker knows the model's display name (a PDF model's id means nothing to a reader).
      const option = document.querySelector(`.model-option[data-model="${CSS.escape(data.model)}"]`);
      let metaText = (option && option.dataset.name) || data.model;
      if (data.completion_tokens) metaText += " · " + label("Tokens").replace("__P__", data.prompt_tokens).replace("__C__", data.completion_tokens);
      meta.textContent = metaText;
      actions.appendChild(meta);
    }
    if (article._earlier) {
      const current = { id: data.answer_id, html: data.html, text: data.text || "", meta: metaText(article) };
      placeCurrent(article, article._earlier, current);
      delete article._earlier;
    }
    if (article._versions) renderSwitcher(article);
    state.answer = null;
    setBusy(false);
    scrollToBottom(false);
    if (state.titleFromPrompt && data.status === "complete") watchTitle(state.chatId, state.titleFromPrompt);
    state.titleFromPrompt = null;
  }

  // After a new chat's first answer the server may ask the model for a better title: look for
  // it a few times and show it in the sidebar and the tab.
  function watchTitle(chatId, oldTitle) {
    let tries = 0;
    const look = async () => {
      tries += 1;
      try {
        const response = await fetch("/api/chats", { headers: { Accept: "application/json" } });
        const chat = response.ok ? ((await response.json()).chats || []).find((c) => c.id === chatId) : null;
        if (chat && chat.title !== oldTitle) {
          if (state.chatId === chatId) document.title = chat.title + " · ChatBot Factory";
          if (window.CBF.sidebar) window.CBF.sidebar.upsert(chat);
          return;
        }
      } catch (e) { /* offline for a moment: try again */ }
      if (tries < 4) setTimeout(look, 1500 * tries);
    };
    setTimeout(look, 1200);
  }

  async function streamInto(article, request, onAccepted) {
    state.answer = article;
    setBusy(true);
    const handle = answerHandler(article, onAccepted);
    try {
      const response = await request();
      if (response.status === 204) return false;
      if (!response.ok) {
        const reason = await errorMessage(response);
        article.dataset.refusal = reason;
        finishAnswer(article, { status: "failed", error: reason, html: "", answer_id: article.dataset.id || "" });
        return false;
      }
      await readEvents(response, handle);
      if (state.answer === article) {
        // The connection ended without "done": the server keeps writing; show it on reload.
        finishAnswer(article, { status: "failed", error: label("Connection"), html: article.querySelector(".message-body").innerHTML, answer_id: article.dataset.id || "" });
      }
      return true;
    } catch (error) {
      if (state.answer === article) {
        finishAnswer(article, { status: "failed", error: label("Connection"), html: article.querySelector(".message-body").innerHTML, answer_id: article.dataset.id || "" });
      }
      return false;
    }
  }

  const composerError = document.getElementById("composer-error");
  function showComposerError(text) {
    composerError.textContent = text;
    composerError.hidden = false;
    prompt.focus();
  }
  prompt.addEventListener("input", () => { composerError.hidden = true; });

  async function send(text) {
    composerError.hidden = true;
    // A follow-up continues the branch on the screen, as on chatgpt.com: an earlier version
    // shown at a switcher goes on (an earlier answer without what followed the later one).
    const viewed = shownBranch();
    const hidden = viewed && !viewed.classList.contains("user") ? detachFollowing(viewed) : [];
    const body = { prompt: text, model: state.model };
    if (viewed) body.branch = { rank: rankOf(viewed), version: viewed._shown + 1 };
    showEmpty(false);
    const mine = userMessage(text);
    messages.appendChild(mine);
    const article = assistantMessage();
    messages.appendChild(article);
    scrollToBottom(true);
    prompt.value = "";
    grow();
    const url = state.chatId ? "/api/chats/" + state.chatId + "/messages" : "/api/chats";
    const ok = await streamInto(article, () =>
      fetch(url, { method: "POST", headers: headers(), body: JSON.stringify(body) })
    , () => { if (viewed) adoptShownVersion(viewed); });
    if (!ok && article.dataset.status === "failed" && !article.dataset.id) {
      // Refused before it was saved (too long, limit, blocked...): not an answer. Give the
      // text back and say why next to the composer.
      mine.remove();
      article.remove();
      if (hidden.length) viewed.after(...hidden);
      prompt.value = text;
      grow();
      showComposerError(article.dataset.refusal || label("Connection"));
      if (!messages.querySelector(".message")) showEmpty(true);
    }
  }

  // Where sending is refused (at the limit; a bot or model gone) no new answer is offered.
  const readOnly = () => conversation.classList.contains("at-limit") || conversation.classList.contains("read-only");

  async function regenerate(article) {
    if (state.busy || !state.chatId || readOnly()) return;
    const fresh = assistantMessage();
    // The answer replaced becomes the latest earlier version.
    const versions = versionsOf(article).slice();
    fresh._earlier = versions;
    article.replaceWith(fresh);
    await streamInto(fresh, () =>
      fetch("/api/chats/" + state.chatId + "/regenerate", { method: "POST", headers: headers(), body: JSON.stringify({ model: state.model }) })
    );
  }

  async function stop() {
    if (!state.chatId || !state.busy) return;
    await fetch("/api/chats/" + state.chatId + "/stop", { method: "POST", headers: headers() });
  }

  // ---------- message actions ----------
  messages.addEventListener("click", async (event) => {
    const copyCode = event.target.closest(".copy-code");
    if (copyCode) {
      const code = copyCode.closest("pre").querySelector("code");
      if (await window.CBF.copy(code ? code.innerText : "")) {
        copyCode.textContent = label("Copied");
        setTimeout(() => { copyCode.textContent = label("Copy"); }, 1500);
      }
      return;
    }
    const article = event.target.closest(".message");
    if (!article) return;
    if (event.target.closest(".copy-message")) {
      const text = article.classList.contains("user") ? article.querySelector(".message-body").textContent : sourceText(article);
      if (await window.CBF.copy(text)) window.CBF.toast(label("Copied"));
    } else if (event.target.closest(".rate-answer")) {
      // Thumbs up/down; the same thumb again takes the rating back.
      const button = event.target.closest(".rate-answer");
      const rating = button.getAttribute("aria-pressed") === "true" ? null : button.dataset.rating;
      const response = await fetch("/api/chats/" + state.chatId + "/answers/" + article.dataset.id + "/rating", {
        method: "PUT", headers: headers(), body: JSON.stringify({ rating }),
      });
      if (!response.ok) return;
      const saved = (await response.json()).rating;
      article.querySelectorAll(".rate-answer").forEach((b) => {
        const chosen = b.dataset.rating === saved;
        b.classList.toggle("chosen", chosen);
        b.setAttribute("aria-pressed", String(chosen));
      });
    } else if (event.target.closest(".regenerate-answer, .retry-answer")) {
      // Only the last answer is regenerated (the server answers the end of the conversation).
      if (article.nextElementSibling === null) regenerate(article);
    }
  });

  // Translate the copy buttons the server put into code blocks.
  function relabel(root) {
    const text = label("Copy");
    root.querySelectorAll(".copy-code").forEach((button) => {
      // Only when different: each change is itself a mutation the observer sees.
      if (button.textContent !== text && button.textContent !== label("Copied")) button.textContent = text;
    });
  }
  relabel(messages);
  new MutationObserver(() => relabel(messages)).observe(messages, { childList: true, subtree: true });

  // ---------- older messages ----------
  const loadEarlier = document.getElementById("load-earlier");
  if (loadEarlier) {
    loadEarlier.addEventListener("click", async () => {
      const first = messages.querySelector(".message");
      const before = first ? first.dataset.rank : "";
      const response = await fetch("/api/chats/" + state.chatId + "/messages?before=" + before);
      if (!response.ok) return;
      const data = await response.json();
      const height = conversation.scrollHeight;
      const anchor = document.getElementById("load-earlier-wrap").nextSibling;
      data.messages.forEach((m) => {
        const article = messageFromJson(m);
        messages.insertBefore(article, anchor);
        if (article._earlier) renderSwitcher(article);
      });
      if (!data.has_more) document.getElementById("load-earlier-wrap").remove();
      conversation.scrollTop += conversation.scrollHeight - height;
    });
  }
  // A message that came as JSON (older messages, a set-aside branch).
  function messageFromJson(m) {
    let article;
    if (m.role === "user") {
      article = userMessage(m.text);
      if (m.versions && m.versions.length) {
        article._earlier = m.versions.map((v) => ({ id: String(v.id), text: v.text, branch: v.branch || [] }));
        article.dataset.version = m.version_index || 0;
      }
    } else {
      article = assistantMessage();
      article.querySelector(".message-body").classList.remove("typing");
      finishAnswerStatic(article, m);
    }
    article.dataset.rank = m.rank;
    article.dataset.id = m.id;
    return article;
  }

  // ---------- earlier versions of a prompt (an edit branches the chat: "‹ 1/2 ›") ----------
  // Every version: { text, and the messages that followed it: nodes (detached while another
  // version shows), or a server template, or JSON }; the last is the conversation going on.
  function promptVersionsOf(article) {
    if (!article._versions) {
      const earlier = Array.from(article.querySelectorAll("template.prompt-version")).map((t) => ({
        id: t.dataset.id,
        text: t.content.querySelector(".version-text").textContent,
        template: t.content.querySelector(".version-branch"),
      }));
      const current = { id: article.dataset.id, text: article.querySelector(".message-body").textContent, nodes: null };
      placeCurrent(article, earlier.concat(article._earlier || []), current);
    }
    return article._versions;
  }
  // The message's versions, oldest first, with the conversation's own at its place (a restored
  // branch's message is not always the newest: the server says where, `data-version`).
  function placeCurrent(article, others, current) {
    const given = article.dataset.version;
    const at = given === undefined || given === "" ? others.length : Math.min(Number(given), others.length);
    const versions = others.slice();
    versions.splice(at, 0, current);
    article._versions = versions;
    article._shown = at;
    article._current = at;
  }
  const currentOf = (article) => (article._current === undefined ? article._versions.length - 1 : article._current);
  // The version shown at a switcher when it is not the conversation's: the branch a follow-up
  // continues (the first from the top; what follows it belongs to it).
  function shownBranch() {
    return Array.from(messages.querySelectorAll(":scope > .message")).find((a) => a._versions && a._shown !== currentOf(a)) || null;
  }
  // A message's place in the conversation: the server's, or counted from the last one placed
  // (a message sent from this page has none).
  function rankOf(article) {
    let steps = 0;
    for (let a = article; a; a = a.previousElementSibling) {
      if (!a.classList.contains("message")) continue;
      if (a.dataset.rank) return Number(a.dataset.rank) + steps;
      steps += 1;
    }
    return steps;
  }
  // The server accepted a follow-up on the version shown: it is the conversation's now.
  function adoptShownVersion(article) {
    const shown = article._versions[article._shown];
    if (shown.id) article.dataset.id = shown.id;
    article._current = article._shown;
    let next = article.nextElementSibling;
    while (next && next.classList.contains("message")) {
      next.classList.toggle("earlier-version", Boolean(next._versions) && next._shown !== currentOf(next));
      next = next.nextElementSibling;
    }
    renderSwitcher(article);
  }
  function branchNodes(version) {
    if (!version.nodes) {
      if (version.template) {
        version.nodes = Array.from(version.template.children).map((node) => document.importNode(node, true));
      } else {
        version.nodes = (version.branch || []).map(messageFromJson);
      }
    }
    return version.nodes;
  }
  function detachFollowing(article) {
    const nodes = [];
    while (article.nextElementSibling && article.nextElementSibling.classList.contains("message")) {
      const next = article.nextElementSibling;
      next.remove();
      nodes.push(next);
    }
    return nodes;
  }
  function showPromptVersion(article, step) {
    const versions = promptVersionsOf(article);
    const from = article._shown;
    const to = Math.min(Math.max(from + step, 0), versions.length - 1);
    if (to === from) return;
    versions[from].nodes = detachFollowing(article);
    const nodes = branchNodes(versions[to]);
    // A branch that was left is read, not edited; a follow-up sent while it shows continues it.
    const earlier = to !== currentOf(article);
    nodes.forEach((node) => node.classList.toggle("earlier-version", earlier || (Boolean(node._versions) && node._shown !== currentOf(node))));
    article.after(...nodes);
    article.querySelector(".message-body").textContent = versions[to].text;
    article._shown = to;
    renderSwitcher(article);
  }

  function openEditor(article) {
    if (state.busy || !article.dataset.id || article.querySelector(".prompt-editor")) return;
    const body = article.querySelector(".message-body");
    const editor = document.createElement("form");
    editor.className = "prompt-editor";
    const area = document.createElement("textarea");
    area.value = body.textContent;
    area.rows = Math.min(10, Math.max(2, area.value.split("\n").length));
    area.setAttribute("aria-label", label("EditPrompt"));
    const buttons = document.createElement("div");
    buttons.className = "prompt-editor-actions";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button";
    cancel.textContent = label("Cancel");
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "button primary";
    save.textContent = label("EditSend");
    buttons.append(cancel, save);
    editor.append(area, buttons);
    const close = () => {
      editor.remove();
      body.hidden = false;
      article.classList.remove("editing");
    };
    body.hidden = true;
    article.classList.add("editing");
    body.after(editor);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
    cancel.addEventListener("click", close);
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      }
    });
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = area.value;
      if (!text.trim()) return;
      close();
      if (text !== body.textContent) editPrompt(article, text);
    });
  }

  async function editPrompt(article, text) {
    if (state.busy || !state.chatId) return;
    const versions = promptVersionsOf(article);
    const body = article.querySelector(".message-body");
    const previousId = article.dataset.id;
    const current = currentOf(article);
    const before = { id: previousId, text: body.textContent, nodes: detachFollowing(article) };
    versions[current] = before;
    const edited = { text, nodes: null };
    versions.push(edited);
    article._shown = versions.length - 1;
    article._current = article._shown;
    body.textContent = text;
    renderSwitcher(article);
    const answer = assistantMessage();
    article.after(answer);
    scrollToBottom(true);
    const ok = await streamInto(answer, () =>
      fetch("/api/chats/" + state.chatId + "/messages/" + previousId + "/edit", { method: "POST", headers: headers(), body: JSON.stringify({ prompt: text, model: state.model }) })
    );
    if (!ok && answer.dataset.status === "failed" && !answer.dataset.id) {
      // Refused (limit, quota, too long...): nothing changed; put the conversation back.
      answer.remove();
      versions.pop();
      versions[current] = { id: previousId, text: before.text, nodes: null };
      article.after(...before.nodes);
      body.textContent = before.text;
      article.dataset.id = previousId;
      article._shown = current;
      article._current = current;
      renderSwitcher(article);
      showComposerError(answer.dataset.refusal || label("Connection"));
    } else {
      edited.id = article.dataset.id;
    }
  }

  // ---------- earlier versions of an answer (Regenerate keeps them: "‹ 1/2 ›") ----------
  // Every version: { html (sanitised by the server), text (Markdown source) }; the last is the
  // answer the conversation goes on from.
  function versionsOf(article) {
    if (article.classList.contains("user")) return promptVersionsOf(article);
    if (!article._versions) {
      const earlier = Array.from(article.querySelectorAll("template.answer-version")).map((t) => ({
        id: t.dataset.id,
        html: t.content.querySelector(".version-html").innerHTML,
        text: t.content.querySelector(".version-text").textContent,
        meta: t.content.querySelector(".version-meta").textContent,
      }));
      const body = article.querySelector(".message-body");
      placeCurrent(article, earlier, { id: article.dataset.id, html: body.innerHTML, text: sourceText(article), meta: metaText(article) });
    }
    return article._versions;
  }
  function renderSwitcher(article) {
    const versions = versionsOf(article);
    const actions = article.querySelector(".message-actions");
    let switcher = actions.querySelector(".versions");
    if (versions.length < 2) {
      if (switcher) switcher.remove();
      return;
    }
    if (!switcher) {
      switcher = document.createElement("span");
      switcher.className = "versions";
      const step = (name, arrow, text) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "icon-button " + name;
        button.textContent = arrow;
        button.setAttribute("aria-label", text);
        button.title = text;
        return button;
      };
      const count = document.createElement("span");
      count.className = "version-count";
      count.setAttribute("aria-live", "polite");
      const prefix = article.classList.contains("user") ? "PromptVersion" : "Version";
      switcher.append(step("version-previous", "‹", label(prefix + "Previous")), count, step("version-next", "›", label(prefix + "Next")));
      actions.prepend(switcher);
    }
    const shown = article._shown;
    switcher.querySelector(".version-count").textContent = shown + 1 + "/" + versions.length;
    switcher.querySelector(".version-previous").disabled = shown === 0;
    switcher.querySelector(".version-next").disabled = shown === versions.length - 1;
    // Thumbs and Regenerate belong to the answer the conversation goes on from.
    article.classList.toggle("earlier-version", shown !== currentOf(article));
  }
  function metaText(article) {
    const meta = article.querySelector(".message-meta");
    return meta ? meta.textContent : "";
  }
  // "model · tokens" as the server writes it, for a version that came as JSON.
  function versionMeta(v) {
    if (!v.model) return "";
    let text = v.model_name || v.model;
    if (v.completion_tokens) text += " · " + label("Tokens").replace("__P__", v.prompt_tokens).replace("__C__", v.completion_tokens);
    return text;
  }
  function showVersion(article, step) {
    if (article.classList.contains("user")) return showPromptVersion(article, step);
    const versions = versionsOf(article);
    const shown = Math.min(Math.max(article._shown + step, 0), versions.length - 1);
    article._shown = shown;
    article.querySelector(".message-body").innerHTML = versions[shown].html;
    setSource(article, versions[shown].text);
    const meta = article.querySelector(".message-meta");
    if (meta) meta.textContent = versions[shown].meta || "";
    renderSwitcher(article);
  }
  messages.querySelectorAll(".message").forEach((article) => {
    if (article.querySelector(":scope > template.answer-version, :scope > template.prompt-version")) renderSwitcher(article);
  });
  messages.addEventListener("click", (event) => {
    const button = event.target.closest(".version-previous, .version-next");
    if (button) {
      const article = button.closest(".message");
      // Another branch cannot show while an answer is being written into this one.
      if (article.classList.contains("user") && state.busy) return;
      showVersion(article, button.classList.contains("version-next") ? 1 : -1);
      return;
    }
    const edit = event.target.closest(".edit-prompt");
    if (edit && !readOnly()) openEditor(edit.closest(".message"));
  });

  function finishAnswerStatic(article, m) {
    const wasAnswer = state.answer;
    if (m.versions && m.versions.length) {
      article._earlier = m.versions.map((v) => ({ id: String(v.id), html: v.html, text: v.text, meta: versionMeta(v) }));
      article.dataset.version = m.version_index || 0;
    }
    finishAnswer(article, { status: m.status, error: m.error, html: m.html, text: m.text, model: m.model,
      prompt_tokens: m.prompt_tokens, completion_tokens: m.completion_tokens, answer_id: m.id, rating: m.rating });
    state.answer = wasAnswer;
    if (wasAnswer) setBusy(true);
  }

  // ---------- model picker ----------
  document.querySelectorAll(".model-option").forEach((option) => {
    option.addEventListener("click", async () => {
      if (option.disabled) return;
      state.model = option.dataset.model;
      document.querySelectorAll(".model-option").forEach((o) => o.setAttribute("aria-checked", String(o === option)));
      modelName.textContent = option.dataset.name;
      const gone = document.getElementById("model-gone");
      if (gone) gone.remove();
      // The chat's model had left the picker: on the model picked instead it goes on.
      const goneNotice = document.getElementById("model-gone-notice");
      if (goneNotice) {
        goneNotice.remove();
        conversation.classList.remove("read-only");
        if (!conversation.classList.contains("at-limit")) {
          composer.hidden = false;
          note.hidden = false;
        }
        grow();
      }
      document.getElementById("model-menu").hidden = true;
      if (state.chatId) {
        await fetch("/api/chats/" + state.chatId, { method: "PATCH", headers: headers(), body: JSON.stringify({ model: state.model }) });
      }
    });
  });

  // ---------- an archived chat: a bar above the composer says so and undoes it ----------
  const archivedNotice = document.getElementById("archived-notice");
  if (archivedNotice) {
    // The sidebar archives or unarchives the open chat too.
    document.addEventListener("cbf:archived", (event) => {
      if (event.detail.id === state.chatId) archivedNotice.hidden = !event.detail.archived;
    });
    document.getElementById("unarchive-chat").addEventListener("click", async () => {
      const response = await fetch("/api/chats/" + state.chatId, { method: "PATCH", headers: headers(), body: JSON.stringify({ archived: false }) });
      if (!response.ok) return;
      archivedNotice.hidden = true;
      if (window.CBF.sidebar) window.CBF.sidebar.refresh();
    });
  }

  // ---------- a bot's conversation starters (its start page) ----------
  document.querySelectorAll(".starter").forEach((starter) => {
    starter.addEventListener("click", () => {
      if (starter.disabled) return;
      const prompt = document.getElementById("prompt");
      prompt.value = starter.dataset.prompt;
      prompt.dispatchEvent(new Event("input"));
      document.getElementById("composer").requestSubmit();
    });
  });

  // ---------- an answer still being written when the page opened ----------
  if (conversation.dataset.streaming === "true") {
    const article = messages.querySelector(".message.assistant:last-of-type");
    if (article) {
      streamInto(article, () => fetch("/api/chats/" + state.chatId + "/stream", { headers: { Accept: "text/event-stream" } })).then((followed) => {
        if (!followed) setTimeout(() => window.location.reload(), 3000);
      });
    }
  }

  grow();
  scrollToBottom(true);
})();
