// The sites page's map (only where the deployment configures a tile service): one
// marker per site with coordinates, from the GeoJSON the page carries; the list below
// the map says the same in text.
(function () {
  "use strict";
  var box = document.getElementById("site-map");
  var data = document.getElementById("site-points");
  if (!box || !data || !window.L) return;
  var points = JSON.parse(data.textContent);
  var icon = L.icon({
    iconUrl: box.dataset.icon,
    iconRetinaUrl: box.dataset.icon2x,
    shadowUrl: box.dataset.shadow,
    iconSize: [25, 41],
    iconAnchor: [12, 41],
    popupAnchor: [1, -34],
    shadowSize: [41, 41],
  });
  var map = L.map(box, { scrollWheelZoom: false });
  var options = { maxZoom: 18, attribution: box.dataset.attribution };
  if (box.dataset.subdomains) options.subdomains = box.dataset.subdomains;
  L.tileLayer(box.dataset.tiles, options).addTo(map);
  var layer = L.geoJSON(points, {
    pointToLayer: function (feature, latlng) {
      return L.marker(latlng, { icon: icon, title: feature.properties.name, alt: feature.properties.name });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name;
      var body = document.createElement("div");
      body.appendChild(link);
      body.appendChild(document.createTextNode(" " + (p.stage_label || "")));
      marker.bindPopup(body);
    },
  }).addTo(map);
  if (points.features.length) {
    map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
  } else {
    map.setView([32.98, 114.02], 12); // 驿城区
  }
})();
