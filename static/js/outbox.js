// The observer's phone app: drafts, outbox and sync, with no framework.
//
// Drafts: a form marked data-draft keeps what is typed in IndexedDB as it is typed (passwords
// never), and gets it back after a reload, a closed tab, a language switch, a form error or a new
// login. Outbox: a form marked data-outbox is not posted by the browser; it is queued with its
// client-made UUID (the form's client_id, which the server is idempotent by), with its photos kept
// as files on the phone and hashed (SHA-256) when picked. The queue is sent in order through the
// resumable upload (tus: resumes from the server's offset) and then the form's own URL, on
// Background Sync, on `online`, when the app is opened or shown, and every 30 seconds. An item
// leaves the phone's storage once the server has acknowledged it; refused items show the server's
// reason (in the observer's language) and open again in their form to be corrected.
(function () {
  "use strict";
  var configElement = document.getElementById("app-config");
  if (!configElement || !window.indexedDB || !window.fetch) { return; }
  var app = JSON.parse(configElement.textContent);
  var T = app.strings;
  var wiped = false;
  var progress = {};  // item id -> percent, while sending (not stored)
  var LARGE = 32 * 1024 * 1024;

  // --- IndexedDB ---------------------------------------------------------------------------------
  var opening = null;
  function db() {
    if (wiped) { return Promise.reject(new Error("wiped")); }
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open("observer-app", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("drafts");
          request.result.createObjectStore("outbox", { keyPath: "id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opening;
  }
  function store(name, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(request ? request.result : undefined); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }
  function get(name, key) { return store(name, "readonly", function (s) { return s.get(key); }); }
  function all(name) { return store(name, "readonly", function (s) { return s.getAll(); }); }
  function put(name, value, key) { return store(name, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); }); }
  function remove(name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); }

  function uuid() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }
  function loadScript(src) {
    if (loadScript[src]) { return loadScript[src]; }
    loadScript[src] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src; script.onload = resolve;
      script.onerror = function () { delete loadScript[src]; reject(new Error("offline")); };
      document.head.appendChild(script);
    });
    return loadScript[src];
  }

  // --- Hash at capture ---------------------------------------------------------------------------
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function sha256(blob) {
    if (blob.size <= LARGE && crypto.subtle) {
      return blob.arrayBuffer().then(function (bytes) { return crypto.subtle.digest("SHA-256", bytes); }).then(hex);
    }
    // Large videos: in 8 MB chunks with the vendored incremental SHA-256 in plain JavaScript (Web
    // Crypto has no streaming digest; a WebAssembly one would need 'wasm-unsafe-eval' in the CSP).
    return loadScript(app.sha256).then(function () { return window.sha256.create(); }).then(function (hasher) {
      var offset = 0, step = 8 * 1024 * 1024;
      function next() {
        if (offset >= blob.size) { return hasher.hex(); }
        var slice = blob.slice(offset, offset + step);
        offset += step;
        return slice.arrayBuffer().then(function (bytes) { hasher.update(new Uint8Array(bytes)); return next(); });
      }
      return next();
    });
  }

  // --- Forms: fields, drafts ---------------------------------------------------------------------
  function skipped(field) {
    return !field.name || field.type === "password" || field.type === "file" || field.type === "submit" ||
      field.tagName === "BUTTON" || field.name === "csrfmiddlewaretoken";
  }
  function fieldsOf(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (skipped(field) || field.disabled) { return; }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
      if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.selectedOptions, function (option) { out.push([field.name, option.value]); });
        return;
      }
      out.push([field.name, field.value]);
    });
    return out;
  }
  function fill(form, fields) {
    var values = {}, seen = {};
    fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (skipped(field) || !(field.name in values)) { return; }
      var list = values[field.name];
      if (field.type === "checkbox" || field.type === "radio") { field.checked = list.indexOf(field.value) !== -1; return; }
      if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) { option.selected = list.indexOf(option.value) !== -1; });
        return;
      }
      var index = seen[field.name] || 0;
      seen[field.name] = index + 1;
      if (index < list.length) { field.value = list[index]; }
    });
    form.dispatchEvent(new Event("input", { bubbles: true }));  // live checks see the restored figures
  }
  function draftKey(form) {
    return (form.dataset.draft || form.dataset.outbox) + ":" + location.pathname + location.search;
  }
  function clientIdField(form) { return form.elements.namedItem("client_id"); }

  var pendingFiles = new WeakMap();  // form -> [{id, blob, name, type, size, sha256, capturedAt, ...}]

  function saveDraft(form) {
    if (wiped) { return Promise.resolve(); }
    var files = pendingFiles.get(form) || [];
    return put("drafts", { fields: fieldsOf(form), files: files, savedAt: Date.now() }, draftKey(form)).catch(function () {});
  }

  function notice(form, text, className) {
    var box = form.querySelector(".outbox-notice");
    if (!box) {
      box = element("p", "", "outbox-notice");
      box.setAttribute("role", "status");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
    box.className = "outbox-notice " + (className || "");
    box.hidden = !text;
    return box;
  }

  // Photos chosen in a picker of an outbox form stay on the phone until the form is sent.
  function picker(form) { return form.querySelector("[data-evidence-picker]"); }
  // Where a form's picked photos are listed: its picker's list, or (the "Send photos and videos"
  // page) the list the form names in data-progress.
  function progressList(form) {
    var box = picker(form);
    if (box) { return box.querySelector("[data-evidence-progress]"); }
    return form.dataset.progress ? document.getElementById(form.dataset.progress) : null;
  }
  function showPending(form) {
    var list = progressList(form);
    if (!list) { return; }
    var box = picker(form) || form;
    list.querySelectorAll(".pending-file").forEach(function (row) { row.remove(); });
    (pendingFiles.get(form) || []).forEach(function (file) {
      var item = element("li", "", "pending-file");
      item.dataset.file = file.id;
      var bar = element("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", (box.dataset.msgSending || "") + " " + file.name);
      item.append(element("strong", file.name), bar,
                  element("span", T.kept + " SHA-256 " + file.sha256.slice(0, 16) + "…", "status muted"));
      var drop = element("button", T.remove, "link");
      drop.type = "button";
      drop.addEventListener("click", function () {
        pendingFiles.set(form, pendingFiles.get(form).filter(function (other) { return other !== file; }));
        showPending(form); saveDraft(form);
      });
      item.append(drop);
      list.append(item);
    });
  }

  // With a network, a picked photo is sent at once (while the observer types) and then ticked in the
  // form like the photos already on the server; without one it waits in the draft, sent with the form.
  function choose(box, evidenceId, name) {
    var choices = box.querySelector("[data-evidence-choices]");
    var existing = choices.querySelector("input[value='" + evidenceId + "']");
    if (existing) { existing.checked = true; return; }
    var item = element("li", "", "evidence-item");
    var tick = document.createElement("input");
    tick.type = box.dataset.type; tick.name = box.dataset.name; tick.value = evidenceId; tick.checked = true;
    tick.id = "evidence-chosen-" + evidenceId;
    var label = element("label", "", "evidence-choice");
    label.htmlFor = tick.id;
    label.append(element("strong", name));
    item.append(tick, label);
    choices.append(item);
  }
  function uploadAhead(form) {
    var box = picker(form);
    var files = (pendingFiles.get(form) || []).filter(function (file) { return !file.evidenceId; });
    if (!box || !navigator.onLine || !files.length) { return Promise.resolve(); }
    form.ahead = session().then(function (state) {
      if (!state.authenticated) { return; }
      return files.reduce(function (chain, file) {
        return chain.then(function () {
          var row = box.querySelector(".pending-file[data-file='" + file.id + "']");
          var bar = row && row.querySelector("progress"), text = row && row.querySelector(".status");
          return upload({ files: [file] }, file, state.csrf, function (percent) {
            if (bar) { bar.value = percent; text.textContent = percent + "%"; }
          }).then(function () {
            if (!file.evidenceId) { return; }
            if (row) {
              bar.value = 100; text.textContent = "100% · " + (box.dataset.msgDone || "");
              text.className = "status done"; row.className = "uploaded-file";
              var drop = row.querySelector("button"); if (drop) { drop.remove(); }
            }
            choose(box, file.evidenceId, file.name);
            pendingFiles.set(form, pendingFiles.get(form).filter(function (other) { return other !== file; }));
            return saveDraft(form);
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* it stays in the draft and is sent with the form */ });
    return form.ahead;
  }
  function pickerTarget(form, box) {
    var station = box.dataset.station, election = box.dataset.election;
    if (box.dataset.targets) {
      var map = JSON.parse(document.getElementById(box.dataset.targets).textContent);
      var chosen = form.elements.namedItem("deployment");
      var target = chosen && map[chosen.value];
      if (target) { station = target.station; election = target.election; }
    }
    return { station: station, election: election, purpose: box.dataset.purpose };
  }
  function addFiles(form, files, meta, endpoint, field) {
    var list = pendingFiles.get(form) || [];
    pendingFiles.set(form, list);
    var status = notice(form, T.hashing);
    return Array.prototype.reduce.call(files, function (chain, file) {
      return chain.then(function () { return sha256(file); }).then(function (digest) {
        list.push({ id: uuid(), blob: file, name: file.name, type: file.type, size: file.size, sha256: digest,
                    capturedAt: new Date(file.lastModified || Date.now()).toISOString(), field: field,
                    endpoint: endpoint, station: meta.station || "", election: meta.election || "",
                    purpose: meta.purpose || "", evidenceId: null, uploadUrl: null });
      });
    }, Promise.resolve()).then(function () {
      status.hidden = true; showPending(form); return saveDraft(form);
    }).then(function () { if (picker(form)) { uploadAhead(form); } }, function () {
      showPending(form);  // the files hashed before the failure stay; the observer is told to pick again
      notice(form, T.hashFailed, "error").setAttribute("role", "alert");
    });
  }

  function setUpForm(form) {
    var fromOutbox = /^#outbox-([0-9a-f-]{36})$/.exec(location.hash);
    var key = draftKey(form);
    var restored = (fromOutbox ? get("outbox", fromOutbox[1]).then(function (item) {
      return item && item.fields ? { fields: item.fields, files: item.files || [], id: item.id, reason: item.reason } : null;
    }) : Promise.resolve(null)).then(function (found) { return found || get("drafts", key); });
    restored.then(function (draft) {
      if (draft && draft.fields) {
        fill(form, draft.fields);
        if (draft.id && clientIdField(form)) { clientIdField(form).value = draft.id; }
        pendingFiles.set(form, draft.files || []);
        showPending(form);
        restoreFileInputs(form, draft.files || []);
        notice(form, draft.reason ? T.refused + " " + draft.reason : T.draftRestored, draft.reason ? "error" : "");
      } else if (form.hasAttribute("data-outbox") && clientIdField(form)) {
        // A page kept by the service worker may carry a client_id already sent: a fresh one per form.
        clientIdField(form).value = uuid();
      }
    }).catch(function () {});
    var saving = function () { saveDraft(form); };
    form.addEventListener("input", saving);
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "file" || !input.files.length) { saving(); return; }
      var box = input.closest("[data-evidence-picker]");
      if (box && form.hasAttribute("data-outbox")) {
        event.stopImmediatePropagation();
        addFiles(form, input.files, pickerTarget(form, box), box.dataset.endpoint, box.dataset.name)
          .then(function () { input.value = ""; });
      } else if (form.hasAttribute("data-outbox") && form.dataset.outbox === "upload") {
        var purpose = form.elements.namedItem("purpose");
        addFiles(form, input.files, { station: form.dataset.station, election: form.dataset.election,
                                      purpose: purpose ? purpose.value : "" }, form.dataset.endpoint, "")
          .then(function () { input.value = ""; });
      } else {
        // A plain form (sign-up): the chosen document photo is kept for after a form error.
        var kept = (pendingFiles.get(form) || []).filter(function (file) { return file.field !== input.name; });
        Array.prototype.forEach.call(input.files, function (file) {
          kept.push({ id: uuid(), blob: file, name: file.name, type: file.type, size: file.size, field: input.name,
                      lastModified: file.lastModified, sha256: "" });
        });
        pendingFiles.set(form, kept);
        saving();
      }
    }, true);
  }
  function restoreFileInputs(form, files) {
    if (form.hasAttribute("data-outbox") || !window.DataTransfer) { return; }
    var byField = {};
    files.forEach(function (file) { (byField[file.field] = byField[file.field] || []).push(file); });
    Object.keys(byField).forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (!input || input.type !== "file") { return; }
      try {
        var transfer = new DataTransfer();
        byField[name].forEach(function (file) {
          transfer.items.add(new File([file.blob], file.name, { type: file.type, lastModified: file.lastModified }));
        });
        input.files = transfer.files;
      } catch (error) { /* a browser without writable file inputs: the draft's text fields still came back */ }
    });
  }

  // --- Queue -------------------------------------------------------------------------------------
  function wakeUp() {
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.sync) { return registration.sync.register("outbox"); }
      }).catch(function () {});
    }
  }
  function queue(form) {
    var idField = clientIdField(form);
    var id = idField && idField.value ? idField.value : uuid();
    var item = { id: id, kind: form.dataset.outbox, url: form.action,
                 page: location.pathname + location.search, draft: draftKey(form), fields: fieldsOf(form),
                 files: pendingFiles.get(form) || [], label: form.dataset.outboxLabel || "", state: "waiting",
                 created: Date.now() };
    return put("outbox", item).then(function () { return saveDraft(form); }).then(function () {
      wakeUp();
      return item;
    });
  }

  // The "Send photos and videos" page: each picked file becomes an outbox item of its own (its id is
  // the file's client_id, so correcting and resending a refused one replaces it), and the page's
  // draft goes: the outbox holds the files now, until the server has them.
  function queueUploads(form) {
    var files = pendingFiles.get(form) || [];
    var purpose = form.elements.namedItem("purpose");
    var created = Date.now();
    return files.reduce(function (chain, file, index) {
      if (purpose) { file.purpose = purpose.value; }
      var item = { id: file.id, kind: "upload", url: null, page: location.pathname + location.search, draft: null,
                   fields: [["purpose", file.purpose]], files: [file], label: file.name, state: "waiting",
                   created: created + index };
      return chain.then(function () { return put("outbox", item); });
    }, Promise.resolve()).then(function () {
      pendingFiles.set(form, []);
      showPending(form);
      return remove("drafts", draftKey(form));
    }).then(function () {
      wakeUp();
      render();
      return files.length;
    });
  }
  function refreshUploads(form) {
    var mine = document.getElementById("evidence-mine");
    if (!mine || !form.dataset.list) { return; }
    fetch(form.dataset.list, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("list " + response.status); }
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").body;
      mine.replaceChildren.apply(mine, Array.prototype.map.call(fresh.childNodes, function (node) {
        return document.importNode(node, true);
      }));
    }).catch(function () { /* offline: the list is refreshed on the next visit */ });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-outbox") || wiped) { return; }
    event.preventDefault();
    if (form.dataset.outbox === "upload") {
      queueUploads(form).then(function (count) {
        if (!count) { return; }
        if (!navigator.onLine) { notice(form, T.queued); return; }
        notice(form, "");
        sendAll();
      }).catch(function () {});
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    buttons.forEach(function (button) { button.disabled = true; });
    var done = function () { buttons.forEach(function (button) { button.disabled = false; }); };
    Promise.resolve(form.ahead).then(function () { return queue(form); }).then(function (item) {
      if (!navigator.onLine) { notice(form, T.queued); location.assign(app.home); return; }
      notice(form, T.sendingNow);
      return sendAll().then(function () { return get("outbox", item.id); }).then(function (now) {
        if (!now || now.state === "sent") {
          sessionStorage.setItem("outbox-flash", JSON.stringify((now && now.messages) || []));
          location.assign((now && now.final) || app.home);
        } else if (now.state === "refused") {
          done(); notice(form, T.refused + " " + now.reason, "error").setAttribute("role", "alert");
        } else if (now.state === "login") {
          done(); notice(form, T.login, "error").setAttribute("role", "alert");
        } else {
          notice(form, T.queued); location.assign(app.home);
        }
      });
    }).catch(function () { done(); });
  });

  // --- Sending -----------------------------------------------------------------------------------
  function Refusal(message) { this.refused = true; this.message = message; }
  function Login() { this.login = true; }

  function session() {
    return fetch(app.session, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) { throw new Error("session " + response.status); }
      return response.json();
    });
  }

  // Why the server refused a file, in the observer's language: its own reason when it gave one in
  // plain text, never a bare status or a proxy's HTML page (a 413 from a proxy says nothing).
  function uploadRefusal(status, body) {
    var texts = T.upload || {};
    body = (body || "").trim();
    if (status === 413 && !body) { return texts.tooLarge; }
    if (body && body.length < 300 && !/^</.test(body)) { return texts.refused + " " + body; }
    return texts.refused + " " + texts.generic;
  }

  function upload(item, file, csrf, onPercent) {
    return loadScript(app.tus).then(function () {
      return new Promise(function (resolve, reject) {
        var metadata = { filename: file.name, filetype: file.type, client_id: file.id, sha256: file.sha256,
                         captured_at: file.capturedAt };
        ["station", "election", "purpose"].forEach(function (key) { if (file[key]) { metadata[key] = String(file[key]); } });
        var total = item.files.reduce(function (sum, f) { return sum + f.size; }, 0) || 1;
        var before = item.files.slice(0, item.files.indexOf(file)).reduce(function (sum, f) { return sum + f.size; }, 0);
        var transfer = new window.tus.Upload(file.blob, {
          endpoint: file.endpoint, uploadUrl: file.uploadUrl || null, chunkSize: 512 * 1024,
          retryDelays: [0, 1000, 3000, 6000], storeFingerprintForResuming: false,
          headers: { "X-CSRFToken": csrf }, metadata: metadata,
          onUploadUrlAvailable: function () {
            file.uploadUrl = transfer.url;
            if (item.id) { put("outbox", item).catch(function () {}); }
          },
          onProgress: function (sent, size) {
            if (onPercent) { onPercent(Math.floor(sent / (size || 1) * 100)); return; }
            progress[item.id] = Math.min(99, Math.floor((before + sent) / total * 100)); render();
          },
          onAfterResponse: function (request, response) {
            var id = response.getHeader("Evidence-Id");
            if (id) { file.evidenceId = id; }
          },
          onShouldRetry: function (error) {
            var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
            return !status || status >= 500 || status === 409 || status === 423;
          },
          onError: function (error) {
            var response = error.originalResponse;
            var status = response ? response.getStatus() : 0;
            if (status === 401 || (status === 403 && /credentials|CSRF/i.test(response.getBody() || ""))) { reject(new Login()); return; }
            if (status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 429) {
              file.uploadUrl = null;
              reject(new Refusal(file.name + ": " + uploadRefusal(status, response.getBody())));
              return;
            }
            reject(error);  // the network: the item waits, and is sent again on the next occasion
          },
          onSuccess: function () { resolve(); }
        });
        transfer.start();
      });
    });
  }

  function texts(nodes) {
    var seen = [];
    Array.prototype.forEach.call(nodes, function (node) {
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text && seen.indexOf(text) === -1) { seen.push(text); }
    });
    return seen;
  }

  function post(item, csrf) {
    var body = new FormData();
    item.fields.forEach(function (pair) { if (pair[0] !== "client_id") { body.append(pair[0], pair[1]); } });
    body.append("client_id", item.id);
    body.append("csrfmiddlewaretoken", csrf);
    item.files.forEach(function (file) {
      var already = item.fields.some(function (pair) { return pair[0] === file.field && pair[1] === String(file.evidenceId); });
      if (file.field && file.evidenceId && !already) { body.append(file.field, file.evidenceId); }
    });
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (response) {
        if (new URL(response.url).pathname === new URL(app.login, location.href).pathname || response.status === 403) {
          throw new Login();
        }
        if (response.status >= 500 || response.status === 429) { throw new Error("server " + response.status); }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var errors = texts(page.querySelectorAll("main .messages li.error, main form .error, main form .errorlist, main form [role=alert]"));
          if (!response.redirected || errors.length) { throw new Refusal(errors.join(" ") || T.refusedGeneric); }
          var messages = Array.prototype.map.call(page.querySelectorAll("main .messages li"), function (li) {
            return { text: li.textContent.trim(), level: li.className };
          });
          return { final: response.url, time: response.headers.get("Date"), messages: messages };
        });
      });
  }

  function acknowledged(item, answer) {
    // What the server has is removed from the phone: only a line for the outbox list stays.
    progress[item.id] = undefined;
    var line = { id: item.id, kind: item.kind, state: "sent", created: item.created, label: item.label, page: item.page,
                 sentAt: (answer && answer.time) || new Date().toUTCString(),
                 final: answer && answer.final, messages: answer && answer.messages };
    return put("outbox", line).then(function () { return item.draft ? remove("drafts", item.draft) : null; });
  }

  function sendOne(item, csrf) {
    item.state = "sending";
    progress[item.id] = 0;
    render();
    var files = item.files.filter(function (file) { return !file.evidenceId; });
    return files.reduce(function (chain, file) {
      return chain.then(function () { return upload(item, file, csrf); }).then(function () { return put("outbox", item); });
    }, Promise.resolve()).then(function () {
      if (!item.url) { return acknowledged(item, null); }
      progress[item.id] = 99;
      return post(item, csrf).then(function (answer) { return acknowledged(item, answer); });
    }).catch(function (error) {
      progress[item.id] = undefined;
      if (error && error.refused) { item.state = "refused"; item.reason = error.message; }
      else if (error && error.login) { item.state = "login"; }
      else { item.state = "waiting"; }
      return put("outbox", item).then(function () { if (error && error.login) { throw error; } });
    });
  }

  var sending = null;
  function sendAll() {
    if (wiped) { return Promise.resolve(); }
    if (sending) { return sending; }
    var run = function () {
      return all("outbox").then(function (items) {
        var due = items.filter(function (item) { return item.state !== "sent" && item.state !== "refused"; })
          .sort(function (a, b) { return a.created - b.created; });
        if (!due.length) { return; }
        return session().then(function (state) {
          if (!state.authenticated) {
            return Promise.all(due.map(function (item) { item.state = "login"; return put("outbox", item); }));
          }
          return due.reduce(function (chain, item) {
            return chain.then(function () { return sendOne(item, state.csrf); });
          }, Promise.resolve());
        });
      });
    };
    var locked = navigator.locks ? navigator.locks.request("observer-outbox", run) : run();
    sending = locked.catch(function () {}).then(function () { sending = null; render(); });
    return sending;
  }

  // --- The outbox list ---------------------------------------------------------------------------
  function when(value) {
    var date = new Date(value);
    return isNaN(date) ? "" : date.toLocaleString(app.dateLocale || app.language, { dateStyle: "short", timeStyle: "medium" });
  }
  function render() {
    var section = document.getElementById("outbox");
    if (!section || wiped) { return; }
    all("outbox").then(function (items) {
      var list = section.querySelector(".outbox-items");
      while (list.firstChild) { list.removeChild(list.firstChild); }
      var day = Date.now() - 24 * 3600 * 1000;
      items.sort(function (a, b) { return b.created - a.created; }).forEach(function (item) {
        if (item.state === "sent" && item.created < day) { remove("outbox", item.id); return; }
        var row = element("li", "", "outbox-item state-" + item.state);
        row.dataset.outboxItem = item.id;
        row.append(element("strong", T.kinds[item.kind] || item.kind));
        if (item.label) { row.append(" ", element("span", item.label, "outbox-label")); }
        row.append(element("span", " · " + when(item.created) + " ", "muted"));
        var state = element("span", "", "outbox-state");
        if (item.state === "sent") { state.textContent = T.sent + " " + when(item.sentAt); }
        else if (item.state === "refused") { state.textContent = T.refused + " " + (item.reason || ""); }
        else if (item.state === "login") { state.textContent = T.login; }
        else if (progress[item.id] !== undefined) { state.textContent = T.sending + " " + progress[item.id] + "%"; }
        else { state.textContent = T.waiting; }
        row.append(state);
        if (item.state === "refused" && item.page) {
          var fix = element("a", T.correct, "button");
          fix.href = item.page + "#outbox-" + item.id;
          var drop = element("button", T.delete, "link");
          drop.type = "button";
          drop.addEventListener("click", function () {
            if (window.confirm(T.deleteConfirm)) { remove("outbox", item.id).then(render); }
          });
          row.append(" ", fix, " ", drop);
        }
        if (item.state === "login") {
          var login = element("a", T.logIn, "button");
          login.href = app.login + "?next=" + encodeURIComponent(location.pathname);
          row.append(" ", login);
        }
        list.append(row);
      });
      section.hidden = !list.children.length;
      showQueuedUploads(items);
    }).catch(function () {});
  }

  // On the "Send photos and videos" page, each file of this page in the outbox has its own row with
  // a progress bar: waiting, n%, stored (then "My uploads" is refreshed) or refused with the reason.
  function showQueuedUploads(items) {
    var form = document.querySelector("form[data-outbox=upload]");
    var list = form && progressList(form);
    if (!list) { return; }
    var here = location.pathname + location.search, stored = false;
    items.filter(function (item) { return item.kind === "upload" && item.page === here; })
      .sort(function (a, b) { return a.created - b.created; }).forEach(function (item) {
        var row = list.querySelector(".queued-file[data-outbox-item='" + item.id + "']");
        if (!row) {
          if (item.state === "sent") { return; }  // sent on an earlier visit: it is in "My uploads"
          row = element("li", "", "queued-file");
          row.dataset.outboxItem = item.id;
          var bar = element("progress");
          bar.max = 100; bar.value = 0;
          bar.setAttribute("aria-label", (form.dataset.msgSending || "") + " " + item.label);
          row.append(element("strong", item.label), bar, element("span", "", "status"));
          list.append(row);
        }
        var progressBar = row.querySelector("progress"), text = row.querySelector(".status");
        if (item.state === "sent") {
          if (row.dataset.state !== "sent") { stored = true; }
          progressBar.value = 100; text.textContent = "100% · " + (form.dataset.msgDone || T.sent);
          text.className = "status done"; row.removeAttribute("role");
        } else if (item.state === "refused") {
          text.textContent = (form.dataset.msgFailed || T.refused) + " " + (item.reason || "");
          text.className = "status failed"; row.setAttribute("role", "alert");
        } else if (item.state === "login") {
          text.textContent = T.login; text.className = "status failed";
        } else if (progress[item.id] !== undefined) {
          progressBar.value = progress[item.id]; text.textContent = progress[item.id] + "%"; text.className = "status";
        } else {
          text.textContent = T.waiting; text.className = "status muted";
        }
        row.dataset.state = item.state;
      });
    if (stored) { refreshUploads(form); }
  }

  function flash() {
    var stored = sessionStorage.getItem("outbox-flash");
    if (stored === null) { return; }
    sessionStorage.removeItem("outbox-flash");
    var messages = JSON.parse(stored);
    if (!messages.length) { return; }
    var list = element("ul", "", "messages");
    list.setAttribute("role", "status");
    messages.forEach(function (message) { list.append(element("li", message.text, message.level)); });
    var main = document.getElementById("main");
    main.insertBefore(list, main.firstChild);
  }

  // --- Remove everything from this phone ---------------------------------------------------------
  // The session cookie is out of the script's reach (HttpOnly): the server ends the session and
  // tells the browser to clear the site's cookies (Clear-Site-Data). Offline, one flag stays behind
  // (nothing personal in it) so that the next page opened online finishes the job.
  var FORGET_PENDING = "forget-pending";
  function forgetOnServer() {
    return session().then(function (state) {
      return fetch(app.forget, { method: "POST", credentials: "same-origin", cache: "no-store",
                                 headers: { "X-CSRFToken": state.csrf } });
    }).then(function (response) { return response.ok; }, function () { return false; }).then(function (done) {
      try {
        if (done) { localStorage.removeItem(FORGET_PENDING); } else { localStorage.setItem(FORGET_PENDING, "1"); }
      } catch (error) { /* storage disabled */ }
      return done;
    });
  }

  function finishForgetting() {
    var pending = false;
    try { pending = localStorage.getItem(FORGET_PENDING) === "1"; } catch (error) { /* storage disabled */ }
    if (!pending || !navigator.onLine) { return; }
    forgetOnServer().then(function (done) {
      if (!done) { return; }
      var main = document.getElementById("main");
      var note = element("p", T.wiped, "messages");
      note.setAttribute("role", "status");
      main.insertBefore(note, main.firstChild);
    });
  }

  function wipe() {
    var closing = opening ? opening.then(function (database) { database.close(); }).catch(function () {}) : Promise.resolve();
    wiped = true;
    return closing.then(function () {
      var jobs = [new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase("observer-app");
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      })];
      if (window.caches) { jobs.push(caches.keys().then(function (names) { return Promise.all(names.map(function (name) { return caches.delete(name); })); })); }
      if (navigator.serviceWorker) {
        jobs.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
        }));
      }
      try { localStorage.clear(); sessionStorage.clear(); } catch (error) { /* storage disabled */ }
      return Promise.all(jobs);
    }).then(forgetOnServer).then(function (loggedOut) {
      var section = document.getElementById("outbox");
      if (section) { section.hidden = true; }
      var main = document.getElementById("main");
      var done = element("p", loggedOut ? T.wiped : T.wipedOffline, "messages");
      done.setAttribute("role", "status");
      main.insertBefore(done, main.firstChild);
    });
  }

  // --- Start -------------------------------------------------------------------------------------
  flash();
  finishForgetting();
  window.addEventListener("online", finishForgetting);
  document.querySelectorAll("form[data-draft], form[data-outbox]").forEach(setUpForm);
  if (app.user) {
    // A sign-up that succeeded (the observer is now logged in): its draft, with the document photo, goes.
    store("drafts", "readwrite", function (s) { return s.delete(IDBKeyRange.bound("sign-up:", "sign-up:\uffff")); })
      .catch(function () {});
  }
  var wipeButton = document.querySelector("[data-wipe]");
  if (wipeButton) {
    wipeButton.hidden = false;
    wipeButton.addEventListener("click", function () { if (window.confirm(T.wipeConfirm)) { wipe(); } });
  }
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    // The saved pages show the observer's name and station: they go at logout (drafts and the outbox stay).
    form.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget-pages" });
      }
    });
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.sw, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (!app.observer || !navigator.onLine || !document.querySelector("ol.steps")) { return; }
      // On My station: keep this page and the observer's forms (and their scripts) for offline use.
      var urls = [location.pathname + location.search];
      document.querySelectorAll("ol.steps a[href], a[href^='/incidents/mine/'], .checklists-home a[href]").forEach(function (link) {
        var url = new URL(link.href);
        if (url.origin === location.origin && urls.indexOf(url.pathname + url.search) === -1) { urls.push(url.pathname + url.search); }
      });
      registration.active.postMessage({ type: "keep", urls: urls, assets: [app.tus, app.sha256] });
    }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "sync") { sendAll(); }
    });
  }
  window.addEventListener("online", sendAll);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { sendAll(); } });
  setInterval(function () { if (navigator.onLine) { sendAll(); } }, 30000);
  render();
  if (app.user) { sendAll(); }
  window.ObserverOutbox = { sendAll: sendAll, wipe: wipe };
}());
