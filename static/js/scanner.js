/* The venue scanner: camera picture -> QR text -> check-in API, with an offline queue.
 *
 * Every scan is saved in localStorage (with its nonce) before it is sent, and removed only
 * when the server has answered. The server answers a repeated nonce with its first answer,
 * so sending a scan again after a lost reply never counts anyone twice.
 * No framework and no build step: plain browser APIs, htmx for the roster refresh.
 */
(function () {
  "use strict";

  var DEVICE_KEY = "tsunagu.scanner.device";
  var QUEUE_KEY = "tsunagu.scanner.queue";
  var REPEAT_MS = 2000; // the same code in view again within this time is the same scan
  var RETRY_MS = 4000; // how often scans that could not be sent are tried again
  var FRAME_MS = 120; // about eight decodes a second: quick, and kind to older phones
  var MAX_WIDTH = 640; // decode a scaled-down frame: a ticket QR needs no more
  var LOG_SIZE = 6;

  // --- the device label, kept in this browser: "会場端末-7KQ2" -------------------------------

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; a plain-http LAN still deserves a real UUID.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function deviceLabel() {
    var label = null;
    try { label = localStorage.getItem(DEVICE_KEY); } catch (e) { /* storage off: no label kept */ }
    if (!label) {
      label = "会場端末-" + randomId().replace(/-/g, "").slice(0, 4).toUpperCase();
      try { localStorage.setItem(DEVICE_KEY, label); } catch (e) { /* ignore */ }
    }
    return label;
  }

  var device = deviceLabel();

  // Roster and walk-in forms carry the label too, also when htmx swaps new ones in.
  function fillDevices(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("input[data-device]").forEach(function (input) { input.value = device; });
  }
  fillDevices(document);
  document.addEventListener("htmx:load", function (event) { fillDevices(event.detail.elt); });

  var root = document.getElementById("scanner");
  if (!root) return; // the walk-in page needs only the device label

  var api = root.dataset.api;
  var sessionId = Number(root.dataset.session);
  var scanPass = root.dataset.pass;
  var renewUrl = root.dataset.renew;
  var renewMs = Number(root.dataset.renewIn) * 1000;
  var texts = document.getElementById("scan-messages").dataset;
  var resultSlot = document.getElementById("scan-result");
  var pendingBox = document.getElementById("scan-pending");
  var pendingCount = document.getElementById("scan-pending-count");
  var log = document.getElementById("scan-log");
  document.getElementById("scanner-device").textContent = device;

  // --- the queue: localStorage, so a reload or a dead battery loses nothing -----------------

  var inFlight = {};

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch (e) { return []; }
  }
  function saveQueue(queue) {
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); } catch (e) { /* full: keep going */ }
  }
  function enqueue(item) {
    var queue = loadQueue();
    queue.push(item);
    saveQueue(queue);
  }
  function dequeue(nonce) {
    saveQueue(loadQueue().filter(function (item) { return item.nonce !== nonce; }));
  }

  function showPending() {
    var waiting = loadQueue().filter(function (item) { return !inFlight[item.nonce]; }).length;
    pendingCount.textContent = String(waiting);
    pendingBox.hidden = waiting === 0;
  }

  // Resolves to {sent: true, data} once the server answered (the scan leaves the queue),
  // or {sent: false, problem} when it must be tried again later.
  function send(item) {
    inFlight[item.nonce] = true;
    showPending();
    return fetch(api, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-Scan-Pass": scanPass },
      body: JSON.stringify({ session: item.session, code: item.code, nonce: item.nonce, device: item.device }),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      // An expired scanner pass (401) or an HTML error page is not an answer: keep the scan,
      // and fetch a fresh pass for the next try.
      if (response.status === 401) {
        renewPass();
        return { sent: false, problem: "login" };
      }
      if (response.redirected || type.indexOf("application/json") === -1) {
        return { sent: false, problem: response.status >= 500 ? "failed" : "login" };
      }
      if (response.status >= 500) return { sent: false, problem: "failed" };
      return response.json().then(function (data) {
        dequeue(item.nonce);
        return { sent: true, data: data };
      });
    }, function () {
      return { sent: false, problem: "offline" };
    }).then(function (outcome) {
      delete inFlight[item.nonce];
      showPending();
      return outcome;
    });
  }

  var flushing = false;

  // Oldest first, one at a time; stop at the first failure (the network is still down).
  function flush() {
    if (flushing) return;
    var queue = loadQueue().filter(function (item) { return !inFlight[item.nonce]; });
    if (!queue.length) return;
    flushing = true;
    (function next(index) {
      if (index >= queue.length) { flushing = false; return; }
      send(queue[index]).then(function (outcome) {
        if (!outcome.sent) { flushing = false; return; }
        answered(outcome.data, queue[index], true);
        next(index + 1);
      });
    })(0);
  }

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);

  // --- the scanner pass: short-lived, renewed while the page stays open ---------------------
  // The server refuses a pass after a few minutes, or at once when its user logged out or may
  // no longer scan here. A renewal goes through the login, role and venue checks again; when
  // it fails the scans wait in the queue and the page says to log in again.

  var renewTimer = null;
  var renewing = null;

  function scheduleRenewal(ms) {
    clearTimeout(renewTimer);
    renewTimer = setTimeout(renewPass, ms);
  }

  function renewPass() {
    if (renewing) return renewing;
    renewing = fetch(renewUrl, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || type.indexOf("application/json") === -1) return false;
      return response.json().then(function (data) {
        scanPass = data.pass;
        scheduleRenewal(Number(data.renew_in) * 1000);
        return true;
      });
    }, function () {
      return false;
    }).then(function (renewed) {
      renewing = null;
      if (!renewed) scheduleRenewal(RETRY_MS); // offline or logged out: the queue keeps the scans
      return renewed;
    });
    return renewing;
  }

  scheduleRenewal(renewMs);
  // A phone that slept past its timer renews as soon as it is looked at again.
  var hiddenAt = 0;
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { hiddenAt = Date.now(); return; }
    if (hiddenAt && Date.now() - hiddenAt > RETRY_MS) renewPass();
  });

  // --- showing the answer: big, coloured, with a beep and a buzz ----------------------------

  var audio = null;

  function unlockAudio() {
    // Browsers allow sound only after a tap: create the context on the first one.
    if (audio) return;
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context) { try { audio = new Context(); } catch (e) { audio = null; } }
  }

  function beep(level) {
    if (audio) {
      var tones = level === "ok" ? [[880, 0, 0.12]] : [[330, 0, 0.15], [330, 0.22, 0.15]];
      tones.forEach(function (tone) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = tone[0];
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + tone[1]);
        osc.stop(audio.currentTime + tone[1] + tone[2]);
      });
    }
    if (navigator.vibrate) navigator.vibrate(level === "ok" ? 80 : [150, 80, 150]);
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function showResult(level, name, message) {
    var box = document.createElement("div");
    box.className = "scan-result " + level;
    if (name && level !== "ok") box.appendChild(paragraph("scan-result-name", name));
    box.appendChild(paragraph("scan-result-message", message));
    resultSlot.replaceChildren(box);
  }

  function addToLog(level, text, later) {
    var item = document.createElement("li");
    item.className = "scan-log-" + level;
    var time = new Date().toTimeString().slice(0, 8);
    item.textContent = time + " " + (later ? "[" + texts.later + "] " : "") + text;
    log.insertBefore(item, log.firstChild);
    while (log.children.length > LOG_SIZE) log.removeChild(log.lastChild);
  }

  function answered(data, item, later) {
    setTimeout(keepFocus, 0);
    var level = data.level || "bad";
    var text = data.name && level !== "ok" ? data.name + ": " + data.message : data.message;
    addToLog(level, text, later);
    if (!later) {
      showResult(level, data.name, data.message);
      beep(level);
    }
    if (item.session === sessionId) {
      // The counts and the roster reload themselves on this event (htmx).
      document.body.dispatchEvent(new CustomEvent("tsunagu:scanned"));
    }
  }

  function submitScan(code) {
    var item = { session: sessionId, code: code, nonce: randomId(), device: device, at: Date.now() };
    enqueue(item); // saved before sending: nothing is lost whatever happens next
    showResult("sending", "", texts.sending);
    send(item).then(function (outcome) {
      if (outcome.sent) {
        answered(outcome.data, item, false);
      } else {
        showResult("warn", "", texts[outcome.problem]);
        addToLog("warn", texts[outcome.problem], false);
        beep("warn");
      }
    });
  }

  // --- typed or pasted tickets (and USB scanners, which type and press Enter) ---------------

  var WEDGE_KEY = "tsunagu.scanner.wedge";
  var typed = document.getElementById("scan-typed");
  var codeInput = document.getElementById("scan-code");
  var wedge = document.getElementById("scan-wedge");
  typed.addEventListener("submit", function (event) {
    event.preventDefault();
    unlockAudio();
    var code = codeInput.value.trim();
    if (code) submitScan(code);
    codeInput.value = "";
    codeInput.focus();
  });

  // A barcode reader types into whatever has the focus: with the reader switched on, the
  // field keeps it after every answer and every refresh of the roster, unless staff moved to
  // another field or button themselves.
  function keepFocus() {
    if (!wedge.checked) return;
    var active = document.activeElement;
    var elsewhere = active && active !== codeInput && active !== document.body &&
      /^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(active.tagName) && active !== wedge;
    if (!elsewhere) codeInput.focus();
  }
  try { wedge.checked = localStorage.getItem(WEDGE_KEY) === "1"; } catch (e) { /* no storage */ }
  wedge.addEventListener("change", function () {
    try { localStorage.setItem(WEDGE_KEY, wedge.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    if (wedge.checked) codeInput.focus();
  });
  document.body.addEventListener("htmx:afterSettle", keepFocus);
  keepFocus();

  // --- the camera -----------------------------------------------------------------------------

  var video = document.getElementById("scanner-video");
  var view = document.getElementById("scanner-view");
  var toggle = document.getElementById("scanner-toggle");
  var cameraError = document.getElementById("scanner-camera-error");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var detector = null;
  var last = { code: "", seenAt: 0 };

  // The browser's own detector where it exists (fast, native); jsQR everywhere else.
  if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") !== -1) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    }, function () { /* keep jsQR */ });
  }

  function decode() {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      }, function () { return null; });
    }
    var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    var width = Math.round(video.videoWidth * scale);
    var height = Math.round(video.videoHeight * scale);
    if (!width || !height || !window.jsQR) return Promise.resolve(null);
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    var image = context.getImageData(0, 0, width, height);
    var code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(code ? code.data : null);
  }

  // A code held in front of the camera is one scan: it counts again only after it has been
  // out of view for REPEAT_MS, or when staff press "next person". Another code counts at once.
  function seen(code) {
    var now = Date.now();
    var repeat = code === last.code && now - last.seenAt < REPEAT_MS;
    last = { code: code, seenAt: now };
    if (!repeat) submitScan(code);
  }

  function nextFrame() {
    timer = setTimeout(scanFrame, FRAME_MS);
  }

  function scanFrame() {
    if (!stream) return;
    if (document.hidden || video.readyState < 2) { nextFrame(); return; }
    decode().then(function (code) {
      if (code && stream) seen(code);
    }).then(nextFrame, nextFrame);
  }

  function startCamera() {
    cameraError.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showCameraError();
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        toggle.textContent = toggle.dataset.stop;
        // On a phone the picture and the answer below it fill the screen together.
        root.scrollIntoView({ block: "start" });
        return video.play();
      })
      .then(scanFrame)
      .catch(function () {
        stopCamera();
        showCameraError();
      });
  }

  function stopCamera() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    toggle.textContent = toggle.dataset.start;
  }

  function showCameraError() {
    cameraError.textContent = texts.camera;
    cameraError.hidden = false;
  }

  toggle.addEventListener("click", function () {
    unlockAudio();
    if (stream) stopCamera(); else startCamera();
  });

  document.getElementById("scanner-next").addEventListener("click", function () {
    unlockAudio();
    last = { code: "", seenAt: 0 };
    showResult("idle", "", texts.ready);
  });

  showPending();
  flush(); // scans left over from an earlier visit go out first
})();
