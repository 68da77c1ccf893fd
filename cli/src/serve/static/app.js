// The dashboard's few behaviours: the language toggle (remembered), a
// click on a parcel of a map opens its profile, a facet applies at once.
(function () {
  var body = document.body;
  try { if (localStorage.getItem("parkdb-lang") === "en") body.classList.add("en"); } catch (e) {}
  var toggle = document.getElementById("lang-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    body.classList.toggle("en");
    try { localStorage.setItem("parkdb-lang", body.classList.contains("en") ? "en" : "zh"); } catch (e) {}
  });
  document.querySelectorAll(".svgmap path.parcel").forEach(function (p) {
    p.addEventListener("click", function () {
      location.href = "/parcels/" + encodeURIComponent(p.getAttribute("data-code"));
    });
  });
  document.querySelectorAll("select.facet").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
})();
