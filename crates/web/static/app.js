// Quarterdeck: progressive enhancement only; every page works without it.
(function () {
  "use strict";

  // Phones: the menu and the controls start folded, so the numbers come first.
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.fold").forEach(function (d) { d.open = false; });
  }

  // Digest: until a schedule is saved, offer this browser's own time zone.
  document.querySelectorAll("input[data-guess-zone]").forEach(function (input) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) input.value = zone;
    } catch (e) { /* keep the workspace's zone */ }
  });

  // Digest: show only the fields the chosen cadence uses.
  document.querySelectorAll("select[name=cadence]").forEach(function (select) {
    var form = select.form;
    function sync() {
      form.querySelectorAll("[data-cadence]").forEach(function (field) {
        field.hidden = field.dataset.cadence !== select.value;
      });
      form.querySelectorAll("select[name=hour], input[name=time_zone]").forEach(function (f) {
        f.closest("label").hidden = select.value === "off";
      });
    }
    select.addEventListener("change", sync);
    sync();
  });

  // Copy buttons (hidden without script): copy their target's text.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Select the link and copy it";
      });
    });
  });

  // Date range: choosing a preset clears the custom dates and applies at once;
  // typing a custom date switches the preset to "Custom".
  document.querySelectorAll("form.controls").forEach(function (form) {
    var range = form.querySelector("[data-range]");
    var custom = form.querySelectorAll("[data-custom]");
    if (!range) return;
    range.addEventListener("change", function () {
      if (range.value) {
        custom.forEach(function (i) { i.disabled = true; });
        // After the change event has finished, so the browser is not mid-dispatch.
        window.setTimeout(function () { form.requestSubmit ? form.requestSubmit() : form.submit(); }, 0);
      }
    });
    custom.forEach(function (input) {
      input.addEventListener("change", function () { range.value = ""; });
    });
    form.addEventListener("submit", function () {
      // Keep URLs short: a preset needs no dates, custom dates need no preset.
      if (range.value) custom.forEach(function (i) { i.disabled = true; });
      else range.disabled = true;
    });
  });

  // Live updates: when the server says new data arrived, fetch this page
  // again and swap only the marked regions, so scroll and focus stay put.
  if (document.body.dataset.live !== "1" || !window.EventSource) return;
  var status = document.getElementById("live");
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll("[data-live-id]").forEach(function (fresh) {
          var old = document.querySelector('[data-live-id="' + fresh.dataset.liveId + '"]');
          if (old && !old.contains(document.activeElement)) old.innerHTML = fresh.innerHTML;
          else if (old && old.innerHTML !== fresh.innerHTML) old.replaceWith(fresh);
        });
        if (status) {
          status.dataset.state = "fresh";
          status.textContent = "Updated " + new Date().toLocaleTimeString();
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  // One stream per visible page only: browsers allow six connections per
  // host over HTTP/1.1, so hidden tabs and pages being left let theirs go.
  var source = null;
  function connect() {
    if (source || document.hidden) return;
    source = new EventSource("/events");
    source.addEventListener("data", refresh);
    source.onopen = function () {
      if (status) { status.dataset.state = "fresh"; status.textContent = "Live"; }
    };
  }
  function disconnect() {
    if (source) { source.close(); source = null; }
    if (status) { status.dataset.state = ""; status.textContent = ""; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) disconnect();
    else { connect(); refresh(); }
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", connect);
  connect();
})();
