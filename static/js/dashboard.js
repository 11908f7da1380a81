// Draws the dashboard's completion chart from the JSON that the page carries
// (json_script "chart-data"). The same numbers are in the table beside it.
(function () {
  "use strict";
  var canvas = document.getElementById("completion-chart");
  var source = document.getElementById("chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  var rows = JSON.parse(source.textContent);
  var figure = function (value) {
    return value === null ? "未填报" : Math.round(value * 10) / 10 + "%";
  };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map(function (row) { return row.label; }),
      datasets: [{
        label: "完成率（%）",
        data: rows.map(function (row) { return row.percent === null ? 0 : row.percent; }),
        backgroundColor: "#2f5fa7"
      }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (context) { return figure(rows[context.dataIndex].percent); }
          }
        }
      },
      scales: {
        x: { beginAtZero: true, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } },
        y: { ticks: { autoSkip: false } }
      }
    }
  });
})();
