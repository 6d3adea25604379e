// PDF models (admin): while a model is being read, its progress bar follows the server's
// `/admin/models/status`; when a model's status changes, the page reloads to show its new state.
(function () {
  "use strict";
  const live = document.querySelector("[data-models-live]");
  if (!live) return;
  const known = new Map();
  document.querySelectorAll("[data-model][data-status]").forEach((el) => {
    known.set(el.dataset.model, el.dataset.status);
  });
  async function tick() {
    let body;
    try {
      const response = await fetch("/admin/models/status", { headers: { Accept: "application/json" } });
      if (!response.ok) return schedule(3000);
      body = await response.json();
    } catch (_) {
      return schedule(3000);
    }
    for (const model of body.models) {
      const before = known.get(model.id);
      if (before !== undefined && before !== model.status) {
        window.location.reload();
        return;
      }
      const row = document.querySelector(`[data-model="${model.id}"]`);
      const bar = row && row.querySelector(".ingest-progress");
      const text = row && row.querySelector(".progress-text");
      if (bar && model.progress && model.progress.total > 0) {
        bar.value = Math.round((model.progress.done * 100) / model.progress.total);
      }
      // Translated by the server: the step with its units and time left, "waiting, 2 ahead",
      // or read by another server.
      if (text && model.progress_text != null) text.textContent = model.progress_text;
      const phases = row && row.querySelector(".phases");
      const current = ["reading", "embedding", "indexing"].indexOf(model.stage);
      if (phases && current >= 0) {
        phases.querySelectorAll(".phase").forEach((phase, i) => {
          const state = i < current ? "done" : i === current ? "current" : "next";
          phase.className = `phase ${state}`;
          phase.dataset.state = state;
        });
      }
      const pages = row && row.querySelector("#model-pages");
      if (pages && model.progress && model.progress.pages > 0) pages.textContent = model.progress.pages;
      const chunks = row && row.querySelector("#model-chunks");
      if (chunks && model.progress && model.progress.total > 0 && model.stage !== "waiting") {
        chunks.textContent = model.progress.total;
      }
    }
    schedule(1000);
  }
  function schedule(ms) {
    window.setTimeout(tick, ms);
  }
  schedule(1000);
})();
