// KPI dashboard: one line chart per indicator (actual against the pace line) with the vendored
// Chart.js. The same numbers are in the table under each chart for screen readers.
(function () {
  "use strict";
  // Progress bars: their width from data-width (a style attribute would be refused by the
  // Content-Security-Policy); the percentage is written beside each bar.
  document.querySelectorAll(".bar span[data-width]").forEach(function (span) {
    span.style.width = Math.min(100, Number(span.dataset.width) || 0) + "%";
  });

  function draw() {
    var source = document.getElementById("kpi-chart-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var actualLabel = document.documentElement.lang === "en" ? "Actual" : "実績";
    var paceLabel = document.documentElement.lang === "en" ? "Pace" : "ペース（目標までの直線）";
    document.querySelectorAll("canvas[data-chart-index]").forEach(function (canvas) {
      var item = data.indicators[Number(canvas.dataset.chartIndex)];
      if (!item) return;
      var chart = new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: actualLabel, data: item.actual, borderColor: "#0b57d0", backgroundColor: "#0b57d0", borderWidth: 3, spanGaps: false },
            { label: paceLabel, data: item.pace, borderColor: "#5f6368", backgroundColor: "#5f6368", borderDash: [6, 4], borderWidth: 2, pointRadius: 0 }
          ]
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true } },
          plugins: { legend: { position: "bottom" } }
        }
      });
      canvas.dataset.drawn = "true";
      canvas.kpiChart = chart;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
