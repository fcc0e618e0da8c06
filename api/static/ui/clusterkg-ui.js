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

  // Citable results. /sparql names the dataset version of each answer (Clusterkg-Version) and
  // its permalink: Link: <the same query as a GET with version=N>; rel="memento"; datetime=...
  // (api/cache). Each tab shows the version of its last answer and a "Cite this result" action:
  // the permalink, the version, its date, a BibTeX @misc entry and a plain-text line. All of it
  // is set as text (textContent, textarea values), never as HTML.
  var dataset = config.dataset || "clusterkg";

  function memento(header) {
    var match = /<([^>]*)>\s*;\s*rel="?memento"?(?:\s*;\s*datetime="([^"]*)")?/.exec(header || "");
    if (!match) {
      return null;
    }
    var url = new URL(match[1], endpoint);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return null;
    }
    return { url: url.href, datetime: match[2] || null };
  }

  function isoSeconds(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  // BibTeX's special characters in a field's text (a title may hold anything).
  function bibtexText(text) {
    return String(text).replace(/[\\{}%&$#_^~]/g, function (c) {
      if (c === "\\") return "\\textbackslash{}";
      if (c === "^") return "\\^{}";
      if (c === "~") return "\\~{}";
      return "\\" + c;
    });
  }

  function citation(info) {
    var day = info.date.slice(0, 10);
    var accessed = isoSeconds(new Date()).slice(0, 10);
    var title = "Query result: " + info.title;
    // The url field is read verbatim by biblatex; braces and backslashes cannot be in it.
    var url = info.permalink.replace(/[{}\\]/g, encodeURIComponent);
    var bibtex = [
      "@misc{" + dataset.replace(/[^A-Za-z0-9]/g, "") + "-v" + info.version + "-" + day.replace(/-/g, "") + ",",
      "  title   = {" + bibtexText(title) + "},",
      "  author  = {{" + bibtexText(dataset) + "}},",
      "  year    = {" + day.slice(0, 4) + "},",
      "  note    = {SPARQL query result, dataset version " + info.version + " of " + info.date + "},",
      "  url     = {" + url + "},",
      "  urldate = {" + accessed + "},",
      "}",
    ].join("\n");
    var text =
      dataset + " (" + day.slice(0, 4) + "). " + title + ". Dataset version " + info.version +
      ", " + info.date + ". " + info.permalink + " (accessed " + accessed + ").";
    return { bibtex: bibtex, text: text };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function citeBox(info) {
    var cite = citation(info);
    var box = element("div", "clusterkg-cite");
    box.hidden = true;
    var link = element("a", "clusterkg-permalink", info.permalink);
    link.href = info.permalink;
    var line = element("p", null, "Permalink: ");
    line.appendChild(link);
    box.appendChild(line);
    box.appendChild(element("p", null, "Dataset version " + info.version + ", " + info.date));
    [["BibTeX", "clusterkg-cite-bibtex", cite.bibtex], ["Text", "clusterkg-cite-text", cite.text]].forEach(
      function (item) {
        var label = element("label", null, item[0]);
        var area = element("textarea", item[1]);
        area.readOnly = true;
        area.rows = item[1] === "clusterkg-cite-bibtex" ? 8 : 3;
        area.value = item[2];
        label.appendChild(area);
        box.appendChild(label);
      }
    );
    return box;
  }

  function showVersion(tab, response) {
    var panel = document.getElementById(tab.getId());
    if (!panel) return;
    var old = panel.querySelector(".clusterkg-version");
    if (old) old.remove();
    if (!response || !response.headers || typeof response.headers.get !== "function") return;
    var bar = element("div", "clusterkg-version");
    var version = response.headers.get("Clusterkg-Version");
    var link = memento(response.headers.get("Link"));
    if (!version) {
      bar.appendChild(element("span", "clusterkg-version-label",
        "This answer names no dataset version (the data may change under it): it cannot be cited."));
    } else {
      var when = link && link.datetime ? link.datetime : response.headers.get("Last-Modified");
      var date = when && !isNaN(Date.parse(when)) ? isoSeconds(new Date(when)) : "date unknown";
      bar.dataset.version = version;
      bar.appendChild(element("span", "clusterkg-version-label", "Dataset version " + version + " · " + date));
      if (link) {
        var info = { version: version, date: date, permalink: link.url, title: tab.getName() };
        var box = citeBox(info);
        var button = element("button", "clusterkg-cite-button", "Cite this result");
        button.type = "button";
        button.addEventListener("click", function () {
          box.hidden = !box.hidden;
        });
        bar.appendChild(button);
        bar.appendChild(box);
      } else {
        bar.appendChild(element("span", "clusterkg-version-label", " (the query is too long for a permalink)"));
      }
    }
    var yasr = panel.querySelector(".yasr");
    if (yasr && yasr.parentNode) {
      yasr.parentNode.insertBefore(bar, yasr);
    } else {
      panel.appendChild(bar);
    }
  }

  // Each tab's editor emits its response (a fetch Response's headers) before YASR draws it.
  var watched = {};
  yasgui.on("query", function (instance, tab) {
    var yasqe = tab.getYasqe();
    if (!yasqe || watched[tab.getId()] === yasqe) return;
    watched[tab.getId()] = yasqe;
    yasqe.on("queryResponse", function (editor, response) {
      try {
        showVersion(tab, response);
      } catch (e) {
        console.warn("clusterkg: the version of this answer could not be shown", e); // YASR draws on
      }
    });
  });

  window.clusterkgYasgui = yasgui; // for the browser tests and the curious
})();
