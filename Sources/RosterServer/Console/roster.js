// Progressive enhancement for the Roster console: every page works without this file.
// - [data-copy]: a button that copies the text of the element whose id it names.
// - form[data-confirm]: asks before submitting (the server still requires the form's own confirmation field).
// - [data-live-sync-log]: appends new sync-log entries as they arrive (server-sent events).
// - [data-print]: a button that prints the page (the report; the browser's own Print does the same).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
const live = document.querySelector("[data-live-sync-log]");
if (live && window.EventSource) {
  const source = new EventSource(live.dataset.liveSyncLog);
  const status = document.getElementById("live-status");
  source.addEventListener("entry", (event) => {
    const entry = JSON.parse(event.data);
    const row = document.createElement("tr");
    for (const value of [entry.at, entry.action, entry.user || "", entry.provider || "", entry.detail || ""]) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.appendChild(cell);
    }
    live.prepend(row);
  });
  source.onopen = () => { if (status) status.textContent = "Live: new entries appear at the top."; };
  source.onerror = () => { if (status) status.textContent = "Live updates paused; reload to resume."; };
}
