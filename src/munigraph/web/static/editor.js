/* munigraph: start YASGUI on /sparql with the configuration the server put in #yasgui-config.
 *
 * Everything stays on this server: the endpoint is the page's own URL, the prefix autocompleter offers the
 * project's prefixes (not prefix.cc), and the class and property autocompleters ask this endpoint (not Linked Open
 * Vocabularies). Each named query is a tab. If anything is missing, the plain form on the page stays usable.
 */
(function () {
  "use strict";

  var configEl = document.getElementById("yasgui-config");
  var root = document.getElementById("yasgui");
  if (!configEl || !root || typeof window.Yasgui !== "function") {
    return;
  }
  var cfg = JSON.parse(configEl.textContent);
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;

  var url = new URL(cfg.endpoint || window.location.pathname, window.location.href);
  url.search = "";
  url.hash = "";
  var endpoint = url.href;

  function sparqlString(text) {
    return JSON.stringify(String(text));
  }

  // IRIs starting with what the user typed, from this endpoint.
  function askEndpoint(query, variable) {
    var body = new URLSearchParams();
    body.append("query", query);
    return fetch(endpoint, {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json" },
      body: body
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
      return response.json();
    }).then(function (json) {
      return json.results.bindings
        .filter(function (b) { return b[variable] && b[variable].type === "uri"; })
        .map(function (b) { return b[variable].value; });
    }).catch(function (error) {
      console.warn("munigraph: autocompletion failed", error);
      return [];
    });
  }

  function startsWith(token) {
    return (token && token.autocompletionString) || "";
  }

  var prefixList = Object.keys(cfg.prefixes).sort().map(function (p) {
    return p + ": <" + cfg.prefixes[p] + ">";
  });

  Yasqe.forkAutocompleter("prefixes", {
    name: "munigraph-prefixes",
    persistenceId: null,
    get: function () { return Promise.resolve(prefixList); }
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "munigraph-property",
    get: function (yasqe, token) {
      return askEndpoint("SELECT DISTINCT ?p WHERE { [] ?p [] FILTER(STRSTARTS(STR(?p), " +
        sparqlString(startsWith(token)) + ")) } ORDER BY ?p LIMIT 100", "p");
    }
  }, false);
  Yasqe.forkAutocompleter("class", {
    name: "munigraph-class",
    get: function (yasqe, token) {
      return askEndpoint("SELECT DISTINCT ?c WHERE { [] a ?c FILTER(STRSTARTS(STR(?c), " +
        sparqlString(startsWith(token)) + ")) } ORDER BY ?c LIMIT 100", "c");
    }
  }, false);
  // Replace the list rather than merging it (lodash merges arrays index by index).
  var completers = ["variables", "munigraph-prefixes", "munigraph-property", "munigraph-class"];
  Yasqe.defaults.autocompleters = completers.slice();
  Yasgui.defaults.yasqe.autocompleters = completers.slice();
  Yasqe.defaults.prefixCcApi = null;
  Yasgui.defaults.yasqe.prefixCcApi = null;

  var yasgui = new Yasgui(root, {
    persistenceId: "munigraph",
    autoAddOnInit: false,
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: cfg.defaultQuery, prefixCcApi: null, collapsePrefixesOnLoad: true },
    yasr: { prefixes: cfg.prefixes }
  });

  // One tab per named query, unless this browser already keeps one (with the user's edits).
  cfg.tabs.forEach(function (tab) {
    if (!yasgui.getTab(tab.id)) {
      yasgui.addTab(false, {
        id: tab.id,
        name: tab.name,
        yasqe: { value: tab.query },
        requestConfig: { endpoint: endpoint }
      });
    }
  });
  function select(id) {
    var current = yasgui.getTab();
    if (current && current.getId() === id) { return; }
    if (current) {
      yasgui.selectTabId(id);
    } else {  // nothing active yet: selectTabId needs a current tab
      yasgui.persistentConfig.setActive(id);
      yasgui.markTabSelected(id);
    }
  }
  var wanted = cfg.selected ? "munigraph-" + cfg.selected : null;
  if (wanted && yasgui.getTab(wanted)) {
    select(wanted);
  } else if (!yasgui.getTab()) {
    select(cfg.tabs.length ? cfg.tabs[0].id : yasgui.addTab(false).getId());
  }

  var plain = document.getElementById("plain-editor");
  if (plain) { plain.hidden = true; }
  root.hidden = false;
  window.munigraphYasgui = yasgui;
})();
