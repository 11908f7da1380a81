// Each target's cumulative progress over time against its plan line, from the JSON
// the page carries ("target-charts"). The same numbers are in the table below each.
(function () {
  "use strict";
  var helpers = window.YichengCharts;
  var data = helpers && helpers.readJSON("target-charts");
  if (!data || typeof Chart === "undefined") {
    return;
  }
  var points = function (rows) {
    return rows.map(function (row) { return { x: Date.parse(row.date), y: row.value }; });
  };
  data.targets.forEach(function (target) {
    var canvas = document.getElementById("target-chart-" + target.id);
    if (!canvas) {
      return;
    }
    helpers.keyboard(new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: data.text.actual,
            data: points(target.actual),
            borderColor: "#2f5fa7",
            backgroundColor: "#2f5fa7",
            pointRadius: 4
          },
          {
            label: data.text.plan,
            data: points(target.plan),
            borderColor: "#6b6b75",
            backgroundColor: "#6b6b75",
            borderDash: [6, 4],
            stepped: target.stepped ? "after" : false,
            pointRadius: 2
          }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? helpers.isoDay(items[0].parsed.x) : ""; },
              label: function (context) {
                return context.dataset.label + ": " + context.parsed.y + " " + target.unit;
              }
            }
          }
        },
        scales: {
          x: {
            type: "linear",
            // The plan's period (and any later figure), not a range rounded outwards.
            min: Date.parse(target.start),
            max: Date.parse(target.end),
            afterBuildTicks: function (scale) { scale.ticks = helpers.monthTicks(scale.min, scale.max); },
            ticks: { autoSkip: true, maxRotation: 0, callback: function (v) { return helpers.isoDay(v).slice(0, 7); } }
          },
          y: { beginAtZero: true, title: { display: true, text: target.unit } }
        }
      }
    }));
  });
})();
