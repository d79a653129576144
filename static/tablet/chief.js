/* The chief judge's view: refresh the progress numbers every 15 seconds without reloading the page. */
(function () {
  "use strict";
  const live = document.getElementById("chief-live");
  if (!live) return;
  async function refresh() {
    try {
      const response = await fetch(live.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const state = await response.json();
      for (const [judge, [done, expected]] of Object.entries(state.progress)) {
        const cell = document.querySelector(`tr[data-judge="${judge}"] .done`);
        if (cell) cell.textContent = `${done} / ${expected}`;
      }
      live.dataset.ready = String(state.ready);
    } catch (error) {
      /* offline: keep what is shown */
    }
  }
  setInterval(refresh, 15000);
})();
