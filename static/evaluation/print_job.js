// Batch printing: poll the job's small JSON endpoint and move the progress bar until the PDFs are ready.
// A static file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var box = document.getElementById("print-progress");
  if (!box) { return; }
  var bar = box.querySelector(".job-bar");
  var done = box.querySelector(".job-done");
  var status = box.querySelector(".job-status");
  var error = box.querySelector(".job-error");
  var parts = box.querySelector(".job-parts");

  function show(data) {
    bar.value = data.percent;
    done.textContent = data.done;
    status.textContent = status.getAttribute("data-" + data.status) || data.status;
    error.textContent = data.error || "";
    box.setAttribute("data-status", data.status);
    if (data.status === "done" && parts.children.length === 0) {
      data.parts.forEach(function (url, index) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.className = "btn btn-success btn-sm mt-1";
        link.href = url;
        link.textContent = parts.getAttribute("data-label") + " " + (index + 1);
        item.appendChild(link);
        parts.appendChild(item);
      });
    }
  }

  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { show(data); }
        if (!data || data.status === "queued" || data.status === "running") { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (box.getAttribute("data-status") === "queued" || box.getAttribute("data-status") === "running") { poll(); }
}());
