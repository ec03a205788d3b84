// Resumable uploads with the vendored tus-js-client: each file shows a <progress> and a percentage
// (announced through aria-live), retries with growing delays on a bad network, and resumes from
// the last byte the server stored, even after the page was closed (fingerprints in localStorage).
(function () {
  "use strict";
  var form = document.getElementById("evidence-upload");
  if (!form || !window.tus) { return; }
  var list = document.getElementById("evidence-progress");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function refreshList() {
    fetch(form.dataset.list, { credentials: "same-origin" }).then(function (response) { return response.text(); })
      .then(function (html) { document.getElementById("evidence-mine").innerHTML = html; });
  }

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("strong"); name.textContent = file.name;
    var bar = document.createElement("progress"); bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", form.dataset.msgSending + " " + file.name);
    var text = document.createElement("span"); text.className = "status"; text.textContent = "0%";
    item.append(name, bar, text); list.append(item);
    return { item: item, bar: bar, text: text };
  }

  function send(file, purpose) {
    var view = row(file);
    // A stable client_id per file and page session, so a retried creation is the same upload.
    var upload = new tus.Upload(file, {
      endpoint: form.dataset.endpoint,
      chunkSize: 4 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000],
      headers: { "X-CSRFToken": csrf },
      metadata: { filename: file.name, filetype: file.type, client_id: uuid(), station: form.dataset.station, purpose: purpose },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var percent = total ? Math.floor(sent / total * 100) : 0;
        view.bar.value = percent; view.text.textContent = percent + "%";
      },
      onShouldRetry: function (error, attempt) {
        var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        var retry = !status || status >= 500 || status === 409 || status === 423;
        if (retry) { view.text.textContent = form.dataset.msgRetry; }
        return retry;
      },
      onError: function (error) {
        var body = error.originalResponse ? error.originalResponse.getBody() : "";
        view.text.textContent = form.dataset.msgFailed + " " + (body || error.message);
        view.text.className = "status failed"; view.item.setAttribute("role", "alert");
      },
      onSuccess: function () {
        view.bar.value = 100; view.text.textContent = "100% · " + form.dataset.msgDone;
        view.text.className = "status done"; refreshList();
      }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = form.querySelector("input[type=file]").files;
    var purpose = form.querySelector("select[name=purpose]").value;
    Array.prototype.forEach.call(files, function (file) { send(file, purpose); });
    form.reset();
    form.querySelector("select[name=purpose]").value = purpose;
  });
}());
