// The portal's side of an application's frame, as b24jssdk's B24Frame and BX24.js talk to it.
//
// A frame posts "command:params:callback:appSid" (params JSON, left out when empty) to this page; the
// answer goes back as "callback:JSON" to the frame's own origin. A message is taken only from a frame this
// page opened (event.source is its window), at the origin of the URL it was opened with, carrying its
// APP_SID; anything else is dropped unread. What needs the server (tokens, the install's end, options, a
// slider's frame, the selectors' lists) goes to the page's own endpoint with the session's CSRF token.
// Every text an application gives (titles) is set with textContent, never as markup.
(function () {
  "use strict";

  // A message's bound: an option value (64 KiB at most, app.option.*) fits escaped; a longer message from
  // the frame gets an error answer, so that its callback does not wait in vain.
  var MAX_MESSAGE = 262144;
  var MAX_HEIGHT = 20000;
  var MAX_SLIDERS = 5; // sliders open at once: an application opening them in a loop stops there
  var frames = [];
  // What a device without a module answers (b24jssdk's openPath falls back to a new window on it): the
  // messenger (im*), showAppForm, placementBindEvent and any command b24crm does not model.
  var UNSUPPORTED = { result: "error", errorCode: "METHOD_NOT_SUPPORTED_ON_DEVICE" };
  var BURST = 10;
  var REFILL_MS = 1000;
  var TOO_MANY = { error: "QUERY_LIMIT_EXCEEDED", error_description: "Too many requests" };
  var TOO_LONG = { error: "ERROR_ARGUMENT", error_description: "The message is larger than 256 KiB" };
  // The CRM detail paths openPath may name, and the entity type of each.
  var CRM_PATHS = { lead: 1, deal: 2, contact: 3, company: 4, quote: 7 };

  function parse(text) {
    var parts = text.split(":");
    if (parts.length < 3) return null;
    var sid = parts.pop();
    var callback = parts.pop();
    var command = parts.shift();
    var raw = parts.join(":");
    var params = {};
    if (raw) {
      try { params = JSON.parse(raw); } catch (e) { params = raw; }
    }
    return { command: command, params: params === null ? {} : params, callback: callback, sid: sid };
  }

  function reply(rec, callback, value) {
    if (!callback || !rec.iframe.contentWindow) return;
    var text = value === undefined ? callback : callback + ":" + JSON.stringify(value);
    rec.iframe.contentWindow.postMessage(text, rec.d.origin);
  }

  // What one frame may ask of the server: a bucket of BURST requests, refilled at one a second. Each
  // refreshAuth and each slider mints a token pair, so an application asking in a loop gets the REST API's
  // own "too many requests" answer instead of filling the token table.
  function allowed(rec) {
    var now = Date.now();
    rec.budget = Math.min(BURST, rec.budget + (now - rec.filled) / REFILL_MS);
    rec.filled = now;
    if (rec.budget < 1) return false;
    rec.budget -= 1;
    return true;
  }

  function server(rec, command, params) {
    if (!allowed(rec)) return Promise.reject(TOO_MANY);
    return fetch(rec.d.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": rec.csrf },
      body: JSON.stringify({ command: command, params: params || {} }),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw body;
        return body.result;
      });
    });
  }

  function submit(host, d) {
    var form = host.querySelector("form.app-form");
    if (!form) {
      form = document.createElement("form");
      form.method = "post";
      form.className = "app-form";
      form.hidden = true;
      host.appendChild(form);
    }
    form.textContent = "";
    form.action = d.url;
    form.target = d.name;
    Object.keys(d.form).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = d.form[name];
      form.appendChild(input);
    });
    form.submit();
  }

  function mount(host, d, csrf, close) {
    var iframe = host.querySelector("iframe");
    if (!iframe || iframe.name !== d.name) {
      if (iframe) iframe.remove();
      iframe = document.createElement("iframe");
      iframe.name = d.name;
      host.appendChild(iframe);
    }
    iframe.title = d.title;
    var rec = {
      host: host, iframe: iframe, d: d, csrf: csrf, close: close, opener: null, slider: null,
      budget: BURST, filled: Date.now(),
    };
    frames.push(rec);
    submit(host, d);
    return rec;
  }

  function forget(rec) {
    frames = frames.filter(function (r) { return r !== rec; });
  }

  function titleOf(rec) {
    var holder = rec.slider || document;
    return holder.querySelector("[data-frame-title]");
  }

  // --- sliders: openApplication ----------------------------------------------------------------------

  function openSlider(opener, callback, params) {
    if (frames.filter(function (r) { return r.slider; }).length >= MAX_SLIDERS) {
      return reply(opener, callback, { error: "TOO_MANY_SLIDERS", error_description: "Close a slider first" });
    }
    server(opener, "open", { options: params }).then(function (d) {
      var overlay = document.createElement("div");
      overlay.className = "slider";
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      var panel = document.createElement("div");
      panel.className = "slider-panel";
      var header = document.createElement("header");
      var title = document.createElement("h2");
      title.setAttribute("data-frame-title", "");
      title.textContent = d.title;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.textContent = "Close";
      header.appendChild(title);
      header.appendChild(close);
      var host = document.createElement("div");
      host.className = "app-host";
      panel.appendChild(header);
      panel.appendChild(host);
      overlay.appendChild(panel);
      document.body.appendChild(overlay);
      var rec = mount(host, d, opener.csrf, "");
      rec.slider = overlay;
      rec.opener = { rec: opener, callback: callback };
      close.addEventListener("click", function () { closeSlider(rec); });
      close.focus();
    }, function (error) {
      reply(opener, callback, error);
    });
  }

  function closeSlider(rec) {
    forget(rec);
    rec.slider.remove();
    if (rec.opener) reply(rec.opener.rec, rec.opener.callback);
  }

  // --- the selectors ----------------------------------------------------------------------------------

  function choose(heading, groups, multiple) {
    // groups: [{label, items: [{key, text, value}]}]; resolves the chosen values, or null when cancelled.
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.className = "selector";
      var form = document.createElement("form");
      form.method = "dialog";
      var h = document.createElement("h2");
      h.textContent = heading;
      form.appendChild(h);
      var values = [];
      groups.forEach(function (group) {
        var fieldset = document.createElement("fieldset");
        var legend = document.createElement("legend");
        legend.textContent = group.label;
        fieldset.appendChild(legend);
        group.items.forEach(function (item) {
          var label = document.createElement("label");
          var input = document.createElement("input");
          input.type = multiple ? "checkbox" : "radio";
          input.name = "choice";
          input.value = String(values.length);
          values.push(item.value);
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + item.text));
          fieldset.appendChild(label);
        });
        if (!group.items.length) {
          var none = document.createElement("p");
          none.className = "muted";
          none.textContent = "Nothing to choose";
          fieldset.appendChild(none);
        }
        form.appendChild(fieldset);
      });
      var ok = document.createElement("button");
      ok.value = "ok";
      ok.textContent = "Choose";
      var cancel = document.createElement("button");
      cancel.value = "cancel";
      cancel.textContent = "Cancel";
      form.appendChild(ok);
      form.appendChild(cancel);
      dialog.appendChild(form);
      document.body.appendChild(dialog);
      dialog.addEventListener("close", function () {
        var chosen = dialog.returnValue === "ok"
          ? Array.prototype.map.call(form.querySelectorAll("input:checked"), function (i) {
            return values[Number(i.value)];
          })
          : null;
        dialog.remove();
        resolve(chosen);
      });
      dialog.showModal();
    });
  }

  function selectUser(rec, callback, params) {
    var multiple = Boolean(params && params.mult);
    server(rec, "users").then(function (users) {
      var items = users.map(function (u) { return { text: u.name, value: u }; });
      return choose(multiple ? "Choose users" : "Choose a user", [{ label: "Users", items: items }], multiple);
    }).then(function (chosen) {
      if (chosen === null) return reply(rec, callback, multiple ? [] : undefined);
      reply(rec, callback, multiple ? chosen : chosen[0]);
    }, function (error) { reply(rec, callback, error); });
  }

  function selectCRM(rec, callback, params) {
    var wanted = params && params.entityType;
    server(rec, "crm", { entityType: Array.isArray(wanted) ? wanted : [] }).then(function (found) {
      var groups = Object.keys(found).map(function (type) {
        return {
          label: type,
          items: found[type].map(function (e) { return { text: e.title, value: e }; }),
        };
      });
      return choose("Choose CRM items", groups, Boolean(params && params.multiple)).then(function (chosen) {
        var answer = {};
        Object.keys(found).forEach(function (type) { answer[type] = []; });
        (chosen || []).forEach(function (e) { answer[e.type].push(e); });
        reply(rec, callback, answer);
      });
    }, function (error) { reply(rec, callback, error); });
  }

  // --- openPath ---------------------------------------------------------------------------------------

  function openPath(rec, callback, params) {
    var given = params && typeof params.path === "string" ? params.path : "";
    var path = "";
    try { path = new URL(given, window.location.origin).pathname; } catch (e) { path = ""; }
    var match = /^\/crm\/(lead|deal|contact|company|quote)\/(?:details|show)\/(\d+)\/?$/.exec(path);
    if (!match) return reply(rec, callback, UNSUPPORTED);
    var base = rec.d.endpoint.replace(/\/apps\/\d+\/frame$/, "");
    reply(rec, callback, { result: "close" });
    window.location.assign(base + "/items/" + CRM_PATHS[match[1]] + "/" + match[2]);
  }

  // --- the commands -----------------------------------------------------------------------------------

  function handle(rec, command, params, callback) {
    var init = rec.d.init;
    switch (command) {
      case "getInitData":
        return reply(rec, callback, init);
      // The vendor's page (rest/install/js/rest/applayout.js) answers setInstall, setTitle, setScroll and
      // setUserOption with the parameters it was given, resizeWindow with the frame's new size.
      case "setInstall":
        return reply(rec, callback, params);
      case "refreshAuth":
        return server(rec, "refreshAuth").then(function (auth) {
          init.AUTH_ID = auth.AUTH_ID;
          init.REFRESH_ID = auth.REFRESH_ID;
          init.AUTH_EXPIRES = auth.AUTH_EXPIRES;
          reply(rec, callback, { AUTH_ID: auth.AUTH_ID, AUTH_EXPIRES: auth.AUTH_EXPIRES, REFRESH_ID: auth.REFRESH_ID });
        }, function (error) { reply(rec, callback, error); });
      case "setInstallFinish":
        return server(rec, "setInstallFinish").then(function () {
          reply(rec, callback);
          // As the portal does: the application opens again, now installed.
          return server(rec, "open").then(function (d) {
            forget(rec);
            mount(rec.host, d, rec.csrf, rec.close);
          });
        }, function (error) { reply(rec, callback, error); });
      case "setAppOption":
      case "setUserOption":
        // appOption.set's callback gets the application's options (docs:
        // sdk/bx24-js-sdk/options/bx24-app-option-set.md); userOption.set's the name and value it set.
        return server(rec, command, { name: params.name, value: params.value }).then(function (all) {
          var app = command === "setAppOption";
          init[app ? "APP_OPTIONS" : "USER_OPTIONS"] = all;
          reply(rec, callback, app ? all : { name: params.name, value: params.value });
        }, function (error) { reply(rec, callback, error); });
      case "resizeWindow":
        var height = Math.min(Math.max(parseInt(params.height, 10) || 0, 0), MAX_HEIGHT);
        var width = params.width === "100%" ? "100%"
          : Math.min(Math.max(parseInt(params.width, 10) || 100, 1), MAX_HEIGHT) + "px";
        rec.iframe.style.width = width;
        if (height) {
          // The frame fills its host until told a height: then that height, neither grown nor floored.
          rec.iframe.style.flex = "none";
          rec.iframe.style.minHeight = "0";
          rec.iframe.style.height = height + "px";
        }
        var size = rec.iframe.getBoundingClientRect();
        return reply(rec, callback, { width: Math.round(size.width), height: Math.round(size.height) });
      case "setTitle":
        var title = titleOf(rec);
        if (title) title.textContent = String(params.title || "").slice(0, 255);
        return reply(rec, callback, params);
      case "setScroll":
        window.scrollTo(0, Math.max(parseInt(params.scroll, 10) || 0, 0));
        return reply(rec, callback, params);
      case "reloadWindow":
        reply(rec, callback);
        return submit(rec.host, rec.d);
      case "openApplication":
        return openSlider(rec, callback, typeof params === "object" ? params : {});
      case "closeApplication":
        if (rec.slider) return closeSlider(rec);
        reply(rec, callback);
        if (rec.close) window.location.assign(rec.close);
        return;
      case "openPath":
        return openPath(rec, callback, params);
      case "selectUser":
        return selectUser(rec, callback, params);
      case "selectCRM":
        return selectCRM(rec, callback, params);
      case "selectAccess":
        return reply(rec, callback, []);
      case "getInterface":
        return reply(rec, callback, { command: [], event: [] });
      default:
        return reply(rec, callback, UNSUPPORTED);
    }
  }

  window.addEventListener("message", function (event) {
    var rec = null;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].iframe.contentWindow === event.source) rec = frames[i];
    }
    if (!rec || event.origin !== rec.d.origin) return;
    if (typeof event.data !== "string") return;
    if (event.data.length > MAX_MESSAGE) {
      // Only the tail is read: "...:callback:appSid".
      var tail = event.data.slice(-200).split(":");
      if (tail.length >= 2 && tail[tail.length - 1] === rec.d.sid) {
        reply(rec, tail[tail.length - 2], TOO_LONG);
      }
      return;
    }
    var message = parse(event.data);
    if (!message || message.sid !== rec.d.sid) return;
    handle(rec, message.command, message.params, message.callback);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".app-host[data-frame]").forEach(function (host) {
      mount(host, JSON.parse(host.getAttribute("data-frame")), host.getAttribute("data-csrf"),
        host.getAttribute("data-close"));
    });
  });
})();
