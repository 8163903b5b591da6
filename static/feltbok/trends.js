// The trend report's charts: one per section, each reading its figures from the JSON block
// named by the canvas's data-trend-chart (no inline scripts under the CSP). Hidden figures are
// null and left as gaps; colours and dash patterns differ per series so print reads too.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var colours = ["#1e5aa0", "#b0471b", "#2f7d32", "#6b3fa0", "#8a6d00", "#0f6b6b", "#a01e5a", "#444444"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  var points = ["circle", "rect", "triangle", "rectRot", "star", "cross"];
  document.querySelectorAll("canvas[data-trend-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-trend-chart"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var datasets = data.series.map(function (series, i) {
      var colour = colours[i % colours.length];
      return {
        label: series.label,
        data: series.values,
        borderColor: colour,
        backgroundColor: colour,
        borderDash: dashes[i % dashes.length],
        pointStyle: points[i % points.length],
        pointRadius: 3,
        spanGaps: false,
        tension: 0
      };
    });
    new window.Chart(canvas, {
      type: data.labels.length === 1 ? "bar" : "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { title: { display: true, text: data.title }, legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("canvas[data-trend-chart]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.resize();
    });
  });
})();
