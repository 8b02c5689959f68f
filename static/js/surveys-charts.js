// Bar charts beside each table: the same numbers (% of respondents) as the table.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("survey-charts");
    if (!data || typeof Chart === "undefined") return;
    var spec = JSON.parse(data.textContent);
    spec.charts.forEach(function (chart) {
      var canvas = document.getElementById(chart.id);
      if (!canvas) return;
      new Chart(canvas, {
        type: "bar",
        data: { labels: chart.labels, datasets: [{ data: chart.values, backgroundColor: spec.colour }] },
        options: {
          indexAxis: "y",
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } }
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
