/* Draws the monthly chart of the open-statistics page; the table below it holds the same data. */
(function () {
  "use strict";
  var node = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!node || !source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  node.style.height = "360px";
  var chart = window.echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 40, right: 16, top: 16, bottom: 56 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "total", data: s.data }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
