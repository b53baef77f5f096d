/* Analyst dashboard charts (ECharts, vendored) and the demo-city district map. */
(function () {
  "use strict";
  var el = document.getElementById("an-data");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.textContent);
  var palette = ["#1f5fa8", "#2e8b57", "#d98e04", "#c0392b", "#6c5ce7", "#0f8fa3", "#8e6c3a", "#7f8c8d"];
  var base = { color: palette, textStyle: { fontFamily: "inherit" }, animation: false };
  var charts = [];
  function chart(id, option, onClick) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var c = echarts.init(node, null, { renderer: "svg" });
    c.setOption(Object.assign({}, base, option));
    if (onClick) { c.on("click", onClick); }
    charts.push(c);
    return c;
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  function go(url) { if (url) { window.location.href = url; } }

  chart("an-chart-weekly", {
    grid: { left: 40, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.weekly.weeks.map(function (w) { return w.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "line", data: data.weekly.counts, areaStyle: { opacity: 0.15 }, smooth: false }]
  });
  var cats = data.by_category.slice(0, 12);
  chart("an-chart-category", {
    grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0, data: [document.documentElement.lang === "en" ? "This period" : "本期",
                                document.documentElement.lang === "en" ? "Previous" : "上期"] },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: cats.map(function (c) { return c.name; }) },
    series: [
      { name: document.documentElement.lang === "en" ? "This period" : "本期", type: "bar", barMaxWidth: 12,
        data: cats.map(function (c) { return { value: c.n, url: c.url }; }), label: { show: true, position: "right" } },
      { name: document.documentElement.lang === "en" ? "Previous" : "上期", type: "bar", barMaxWidth: 12,
        data: cats.map(function (c) { return { value: c.previous, url: c.url }; }), itemStyle: { color: "#b8c4d6" } }
    ]
  }, function (p) { go(p.data && p.data.url); });
  chart("an-chart-channel", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
               data: data.by_channel.map(function (c) { return { name: c.name, value: c.n }; }) }]
  });

  var mapNode = document.getElementById("an-chart-map");
  var geoEl = document.getElementById("an-geo");
  if (!mapNode || !geoEl) { return; }
  var counts = {};
  data.by_district.forEach(function (d) { counts[d.name] = d; });
  fetch(geoEl.getAttribute("data-url")).then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("minsheng-demo-city", geo);
    var max = 1;
    var values = geo.features.map(function (f) {
      var d = counts[f.properties.name];
      var n = d ? d.n : 0;
      if (n > max) { max = n; }
      return { name: f.properties.name, value: n, url: d ? d.url : null };
    });
    chart("an-chart-map", {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value || 0); } },
      visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: false, itemHeight: 80,
                   inRange: { color: ["#eef3fa", "#9dbbe0", "#1f5fa8"] }, text: [String(max), "0"] },
      series: [{ type: "map", map: "minsheng-demo-city", roam: false, aspectScale: 1,
                 label: { show: true, formatter: function (p) { return p.name + "\n" + (p.value || 0); }, fontSize: 12 },
                 itemStyle: { borderColor: "#ffffff", borderWidth: 1.5 },
                 emphasis: { label: { show: true }, itemStyle: { areaColor: "#d98e04" } },
                 data: values }]
    }, function (p) { go(p.data && p.data.url); });
  }).catch(function () { mapNode.textContent = "—"; });
})();
