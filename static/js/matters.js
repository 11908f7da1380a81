// The register's chart: matters done each month, from the page's JSON ("matters-data").
// The same numbers are in the table beside it.
(function () {
  "use strict";
  var helpers = window.YichengCharts;
  var data = helpers && helpers.readJSON("matters-data");
  var canvas = document.getElementById("matters-chart");
  if (!data || !canvas || typeof Chart === "undefined") {
    return;
  }
  helpers.keyboard(new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.months.map(function (m) { return m.label; }),
      datasets: [{
        label: data.text.count,
        data: data.months.map(function (m) { return m.count; }),
        backgroundColor: "#2f5fa7"
      }]
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  }));
})();
