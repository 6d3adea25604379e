// The API keys page: copy a new key's secret (shown once) with one click.
(() => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      if (!(await window.CBF.copy(field.value))) {
        field.select();
        return;
      }
      const label = button.textContent;
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });
})();
