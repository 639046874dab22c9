// One plotly chart that is updated in place (st.components.v2, no iframe).
//
// Streamlit calls the default export with the same parentElement every time the figure changes; the
// first call creates the plot element, every later one hands the new figure to Plotly.react, which
// diffs it against what is drawn. The element is never re-created while the page lives, so a chart
// never blanks, and a 3-D chart keeps its one WebGL context.
//
// plotly.js is the copy the plotly Python package ships, served by Streamlit's static file serving
// (ui/liveplot.py puts it there) and loaded once per browser tab.

const PLOTLY_URL = "app/static/plotly.min.js";
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

function decode(data) {
  if (typeof data === "string") return JSON.parse(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return JSON.parse(new TextDecoder().decode(data));
  return data;
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
  const seq = (box.__seq = (box.__seq || 0) + 1);             // the newest figure wins
  const spec = decode(data);
  box.style.height = `${spec.layout?.height || 340}px`;
  loadPlotly().then((Plotly) => {
    if (seq !== box.__seq || !box.isConnected) return;
    Plotly.react(box, spec.data || [], spec.layout || {}, spec.config || {});
    if (!box.__resize && window.ResizeObserver) {            // follow the column's width (sidebar, window)
      box.__resize = new ResizeObserver(() => box.isConnected && Plotly.Plots.resize(box));
      box.__resize.observe(box);
    }
  }).catch((e) => {
    box.textContent = `This chart could not be drawn: ${e.message}`;
  });
  return () => {                                                 // unmounted: free the plot (and WebGL)
    box.__resize?.disconnect();
    window.Plotly?.purge(box);
  };
}
