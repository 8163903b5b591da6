// The map of field areas and places (Leaflet, vendored). No inline script: the data comes
// from the <script type="application/json" id="map-data"> element that Django's json_script
// renders, and every name is put in as text, never as HTML.
(function () {
  "use strict";

  const container = document.getElementById("map");
  const source = document.getElementById("map-data");
  if (!container || !source || !window.L) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const labels = container.dataset;

  const map = L.map(container, {
    zoomControl: false,
    attributionControl: Boolean(data.tiles),
    scrollWheelZoom: false,
  });
  L.control.zoom({ zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut }).addTo(map);

  if (data.tiles) {
    // Only a tile source the service has set; without one the areas stand on a plain
    // background. The page's Content-Security-Policy allows that source's images only.
    let host = "";
    try {
      host = new URL(data.tiles.replace("{s}", "a")).host;
    } catch (error) {
      host = "";
    }
    L.tileLayer(data.tiles, {
      maxZoom: 19,
      attribution: "",
    }).addTo(map);
    map.attributionControl.setPrefix(false);
    if (host) {
      map.attributionControl.addAttribution(labels.tilesFrom + ": " + host.replace(/[<>&"]/g, ""));
    }
  }

  function popup(lines) {
    const box = document.createElement("div");
    lines.forEach(function (line, index) {
      const element = document.createElement(index === 0 ? "strong" : "span");
      element.textContent = line;
      if (index > 0) {
        box.appendChild(document.createElement("br"));
      }
      box.appendChild(element);
    });
    return box;
  }

  const drawn = L.featureGroup().addTo(map);
  data.areas.forEach(function (area) {
    L.geoJSON(area.boundary, {
      style: { className: "map-area", weight: 2, fillOpacity: 0.15 },
    })
      .bindPopup(popup([area.name]), { closeButton: true })
      .addTo(drawn);
  });
  data.places.forEach(function (place) {
    L.circleMarker([place.lat, place.lon], {
      className: "map-place",
      radius: 8,
      weight: 2,
      fillOpacity: 0.9,
    })
      .bindPopup(popup([place.name, place.kind, place.area, place.safety].filter(Boolean)))
      .addTo(drawn);
  });

  if (drawn.getLayers().length) {
    map.fitBounds(drawn.getBounds(), { padding: [16, 16], maxZoom: 17 });
  } else {
    map.setView([59.9127, 10.7461], 13);
  }

  // Leaflet's popup close button reads "Close popup" in English; use the page's language.
  map.on("popupopen", function (event) {
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", labels.close);
      close.setAttribute("title", labels.close);
    }
  });
})();
