// Shared by the pages with charts: status colours, reading the page's JSON, and
// keyboard access (arrow keys step through the points and show each tooltip).
(function () {
  "use strict";

  var STATUS_COLOURS = {
    complete: "#1d6b36",
    notice: "#00695c",
    rectifying: "#8e2455",
    on_track: "#2f5fa7",
    slow: "#9a5b00",
    severe: "#b3261e",
    overdue: "#6a1b9a",
    not_reported: "#6b6b75"
  };

  // 关怀版: the charts' labels and legends as large as the page's text (Chart.js draws
  // them at 12 px by default, which no CSS reaches).
  if (window.Chart && document.body.classList.contains("care")) {
    Chart.defaults.font.size = 18;
  }

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function keyboard(chart) {
    var canvas = chart.canvas;
    var index = -1;
    function show() {
      var active = [];
      if (index >= 0) {
        chart.data.datasets.forEach(function (dataset, datasetIndex) {
          if (index < dataset.data.length) {
            active.push({ datasetIndex: datasetIndex, index: index });
          }
        });
      }
      chart.setActiveElements(active);
      chart.tooltip.setActiveElements(active, { x: 0, y: 0 });
      chart.update();
    }
    canvas.addEventListener("keydown", function (event) {
      var count = Math.max.apply(null, chart.data.datasets.map(function (d) { return d.data.length; }));
      if (!count) {
        return;
      }
      if (event.key === "ArrowRight" || event.key === "ArrowDown") {
        index = (index + 1) % count;
      } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
        index = (index - 1 + count) % count;
      } else if (event.key === "Escape") {
        index = -1;
      } else {
        return;
      }
      event.preventDefault();
      show();
    });
    canvas.addEventListener("blur", function () {
      index = -1;
      show();
    });
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  // A tick at the first of every month from min to max (times in ms, UTC days).
  function monthTicks(min, max) {
    var ticks = [];
    var day = new Date(min);
    var month = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1);
    if (month < min) {
      month = Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1);
    }
    while (month <= max) {
      ticks.push({ value: month });
      var next = new Date(month);
      month = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
    }
    return ticks;
  }

  window.YichengCharts = {
    colours: STATUS_COLOURS,
    readJSON: readJSON,
    keyboard: keyboard,
    isoDay: isoDay,
    monthTicks: monthTicks
  };
})();
