/* Organ dashboard charts (ECharts, vendored). Data comes from the json_script block. */
(function () {
  "use strict";
  var el = document.getElementById("chart-data");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.textContent);
  var palette = ["#1f5fa8", "#2e8b57", "#d98e04", "#c0392b", "#6c5ce7", "#0f8fa3", "#8e6c3a", "#7f8c8d"];
  var base = { color: palette, textStyle: { fontFamily: "inherit" }, animation: false };
  var charts = document.querySelector(".charts");
  var emptyText = (charts && charts.getAttribute("data-empty")) || "暂无数据";
  function chart(id, option, values) {
    var node = document.getElementById(id);
    if (!node) { return; }
    // An empty chart says so, instead of drawing empty axes or nothing at all.
    if (!values.some(function (v) { return v > 0; })) {
      node.classList.add("chart-empty");
      node.textContent = emptyText;
      return;
    }
    if (id === "chart-state") {  // one row per state, each labelled: the chart grows with them
      node.style.height = Math.max(180, values.length * 26 + 40) + "px";
    }
    var c = echarts.init(node, null, { renderer: "svg" });
    c.setOption(Object.assign({}, base, option));
    window.addEventListener("resize", function () { c.resize(); });
  }
  chart("chart-state", {
    grid: { left: 8, right: 32, top: 8, bottom: 24, containLabel: true },
    tooltip: {},
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, axisLabel: { interval: 0 },
             data: data.by_state.map(function (s) { return s.label; }) },
    series: [{ type: "bar", data: data.by_state.map(function (s) { return s.n; }), barMaxWidth: 16,
               label: { show: true, position: "right" } }]
  }, data.by_state.map(function (s) { return s.n; }));
  chart("chart-weekly", {
    grid: { left: 40, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.weekly.weeks },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "line", data: data.weekly.counts, areaStyle: { opacity: 0.15 }, smooth: true }]
  }, data.weekly.counts);
  chart("chart-channel", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
               data: data.by_channel.map(function (c) { return { name: c.label, value: c.n }; }) }]
  }, data.by_channel.map(function (c) { return c.n; }));
  chart("chart-rating", {
    color: ["#2e8b57", "#d98e04", "#c0392b"],
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
               data: data.ratings.filter(function (r) { return r.n > 0; }).map(function (r) { return { name: r.label, value: r.n }; }) }]
  }, data.ratings.map(function (r) { return r.n; }));
})();
