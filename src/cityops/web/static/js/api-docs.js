// Swagger UI on /openapi.json; a script file, since the page's policy forbids inline scripts.
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
});
