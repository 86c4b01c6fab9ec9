/* Draws the insights charts from the JSON the page embeds (labels come translated). */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("insights-charts");
    if (!source || !window.Chart) return;
    var charts = JSON.parse(source.textContent);
    var segmentCanvas = document.getElementById("segment-chart");
    if (segmentCanvas) {
      new window.Chart(segmentCanvas, {
        type: "bar",
        data: {
          labels: charts.segments.labels,
          datasets: [
            { label: charts.segments.customers_label, data: charts.segments.customers, backgroundColor: "#6366f1", yAxisID: "y" },
            { label: charts.segments.revenue_label, data: charts.segments.revenue, backgroundColor: "#f59e0b", yAxisID: "y1" }
          ]
        },
        options: {
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true, position: "left" }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } }
        }
      });
    }
    var clvCanvas = document.getElementById("clv-chart");
    if (clvCanvas) {
      new window.Chart(clvCanvas, {
        type: "bar",
        data: { labels: charts.clv.labels, datasets: [{ label: charts.clv.label, data: charts.clv.customers, backgroundColor: "#8b5cf6" }] },
        options: { maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
