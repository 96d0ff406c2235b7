// A file, not an inline script, so the page's Content-Security-Policy can refuse inline scripts.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  displayRequestDuration: true,
  // The default badge loads an image from a public validator; the page stays on this host.
  validatorUrl: null,
});
