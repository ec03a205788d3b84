// Resumable uploads with the vendored tus-js-client: each file shows a <progress> and a percentage
// (announced through aria-live), retries with growing delays on a bad network, and resumes from
// the last byte the server stored, even after the page was closed (fingerprints in localStorage).
//
// Two uses: the upload page (#evidence-upload), and pickers inside other forms
// ([data-evidence-picker], e.g. an incident report) where each stored file is added, ticked, to
// the form's list of files to attach, by the evidence ID the server answers (Evidence-Id).
(function () {
  "use strict";
  if (!window.tus) { return; }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function row(list, file, messages) {
    var item = document.createElement("li");
    var name = document.createElement("strong"); name.textContent = file.name;
    var bar = document.createElement("progress"); bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", messages.msgSending + " " + file.name);
    var text = document.createElement("span"); text.className = "status"; text.textContent = "0%";
    item.append(name, bar, text); list.append(item);
    return { item: item, bar: bar, text: text };
  }

  // What the observer reads when a file could not be sent: what happened and what the app does
  // next, in their language (the strings of {% pwa_config %}), never tus's own English error
  // ("tus: failed to create upload, caused by [object ProgressEvent]"). Returns {text, retry}:
  // retry is true when the app sends the file again by itself (a network or server failure).
  function uploadTexts() {  // read when needed: the config block comes after this script in the page
    var config = document.getElementById("app-config");
    return config ? (JSON.parse(config.textContent).strings.upload || {}) : {};
  }
  function failureText(error) {
    var UPLOAD_TEXTS = uploadTexts();
    var response = error && error.originalResponse;
    var status = response ? response.getStatus() : 0;
    var body = response ? (response.getBody() || "").trim() : "";
    if (!status) { return { text: UPLOAD_TEXTS.offline || "", retry: true }; }
    if (status === 401 || (status === 403 && /credentials|CSRF/i.test(body))) { return { text: UPLOAD_TEXTS.login || "", retry: false }; }
    if (status >= 500 || status === 409 || status === 423 || status === 429) { return { text: UPLOAD_TEXTS.server || "", retry: true }; }
    if (status === 413 && !body) { return { text: UPLOAD_TEXTS.tooLarge || "", retry: false }; }
    // The server's own reason (plain text, in the observer's language) when it gave one.
    var refused = UPLOAD_TEXTS.refused || "";
    return { text: body && body.length < 300 && !/^\s*</.test(body) ? refused + " " + body : refused + " " + (UPLOAD_TEXTS.generic || ""), retry: false };
  }

  // Send one file. options: endpoint, csrf, metadata (station, election, purpose), list (<ul> for
  // the progress row), messages (the element's data-msg-* dataset), onStored(evidenceId), onFailed().
  function send(file, options) {
    var view = row(options.list, file, options.messages);
    var evidenceId = null;
    // A stable client_id per file and page session, so a retried creation is the same upload.
    var metadata = { filename: file.name, filetype: file.type, client_id: uuid() };
    Object.keys(options.metadata).forEach(function (key) {
      if (options.metadata[key]) { metadata[key] = String(options.metadata[key]); }
    });
    var upload = new tus.Upload(file, {
      endpoint: options.endpoint,
      chunkSize: 4 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000],
      headers: { "X-CSRFToken": options.csrf },
      metadata: metadata,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var percent = total ? Math.floor(sent / total * 100) : 0;
        view.bar.value = percent; view.text.textContent = percent + "%";
      },
      onAfterResponse: function (request, response) {
        var id = response.getHeader("Evidence-Id");
        if (id) { evidenceId = id; }
      },
      onShouldRetry: function (error, attempt) {
        var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        var retry = !status || status >= 500 || status === 409 || status === 423;
        if (retry) { view.text.textContent = options.messages.msgRetry; }
        return retry;
      },
      onError: function (error) {
        var failure = failureText(error);
        view.text.textContent = failure.text || options.messages.msgFailed;
        view.text.className = "status failed"; view.item.setAttribute("role", "alert");
        if (failure.retry) {
          // Resumed from the last byte the server stored: when the phone is online again, or in a minute.
          var again = function () {
            window.removeEventListener("online", again); clearTimeout(timer);
            view.text.className = "status"; view.item.removeAttribute("role"); view.text.textContent = options.messages.msgRetry;
            upload.start();
          };
          var timer = setTimeout(again, 60000);
          window.addEventListener("online", again);
          return;
        }
        if (options.onFailed) { options.onFailed(); }
      },
      onSuccess: function () {
        view.bar.value = 100; view.text.textContent = "100% · " + options.messages.msgDone;
        view.text.className = "status done";
        if (options.onStored) { options.onStored(evidenceId, file); }
      }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  window.EvidenceUpload = { send: send };

  // --- The upload page ---------------------------------------------------------------------------
  var form = document.getElementById("evidence-upload");
  // An outbox form is sent by outbox.js (queued on the phone, no final give-up); this client sends it
  // only in a browser without IndexedDB, where outbox.js does not run.
  if (form && !(form.hasAttribute("data-outbox") && window.indexedDB && window.fetch)) {
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var refreshList = function () {
      fetch(form.dataset.list, { credentials: "same-origin" }).then(function (response) { return response.text(); })
        .then(function (html) { document.getElementById("evidence-mine").innerHTML = html; });
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var files = form.querySelector("input[type=file]").files;
      var purpose = form.querySelector("select[name=purpose]").value;
      Array.prototype.forEach.call(files, function (file) {
        send(file, { endpoint: form.dataset.endpoint, csrf: csrf, list: document.getElementById("evidence-progress"),
                     messages: form.dataset, metadata: { station: form.dataset.station, election: form.dataset.election,
                                                purpose: purpose },
                     onStored: refreshList });
      });
      form.reset();
      form.querySelector("select[name=purpose]").value = purpose;
    });
  }

  // --- Pickers inside other forms ----------------------------------------------------------------
  document.querySelectorAll("[data-evidence-picker]").forEach(function (picker) {
    var owner = picker.closest("form");
    if (owner.hasAttribute("data-outbox")) { return; }  // its files wait in the outbox (outbox.js)
    var input = picker.querySelector("[data-evidence-files]");
    var choices = picker.querySelector("[data-evidence-choices]");
    var pending = 0;

    function target() {
      var station = picker.dataset.station, election = picker.dataset.election;
      if (picker.dataset.targets) {
        var map = JSON.parse(document.getElementById(picker.dataset.targets).textContent);
        var field = document.getElementById(picker.dataset.deploymentField);
        var chosen = field && map[field.value];
        if (chosen) { station = chosen.station; election = chosen.election; }
      }
      return { station: station, election: election, purpose: picker.dataset.purpose };
    }

    function setBusy(delta) {
      pending += delta;
      owner.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.disabled = pending > 0;
      });
      owner.setAttribute("aria-busy", pending > 0 ? "true" : "false");
    }

    function choose(evidenceId, file) {
      if (!evidenceId) { return; }
      var existing = choices.querySelector("input[value='" + evidenceId + "']");
      if (existing) { existing.checked = true; return; }
      var item = document.createElement("li"); item.className = "evidence-item";
      var box = document.createElement("input");
      box.type = picker.dataset.type; box.name = picker.dataset.name; box.value = evidenceId; box.checked = true;
      box.id = "evidence-chosen-" + evidenceId;
      var label = document.createElement("label"); label.htmlFor = box.id; label.className = "evidence-choice";
      var name = document.createElement("strong"); name.textContent = file.name;
      label.append(name); item.append(box, label); choices.append(item);
    }

    input.addEventListener("change", function () {
      var metadata = target();
      Array.prototype.forEach.call(input.files, function (file) {
        setBusy(1);
        send(file, {
          endpoint: picker.dataset.endpoint, csrf: owner.querySelector("[name=csrfmiddlewaretoken]").value,
          list: picker.querySelector("[data-evidence-progress]"), messages: picker.dataset, metadata: metadata,
          onStored: function (evidenceId) { choose(evidenceId, file); setBusy(-1); },
          onFailed: function () { setBusy(-1); }
        });
      });
      input.value = "";
    });

    owner.addEventListener("submit", function (event) {
      if (pending > 0) { event.preventDefault(); event.stopImmediatePropagation(); }
    });
  });
}());
