// Threadline pages: progressive enhancement only (every figure is also in a table).
"use strict";

// The circuit of a group of posts on an offline map: country outlines from the vendored
// world-atlas as the base layer (no tile server), one numbered circle per place in the order
// the posts reached it, joined by a line.
async function drawCircuit(element) {
  const stops = JSON.parse(document.getElementById(element.dataset.circuit).textContent)
    .filter((stop) => stop.lat !== null && stop.lon !== null);
  // A view first: vector layers need the map's pixel bounds when they are added.
  const map = L.map(element, { attributionControl: true, zoomSnap: 0.25 }).setView([20, 0], 1);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth via world-atlas; GeoNames");
  const atlas = await (await fetch(element.dataset.atlas)).json();
  L.geoJSON(topojson.feature(atlas, atlas.objects.countries), {
    style: { color: "#8a94a3", weight: 0.6, fillColor: "#eef1f5", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
  const points = stops.map((stop) => [stop.lat, stop.lon]);
  if (points.length > 1) {
    L.polyline(points, { color: "#2457a6", weight: 2, opacity: 0.7 }).addTo(map);
  }
  stops.forEach((stop, index) => {
    L.circleMarker([stop.lat, stop.lon], {
      radius: 5 + Math.min(10, Math.sqrt(stop.posts)),
      color: "#a12a1e", fillColor: "#e0533f", fillOpacity: 0.8, weight: 1,
      className: "circuit-stop",
    }).bindTooltip(`${index + 1}. ${stop.place}: ${stop.posts} posts, ${stop.first} to ${stop.last}`)
      .addTo(map);
  });
  if (points.length === 1) {
    map.setView(points[0], 6);
  } else if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points).pad(0.3));
  }
  element.dataset.ready = String(stops.length);
}

// The graph of a network's posts and what they share (contacts, templates), with cytoscape.
const GRAPH_COLOURS = {
  post: "#8a94a3", phone: "#a12a1e", email: "#2457a6", handle: "#7a3fb0", payment: "#b36b00",
  crypto: "#0f7a6b", url: "#3f6f2a", template: "#5b6472",
};

function drawGraph(element) {
  const elements = JSON.parse(document.getElementById(element.dataset.graph).textContent);
  const graph = cytoscape({
    container: element,
    elements,
    style: [
      { selector: "node", style: {
        "background-color": (node) => GRAPH_COLOURS[node.data("kind")] || "#999",
        width: (node) => (node.data("kind") === "post" ? 8 : 18),
        height: (node) => (node.data("kind") === "post" ? 8 : 18),
        label: (node) => (node.data("kind") === "post" ? "" : node.data("label")),
        "font-size": 9, color: "#1d2430",
      } },
      { selector: "edge", style: { width: 0.6, "line-color": "#c5ccd6" } },
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 6000 },
  });
  graph.on("tap", "node[kind = 'post']", (event) => {
    window.location.href = "/posts/" + encodeURIComponent(event.target.data("label"));
  });
  element.dataset.ready = String(graph.nodes().length);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-graph]").forEach((element) => {
    try {
      drawGraph(element);
    } catch (error) {
      element.textContent = "The graph could not be drawn: " + error;
    }
  });
  document.querySelectorAll("[data-circuit]").forEach((element) => {
    drawCircuit(element).catch((error) => {
      element.textContent = "The map could not be drawn: " + error;
    });
  });
});
