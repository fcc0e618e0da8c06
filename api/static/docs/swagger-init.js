// Starts Swagger UI on /docs (what FastAPI's page does in an inline script, which our
// Content-Security-Policy does not run). The OpenAPI document's URL is in the page.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    // No badge from validator.swagger.io: the page asks no other host for anything.
    validatorUrl: null,
    // Configuration from the page's query string (?url=, ?configUrl=) is not read.
    queryConfigEnabled: false,
  });
})();
