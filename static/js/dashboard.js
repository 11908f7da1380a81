// The dashboard's two charts, drawn from the JSON the page carries ("chart-data").
// The same numbers are in the tables beside them.
(function () {
  "use strict";
  var helpers = window.YichengCharts;
  var data = helpers && helpers.readJSON("chart-data");
  if (!data || typeof Chart === "undefined") {
    return;
  }
  var text = data.text;

  var completion = document.getElementById("completion-chart");
  if (completion) {
    var projects = data.projects;
    helpers.keyboard(new Chart(completion, {
      type: "bar",
      data: {
        labels: projects.map(function (p) { return p.label; }),
        datasets: [
          {
            label: text.percent,
            data: projects.map(function (p) { return p.percent === null ? 0 : p.percent; }),
            backgroundColor: projects.map(function (p) { return helpers.colours[p.status]; })
          },
          {
            label: text.expected,
            data: projects.map(function (p) { return p.expected; }),
            backgroundColor: "#c9ccd6"
          }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                var project = projects[context.dataIndex];
                var shown = context.datasetIndex === 0 ? project.percent_text : project.expected_text;
                return context.dataset.label + ": " + shown;
              }
            }
          }
        },
        scales: {
          x: { beginAtZero: true, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } },
          y: { ticks: { autoSkip: false } }
        }
      }
    }));
  }

  var statusCanvas = document.getElementById("status-chart");
  if (statusCanvas) {
    var statuses = data.statuses;
    helpers.keyboard(new Chart(statusCanvas, {
      type: "bar",
      data: {
        labels: statuses.map(function (s) { return s.label; }),
        datasets: [{
          label: text.projects,
          data: statuses.map(function (s) { return s.count; }),
          backgroundColor: statuses.map(function (s) { return helpers.colours[s.status]; })
        }]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    }));
  }
})();
