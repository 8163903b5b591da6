// The statistics chart: reads the figures from the JSON block next to the canvas (no inline
// scripts under the CSP). Hidden figures are null and left as gaps. Colours and dash patterns
// differ per series so the chart also reads in black and white print.
(function () {
  "use strict";
  var canvas = document.getElementById("statistics-chart");
  var source = document.getElementById("statistics-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = ["#1e5aa0", "#b0471b", "#2f7d32", "#6b3fa0", "#8a6d00", "#0f6b6b", "#a01e5a", "#444444"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [], [6, 3], [2, 2], [8, 3, 2, 3]];
  var single = data.labels.length === 1;
  var datasets = data.series.map(function (series, i) {
    var colour = colours[i % colours.length];
    return {
      label: series.label,
      data: series.values,
      borderColor: colour,
      backgroundColor: colour,
      borderDash: dashes[i % dashes.length],
      pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "cross"][i % 6],
      pointRadius: 3,
      spanGaps: false,
      tension: 0
    };
  });
  new window.Chart(canvas, {
    type: single ? "bar" : "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { title: { display: true, text: data.title }, legend: { position: "bottom" } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
  // Redraw at the paper's width when printing.
  window.addEventListener("beforeprint", function () {
    var chart = window.Chart.getChart(canvas);
    if (chart) chart.resize();
  });
})();
