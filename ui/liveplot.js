// One plotly chart that is updated in place (st.components.v2, no iframe).
//
// Streamlit calls the default export with the same parentElement every time the chart's data changes;
// the first call creates the plot element, every later one updates the figure it holds and hands it to
// Plotly.react, which redraws what changed. The element is never re-created while the page lives, so a
// chart never blanks, and a 3-D chart keeps its one WebGL context.
//
// What arrives (ui/plotwire.py): {kind: "full", v, figure} — the whole figure; {kind: "patch", full, v,
// traces: {i: {attr: {append | columns: value, at} | {set: value}}}, relayout?: [[path, value], …]} —
// what changed since the last update, on top of the whole figure `full`; {kind: "same", full, v} —
// nothing changed. Arrays come as {dtype, bdata (base64), shape?} typed arrays, a big heatmap's z
// quantised to 0 … q[2] between q[0] and q[1] (above q[2]: no value). An append goes where it says (`at`): a missed
// update repeats nothing; a gap (points never received) waits for the next whole figure (a full page
// run, or every 20 ticks).
//
// plotly.js is the copy the plotly Python package ships, served by Streamlit's static file serving
// (ui/liveplot.py puts it there) and loaded once per browser tab.

const PLOTLY_URL = "app/static/plotly.min.js";
const DTYPES = { f4: Float32Array, f8: Float64Array, u1: Uint8Array, u2: Uint16Array, i4: Int32Array };
let loading = null;

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL(PLOTLY_URL, document.baseURI).href;    // beside the page, under any base path
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { loading = null; reject(new Error("plotly.js could not be loaded")); };
      document.head.appendChild(s);
    });
  }
  return loading;
}

function parse(data) {
  if (typeof data === "string") return JSON.parse(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return JSON.parse(new TextDecoder().decode(data));
  return data;
}

function unpack(v) {                                         // a typed array back to plain numbers
  if (Array.isArray(v)) return v.map(unpack);
  if (!v || typeof v !== "object") return v;
  if (typeof v.bdata === "string" && DTYPES[v.dtype]) {
    const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
    let flat = Array.from(new DTYPES[v.dtype](bytes.buffer));
    if (v.q) {
      const [lo, hi, levels] = v.q;
      flat = flat.map((q) => (q > levels ? null : lo + (q / levels) * (hi - lo)));
    }
    if (!v.shape) return flat;
    const [rows, cols] = String(v.shape).split(",").map((s) => parseInt(s, 10));
    return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  }
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = unpack(x);
  return out;
}

function applyPatch(fig, msg) {           // the figure held, changed in place; false: a gap (missed update)
  for (const [i, ops] of Object.entries(msg.traces || {})) {
    const trace = fig.data[Number(i)];
    for (const [attr, op] of Object.entries(ops)) {
      const had = trace[attr] || [];
      if ("append" in op) {
        if (had.length < op.at) return false;
        trace[attr] = had.slice(0, op.at).concat(unpack(op.append));
      } else if ("columns" in op) {
        if (!had.length || had[0].length < op.at) return false;
        const cols = unpack(op.columns);
        trace[attr] = had.map((row, r) => row.slice(0, op.at).concat(cols[r]));
      } else trace[attr] = unpack(op.set);
    }
  }
  for (const [path, value] of msg.relayout || []) {          // the layout's changes, key by key
    let node = fig.layout;
    for (const k of path.slice(0, -1)) node = node[k] = node[k] && typeof node[k] === "object" ? node[k] : {};
    node[path[path.length - 1]] = unpack(value);
  }
  fig.layout = { ...fig.layout, datarevision: msg.v };       // arrays changed in place: redraw them
  return true;
}

function update(box, msg) {                                  // the figure to draw now, or null
  if (msg.kind === "full") {
    box.__fig = unpack(msg.figure);
    box.__fig.layout = { ...(box.__fig.layout || {}), datarevision: msg.v };
    box.__full = msg.v;
    return box.__fig;
  }
  if (!box.__fig || msg.full !== box.__full || msg.kind === "same") return null;
  if (!applyPatch(box.__fig, msg)) {                         // a gap: wait for the next whole figure
    box.__full = null;
    return null;
  }
  return box.__fig;
}

export default function (component) {
  const { parentElement, data } = component;
  let box = parentElement.querySelector(":scope > .rnnx-plot");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnx-plot";
    box.style.width = "100%";
    parentElement.appendChild(box);
  }
  const fig = update(box, parse(data));
  if (fig) {
    const seq = (box.__seq = (box.__seq || 0) + 1);           // the newest figure wins
    box.style.height = `${fig.layout?.height || 340}px`;
    loadPlotly().then((Plotly) => {
      if (seq !== box.__seq || !box.isConnected) return;
      Plotly.react(box, fig.data || [], fig.layout || {}, fig.config || {});
      if (!box.__resize && window.ResizeObserver) {          // follow the column's width (sidebar, window)
        box.__resize = new ResizeObserver(() => box.isConnected && Plotly.Plots.resize(box));
        box.__resize.observe(box);
      }
    }).catch((e) => {
      box.textContent = `This chart could not be drawn: ${e.message}`;
    });
  }
  return () => {                                             // unmounted: free the plot (and WebGL)
    box.__resize?.disconnect();
    box.__fig = null;
    window.Plotly?.purge(box);
  };
}
