// Starts ReDoc on /redoc (what FastAPI's page does with a <redoc> element and a CDN script).
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-openapi-url"), { hideDownloadButton: false }, root);
})();
