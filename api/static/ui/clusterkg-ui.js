// The clusterkg query UI: YASGUI (vendored, api/static/yasgui) set up so that it talks to
// this host only. The page (api/routers/ui.py, template api/templates/ui.html) hands us the
// endpoint, our prefixes and the tabs in a JSON block; its Content-Security-Policy refuses
// requests to any other host.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("clusterkg-ui-config").textContent);
  var Yasqe = Yasgui.Yasqe;
  var endpoint = new URL(config.endpoint, document.baseURI).href;

  // Autocompleters. YASQE's "property" and "class" completers ask Linked Open Vocabularies
  // (lov.linkeddata.es) and its "prefixes" completer can ask prefix.cc: the first two are
  // removed, the third answers with our prefixes from memory.
  var ourPrefixes = Object.keys(config.prefixes)
    .sort()
    .map(function (p) { return p + ": <" + config.prefixes[p] + ">"; });
  delete Yasqe.Autocompleters.property;
  delete Yasqe.Autocompleters["class"];
  Yasqe.Autocompleters.prefixes = Object.assign({}, Yasqe.Autocompleters.prefixes, {
    get: function () { return Promise.resolve(ourPrefixes); },
    persistenceId: null,
  });
  // Yasgui.defaults.yasqe is this same object: every tab's editor gets these.
  Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  Yasqe.defaults.prefixCcApi = null;
  Yasqe.defaults.createShortLink = undefined;
  Yasqe.defaults.persistenceId = null;
  Yasqe.defaults.collapsePrefixesOnLoad = true; // the queries, not their PREFIX lines, in view

  // Errors: /sparql answers JSON {"error": kind, "message": text}; YASQE hands YASR the body
  // as text. Show the message itself, with a headline, rather than the raw JSON.
  function renderError(error) {
    var text = error && error.text ? String(error.text) : "";
    var kind = null;
    var message = text;
    try {
      var body = JSON.parse(text);
      if (body && typeof body.message === "string") {
        message = body.message;
        kind = typeof body.error === "string" ? body.error : null;
      }
    } catch (e) {
      // Not JSON: show the text as it is.
    }
    var headline;
    if (kind === "query-timeout") {
      headline = "The query took too long and was stopped";
    } else if (kind) {
      headline = "The query failed (" + kind + ")";
    } else if (!message || message === "Failed to fetch" || message.indexOf("NetworkError") === 0) {
      headline = "The server could not be reached";
      message = message || "No answer from " + endpoint;
    } else {
      headline = "The query failed";
    }
    if (error && error.status) {
      headline += " · HTTP " + error.status;
    }
    var box = document.createElement("div");
    box.className = "clusterkg-error";
    box.setAttribute("role", "alert");
    var title = document.createElement("strong");
    title.className = "clusterkg-error-title";
    title.textContent = headline;
    var detail = document.createElement("p");
    detail.className = "clusterkg-error-message";
    detail.textContent = message;
    box.appendChild(title);
    box.appendChild(detail);
    return Promise.resolve(box);
  }
  // Each tab's YASR takes its error renderers from here (after YASGUI's CORS-error renderer,
  // which only speaks when there is no answer at all).
  Yasgui.Yasr.defaults.errorRenderers = [renderError];

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: null, // nothing in localStorage: every load starts from these tabs
    populateFromUrl: false,
    autofocus: false,
    tabName: config.defaultTab.name,
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
    yasqe: { value: config.defaultTab.query },
    // IRIs in the results are shortened with our prefixes as well as the query's own.
    yasr: { prefixes: config.prefixes },
  });

  var first = yasgui.getTab();
  config.tabs.forEach(function (tab) {
    yasgui.addTab(false, { name: tab.name, yasqe: { value: tab.query } });
  });
  if (first) {
    yasgui.selectTabId(first.getId());
  }

  // Long tab names (the named queries' summaries) are cut short by the stylesheet; the full
  // name shows on hover.
  function titleTabs() {
    var names = document.querySelectorAll(".yasgui .tabsList .tab a > span");
    Array.prototype.forEach.call(names, function (span) {
      span.title = span.textContent.trim();
    });
  }
  titleTabs();
  yasgui.on("tabAdd", titleTabs);
  yasgui.on("tabChange", titleTabs);

  window.clusterkgYasgui = yasgui; // for the browser tests and the curious
})();
