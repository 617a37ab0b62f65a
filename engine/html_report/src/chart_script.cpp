// The inline script of the report: draws the uPlot charts from the JSON blob (id "lse-data"), then
// marks <body> so a headless browser test can see it ran: data-charts-drawn = charts created,
// data-charts-painted = canvases with at least one non-transparent pixel (set once they painted),
// data-chart-error = the exception if drawing failed.
#include "report_page.hpp"

namespace lse::html_report::detail {
namespace {

constexpr std::string_view kScript = R"js((function () {
  'use strict';
  var body = document.body;
  var drawn = 0;
  var plots = [];
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf',
                 '#bcbd22', '#7f7f7f'];

  function fmt(v) {
    if (v == null) return '\u2013';
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }
  function widthOf(el) {
    var w = el.getBoundingClientRect().width || document.documentElement.clientWidth || 800;
    return Math.max(360, Math.floor(w));
  }
  function anyNonZero(values) {
    for (var i = 0; i < values.length; i++) if (values[i]) return true;
    return false;
  }

  // series: [{label, values, color?, dash?}]
  function draw(id, title, unit, series, t) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!t.length || !series.length) {
      el.classList.add('empty');
      el.textContent = title + ': no interval data.';
      return;
    }
    var opts = {
      title: title,
      width: widthOf(el),
      height: 280,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since start' }, { label: unit, size: 64 }],
      series: [{ label: 't (s)' }].concat(series.map(function (s, i) {
        var o = { label: s.label, stroke: s.color || palette[i % palette.length], width: 1.5,
                  points: { show: t.length < 3 }, value: function (u, v) { return fmt(v); } };
        if (s.dash) o.dash = s.dash;
        return o;
      }))
    };
    plots.push(new uPlot(opts, [t].concat(series.map(function (s) { return s.values; })), el));
    drawn++;
  }

  function percentileSeries(byName) {
    return ['p50', 'p90', 'p95', 'p99', 'max'].map(function (p) { return { label: p, values: byName[p] }; });
  }

  function countPainted() {
    var painted = 0;
    var canvases = document.querySelectorAll('canvas');
    for (var c = 0; c < canvases.length; c++) {
      var canvas = canvases[c];
      if (!canvas.width || !canvas.height) continue;
      try {
        var px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (var i = 3; i < px.length; i += 4) {
          if (px[i] !== 0) { painted++; break; }
        }
      } catch (e) { /* an unreadable canvas counts as blank */ }
    }
    body.setAttribute('data-charts-painted', String(painted));
  }

  try {
    var data = JSON.parse(document.getElementById('lse-data').textContent);
    var tl = data.timeline;
    var t = tl.t;

    // The target counts arrivals; in a scripted run each arrival is one task iteration (sending any number
    // of requests), so the achieved line to compare with it is iterations/s, drawn beside requests/s.
    var rps = [];
    if (anyNonZero(tl.target_rps)) {
      rps.push({ label: tl.has_tasks ? 'target arrivals/s' : 'target rps', values: tl.target_rps, color: '#7f7f7f',
                 dash: [6, 4] });
    }
    if (tl.has_tasks) rps.push({ label: 'achieved iterations/s', values: tl.iterations_per_s, color: '#2ca02c' });
    rps.push({ label: 'achieved rps', values: tl.achieved_rps, color: '#1f77b4' });
    draw('chart-rps', tl.has_tasks ? 'Rate: target arrivals vs achieved iterations and requests per second'
                                   : 'Requests per second: target vs achieved', 'per second', rps, t);
    draw('chart-service', 'Service time (request sent \u2192 response complete)', 'ms',
         percentileSeries(tl.service_ms), t);
    draw('chart-response', 'Response time, coordinated-omission corrected (intended start \u2192 complete)', 'ms',
         percentileSeries(tl.response_ms), t);

    var errors = Object.keys(tl.errors).map(function (k) { return { label: k, values: tl.errors[k] }; });
    if (!errors.length) {
      errors = [{ label: 'errors', values: t.map(function () { return 0; }), color: '#2ca02c' }];
    }
    draw('chart-errors', 'Errors by kind per interval', 'errors', errors, t);

    var statusColors = { '2xx': '#2ca02c', '3xx': '#1f77b4', '4xx': '#ff7f0e', '5xx': '#d62728' };
    var statuses = Object.keys(tl.statuses).filter(function (k) {
      return k === '2xx' || anyNonZero(tl.statuses[k]);
    }).map(function (k) { return { label: k, values: tl.statuses[k], color: statusColors[k] }; });
    draw('chart-statuses', 'Responses by status class per interval', 'responses', statuses, t);

    if (tl.tasks.length) {
      draw('chart-tasks', 'Iterations per second by task', 'iterations/s',
           tl.tasks.map(function (task) { return { label: task.name, values: task.iterations_per_s }; }), t);
    } else {
      document.getElementById('chart-tasks').remove();
    }

    // Is lsengine itself the bottleneck? Each generator's loop lag p99 per interval, against the saturation limit.
    if (tl.generators && tl.generators.length) {
      var lag = tl.generators.map(function (g) { return { label: g.name, values: g.loop_lag_p99_ms }; });
      lag.push({ label: 'saturated above', values: t.map(function () { return tl.saturated_lag_p99_ms; }),
                 color: '#b42318', dash: [4, 4] });
      draw('chart-loop-lag', 'Load generator event-loop lag p99 (per generator)', 'ms', lag, t);
    } else {
      document.getElementById('chart-loop-lag').remove();
    }

    window.addEventListener('resize', function () {
      plots.forEach(function (p) { p.setSize({ width: widthOf(p.root.parentNode), height: 280 }); });
    });
  } catch (e) {
    body.setAttribute('data-chart-error', String(e && e.message ? e.message : e));
  }
  body.setAttribute('data-charts-drawn', String(drawn));
  // uPlot paints asynchronously (microtask/animation frame); count painted canvases after that.
  setTimeout(countPainted, 100);
})();)js";

}  // namespace

std::string_view ChartScript() noexcept { return kScript; }

}  // namespace lse::html_report::detail
