// Draws the dashboard's charts (Apache ECharts, static/vendor/echarts) from the tables beside
// them: each `.chart` div is drawn from the table with the same data-chart name, so the
// numbers, the labels (in the page's language) and the link behind every bar or segment come
// from one place. Clicking a bar or segment opens the link of the table cell it shows.
(function () {
  "use strict";

  var KINDS = {
    funnel: "funnel",
    category: "bar-horizontal",
    trend: "bar-vertical",
    park: "bar-horizontal",
    county: "bar-horizontal",
  };
  var COLORS = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1"];

  function number(text) {
    var value = parseFloat(String(text).replace(/,/g, ""));
    return isNaN(value) ? 0 : value;
  }

  // The table as {labels, series: [{name, values, links}]}: one series per value column.
  function read(table) {
    var heads = table.querySelectorAll("thead th");
    var rows = table.querySelectorAll("tbody tr");
    var data = { labels: [], series: [] };
    for (var c = 1; c < heads.length; c++) {
      data.series.push({ name: heads[c].textContent.trim(), values: [], links: [] });
    }
    rows.forEach(function (row) {
      var label = row.querySelector("th");
      var cells = row.querySelectorAll("td");
      if (!label || !cells.length) {
        return;
      }
      data.labels.push(label.textContent.trim());
      data.series.forEach(function (series, i) {
        var link = cells[i] && cells[i].querySelector("a[data-figure]");
        series.values.push(link ? number(link.textContent) : 0);
        series.links.push(link ? link.getAttribute("href") : null);
      });
    });
    return data;
  }

  function options(kind, data, font) {
    var base = {
      color: COLORS,
      animation: false,
      textStyle: { fontFamily: font },
      // drawn on the canvas: an HTML tooltip would carry inline styles, which our CSP refuses
      tooltip: { trigger: kind === "funnel" ? "item" : "axis", confine: true, renderMode: "richText" },
    };
    if (kind === "funnel") {
      var first = data.series[0];
      base.series = [
        {
          type: "funnel",
          sort: "none",
          left: "5%",
          width: "90%",
          minSize: "30%",
          gap: 2,
          label: { position: "inside", formatter: "{b}: {c}", color: "#fff" },
          data: data.labels.map(function (label, i) {
            return { name: label, value: first.values[i] };
          }),
        },
      ];
      return base;
    }
    var horizontal = kind === "bar-horizontal";
    var categories = {
      type: "category",
      data: data.labels,
      inverse: horizontal,
      axisLabel: { width: 110, overflow: "truncate", hideOverlap: true },
    };
    var values = { type: "value", minInterval: 1 };
    base.xAxis = horizontal ? values : categories;
    base.yAxis = horizontal ? categories : values;
    base.grid = { left: 8, right: 16, top: data.series.length > 1 ? 32 : 12, bottom: 8, containLabel: true };
    if (data.series.length > 1) {
      base.legend = { top: 0 };
    }
    base.series = data.series.map(function (series) {
      return { type: "bar", name: series.name, data: series.values };
    });
    return base;
  }

  function draw(holder) {
    var name = holder.id.replace(/^chart-/, "");
    var table = document.querySelector('table[data-chart="' + name + '"]');
    if (!table || !KINDS[name] || !window.echarts) {
      return null;
    }
    var data = read(table);
    if (!data.labels.length) {
      holder.hidden = true;
      return null;
    }
    var font = window.getComputedStyle(document.body).fontFamily;
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption(options(KINDS[name], data, font));
    chart.on("click", function (params) {
      var series = data.series[KINDS[name] === "funnel" ? 0 : params.seriesIndex];
      var href = series && series.links[params.dataIndex];
      if (href) {
        window.location.assign(href);
      }
    });
    holder.classList.add("drawn");
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll(".chart[id^='chart-']").forEach(function (holder) {
      var chart = draw(holder);
      if (chart) {
        charts.push(chart);
      }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
