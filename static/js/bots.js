// The bot editor: the avatar preview follows the emoji and colour fields; the share link shows
// the whole address and copies it.
(function () {
  "use strict";
  const preview = document.getElementById("avatar-preview");
  const emoji = document.getElementById("bot-emoji");
  if (preview && emoji) {
    emoji.addEventListener("input", () => {
      preview.textContent = emoji.value.trim() || "🤖";
    });
    document.querySelectorAll("input[name=color]").forEach((radio) => {
      radio.addEventListener("change", () => {
        preview.className = preview.className.replace(/avatar-[a-z]+/, "avatar-" + radio.value);
      });
    });
  }
  // While the bot's PDF is being read, its state follows `/bots/{id}/status`; the page reloads
  // when the reading ends (ready or failed).
  const pdf = document.querySelector("[data-pdf-status]");
  if (pdf && (pdf.dataset.pdfStatus === "new" || pdf.dataset.pdfStatus === "ingesting")) {
    const poll = async () => {
      try {
        const response = await fetch(`/bots/${pdf.dataset.bot}/status`, {
          headers: { Accept: "application/json" },
        });
        if (response.ok) {
          const body = await response.json();
          if (body.pdf !== pdf.dataset.pdfStatus && body.pdf !== "new" && body.pdf !== "ingesting") {
            window.location.replace(`/bots/${pdf.dataset.bot}/edit`);
            return;
          }
          // Translated by the server: "waiting for a free reading slot (2 ahead)", or chunks done.
          const place = document.getElementById("bot-pdf-progress");
          if (place) place.textContent = body.progress_text || "";
        }
      } catch (_) {
        // Offline for a moment: try again.
      }
      window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 1000);
  }
  const link = document.getElementById("share-link");
  const copy = document.getElementById("copy-share-link");
  if (link) {
    link.value = window.location.origin + link.dataset.path;
    link.addEventListener("focus", () => link.select());
  }
  if (link && copy) {
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(link.value);
      } catch (_) {
        link.select();
        document.execCommand("copy");
      }
      const label = copy.textContent;
      copy.textContent = copy.dataset.copied;
      setTimeout(() => { copy.textContent = label; }, 1500);
    });
  }
})();
