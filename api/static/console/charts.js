// Small per-day charts as SVG built with DOM calls: no chart library (a few kB instead of 60+, and the text
// alternative is ours to get right: a <title> and <desc> for the chart, a <title> on every point, and the
// numbers in a table next to it).

import {h, svg} from "./dom.js";

const WIDTH = 360;
const HEIGHT = 170;
const MARGIN = {top: 10, right: 10, bottom: 24, left: 46};
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
let charts = 0; // for ids unique in the document

/**
 * A chart of one value per day, in a <figure>.
 * @param {object} chart
 * @param {string} chart.title the figure's caption and the SVG's <title>
 * @param {string} chart.description what it shows, in words (the SVG's <desc>)
 * @param {string[]} chart.days the days, in order (YYYY-MM-DD)
 * @param {(number|null)[]} chart.values one per day; null where there is nothing to show (no answers that day)
 * @param {"line"|"bar"} chart.kind a line (rates) or bars (counts)
 * @param {(value: number) => string} chart.format a value as text (axis, point titles)
 * @param {(day: string) => string} chart.formatDay a day as text
 * @param {number} [chart.max] the top of the value axis (default: the largest value)
 * @param {string} [chart.empty] the text drawn when no day has a value
 */
export function dayChart({title, description, days, values, kind, format, formatDay, max, empty = ""}) {
  const id = `chart-${++charts}`;
  const shown = values.filter((value) => value !== null);
  const top = max ?? 2 * Math.ceil(Math.max(1, ...shown) / 2); // even: the middle grid line is a whole count
  const x = (index) => MARGIN.left + (days.length > 1 ? (index / (days.length - 1)) * PLOT_WIDTH : PLOT_WIDTH / 2);
  const y = (value) => MARGIN.top + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  const image = svg("svg", {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`},
    svg("title", {id: `${id}-title`}, title),
    svg("desc", {id: `${id}-desc`}, description),
    axis(top, format, y),
    dayLabels(days, formatDay, x),
    shown.length ? (kind === "bar" ? bars : line)(days, values, x, y, format, formatDay)
      : svg("text", {class: "empty", x: MARGIN.left + PLOT_WIDTH / 2, y: MARGIN.top + PLOT_HEIGHT / 2,
                     "text-anchor": "middle"}, empty));
  return h("figure", {class: "chart", "data-chart": title}, h("figcaption", {}, title), image);
}

function axis(top, format, y) {
  return svg("g", {"aria-hidden": "true"}, [0, top / 2, top].map((value) => [
    svg("line", {class: "axis", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value)}),
    svg("text", {class: "grid-label", x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end"}, format(value)),
  ]));
}

function dayLabels(days, formatDay, x) {
  const picked = days.length > 2 ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : days.map((_, i) => i);
  return svg("g", {"aria-hidden": "true"}, picked.map((index) => svg("text", {
    class: "day-label", x: x(index), y: HEIGHT - 6,
    "text-anchor": index === 0 ? "start" : index === days.length - 1 ? "end" : "middle",
  }, formatDay(days[index]))));
}

/** A line through the days that have a value (broken where one has none), a dot with its title on each. */
function line(days, values, x, y, format, formatDay) {
  let path = "";
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? "L" : "M"}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
    drawing = true;
  });
  const dots = values.map((value, index) => value === null ? null : svg("circle", {
    class: "dot", cx: x(index).toFixed(1), cy: y(value).toFixed(1), r: 3, "data-day": days[index],
    "data-value": value,
  }, svg("title", {}, `${formatDay(days[index])}: ${format(value)}`)));
  return svg("g", {}, svg("path", {class: "line", d: path}), dots);
}

/** A bar per day, with its title. */
function bars(days, values, x, y, format, formatDay) {
  const width = Math.max(2, Math.min(24, (PLOT_WIDTH / days.length) * 0.7));
  return svg("g", {}, values.map((value, index) => value === null ? null : svg("rect", {
    class: "bar", x: (Math.min(Math.max(x(index) - width / 2, MARGIN.left), WIDTH - MARGIN.right - width)).toFixed(1),
    y: y(value).toFixed(1), width: width.toFixed(1), height: (MARGIN.top + PLOT_HEIGHT - y(value)).toFixed(1),
    "data-day": days[index], "data-value": value,
  }, svg("title", {}, `${formatDay(days[index])}: ${format(value)}`))));
}
