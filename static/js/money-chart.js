// A project's money in 万元 (budget, in place, contracted, paid) as bars, with its
// 完成率 and time gone as vertical lines at that share of the budget, from the JSON the
// page carries ("money-chart-data"). The server wrote every text; the table below has
// the same numbers.
(function () {
  "use strict";
  var helpers = window.YichengCharts;
  var data = helpers && helpers.readJSON("money-chart-data");
  var canvas = document.getElementById("money-chart");
  if (!data || !canvas || typeof Chart === "undefined") {
    return;
  }
  var labels = data.bars.map(function (bar) { return bar.label; });
  var first = labels[0];
  var last = labels[labels.length - 1];
  var markerColours = ["#1d6b36", "#8e2455"];
  var datasets = [
    {
      type: "bar",
      label: data.unit,
      data: data.bars.map(function (bar) { return bar.value; }),
      backgroundColor: ["#6b6b75", "#2f5fa7", "#9a5b00", "#00695c"],
      texts: data.bars.map(function (bar) { return bar.text; })
    }
  ];
  data.markers.forEach(function (marker, index) {
    datasets.push({
      type: "line",
      label: marker.label + " " + marker.text,
      data: [{ x: marker.value, y: first }, { x: marker.value, y: last }],
      borderColor: markerColours[index % markerColours.length],
      backgroundColor: markerColours[index % markerColours.length],
      borderDash: index ? [6, 4] : [],
      borderWidth: 2,
      pointRadius: 0,
      texts: [marker.text, marker.text]
    });
  });
  helpers.keyboard(new Chart(canvas, {
    data: { labels: labels, datasets: datasets },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: {
          labels: {
            usePointStyle: true,
            pointStyle: "line",
            // the bars' colours say which figure: the legend names only the lines
            filter: function (item) { return item.datasetIndex > 0; }
          }
        },
        tooltip: {
          callbacks: {
            label: function (context) {
              var text = context.dataset.texts[context.dataIndex];
              return context.datasetIndex ? context.dataset.label : context.label + ": " + text + " " + data.unit;
            }
          }
        }
      },
      scales: {
        x: { beginAtZero: true, title: { display: true, text: data.unit } },
        y: { type: "category", labels: labels }
      }
    }
  }));
})();
