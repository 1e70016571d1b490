// The API's browsable documentation: Swagger UI (vendored) reading the generated OpenAPI document.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    supportedSubmitMethods: ["get", "post", "patch"],
  });
});
