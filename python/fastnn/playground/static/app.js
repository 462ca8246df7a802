// fastnn playground: the page. Plain JavaScript, no build step, no network beyond this server.
// It creates a run (POST /api/runs), listens to its frames (Server-Sent Events) and draws them;
// every control is a call of the JSON API (docs/web.md). The configuration lives in the URL's
// fragment, so a link reproduces a setup.
"use strict";

const $ = (id) => document.getElementById(id);
const ORANGE = [245, 147, 34];
const WHITE = [232, 234, 235];
const BLUE = [8, 119, 189];
// The classes' colours come from the server (fastnn.playground.CLASS_COLORS, one per class up
// to options.max_classes), the same as the command line's picture.
let CLASS_COLORS = [ORANGE, BLUE];
const rgbOf = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const classColor = (c) => CLASS_COLORS[c % CLASS_COLORS.length];
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const FEATURE_LABELS = {
  "x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1x2": "X₁X₂",
  "sin_x1": "sin(X₁)", "sin_x2": "sin(X₂)",
};
const LIST_FIELDS = ["features", "hidden", "plane"];

const app = {
  options: null, config: null, state: null, frame: null, pending: null,
  events: null, history: [], busy: false, drawn: 0, // frames drawn, for measuring
  lastSet: { classification: "circle", regression: "plane" }, // the problem type's data set
};
window.fastnnApp = app; // for the browser tests and the curious

// ---- the API ------------------------------------------------------------------------------

async function api(method, path, body, raw) {
  const init = { method, headers: {} };
  if (raw !== undefined) {
    init.body = raw;
    init.headers["Content-Type"] = "text/csv";
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  const payload = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) {
    const error = new Error(payload.error || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return payload;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function runPath(action) {
  return `/api/runs/${app.state.id}` + (action ? `/${action}` : "");
}

// ---- the URL ------------------------------------------------------------------------------

const VIEW_OPTIONS = ["show_test", "discretize"]; // the page's own, not the server's
// The URL also holds csv (the uploaded file, packed), csv_name and csv_target for a CSV run.

function configFromURL() {
  const params = new URLSearchParams(location.hash.slice(1));
  const config = {};
  for (const name of VIEW_OPTIONS) $(name).checked = params.get(name) === "1";
  for (const [key, value] of params) {
    if (!(key in app.options.defaults) || key === "dataset" && value === "csv") continue;
    const example = app.options.defaults[key];
    if (LIST_FIELDS.includes(key)) {
      const parts = value === "" ? [] : value.split(",");
      config[key] = typeof example[0] === "number" || key === "hidden"
        ? parts.map(Number) : parts;
    } else if (typeof example === "number") {
      config[key] = Number(value);
    } else {
      config[key] = value;
    }
  }
  return config;
}

function writeURL() {
  if (app.linkPending) return; // the link names a file still to upload: keep it as it is
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(app.state.config)) {
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  for (const name of VIEW_OPTIONS) if ($(name).checked) params.set(name, "1");
  // An uploaded CSV travels in the link, packed by the server (deflate + base64url), when it
  // is small enough (options.max_link_csv characters); its name and label column always do.
  const upload = app.state.upload;
  if (app.state.config.dataset === "csv" && upload) {
    params.set("csv_name", upload.name || "");
    params.set("csv_target", String(upload.column));
    if (upload.link) params.set("csv", upload.link);
  }
  history.replaceState(null, "", "#" + params.toString());
}

// ---- runs ---------------------------------------------------------------------------------

async function newRun(config) {
  try {
    return await api("POST", "/api/runs", { config });
  } catch (error) {
    showError(`The link's settings were refused (${error.message}); using the defaults.`);
    return api("POST", "/api/runs", { config: {} });
  }
}

function csvQuery(fields) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value) query.set(key, value);
  const text = query.toString();
  return text ? `?${text}` : "";
}

async function start() {
  app.options = await api("GET", "/api/options");
  CLASS_COLORS = app.options.class_colors.map(rgbOf);
  fillControls();
  const params = new URLSearchParams(location.hash.slice(1));
  const wanted = configFromURL();
  let state;
  if (params.get("dataset") !== "csv") {
    state = await newRun(wanted);
  } else {
    // A link made on an uploaded CSV: a run on the other settings first (the data's own ones
    // do not fit a built-in set), then the file from the link, then every setting on it.
    const { problem, plane, classes, ...rest } = wanted;
    state = await newRun(rest);
    const name = params.get("csv_name") || "";
    const target = params.get("csv_target") || "";
    const packed = params.get("csv");
    if (packed) {
      try {
        const query = csvQuery({ packed: "1", target, problem, name });
        await api("POST", `/api/runs/${state.id}/csv${query}`, undefined, packed);
        state = await api("PUT", `/api/runs/${state.id}/config`, { config: { ...wanted, dataset: "csv" } });
      } catch (error) {
        showError(`The link's CSV file could not be used (${error.message}).`);
        state = await api("GET", `/api/runs/${state.id}`);
      }
    } else {
      // Too large for a link when it was made: the user must upload it; then the link's
      // settings apply to it.
      app.linkPending = { name, target, config: { ...wanted, dataset: "csv" } };
      $("csv_target").value = target;
      showNotice(`This link was made on an uploaded CSV file${name ? ` (${name})` : ""} too large `
        + "for a link to carry. Upload it (Your own data, below) to train on it with the link's "
        + "settings; until then the network trains on the circle.");
    }
  }
  adopt(state);
  window.addEventListener("pagehide", () => {
    fetch(runPath(), { method: "DELETE", keepalive: true }).catch(() => {});
  });
}

function showNotice(message) {
  const box = $("notice");
  box.textContent = message;
  box.hidden = !message;
}

function adopt(state) {
  app.state = state;
  app.history = state.history.slice();
  app.frame = state.frame;
  syncControls();
  buildNetwork();
  writeURL();
  drawAll();
  listen();
}

function listen() {
  if (app.events && app.events.runId === app.state.id) return;
  if (app.events) app.events.close();
  const source = new EventSource(runPath("events"));
  source.runId = app.state.id;
  source.addEventListener("frame", (event) => {
    app.pending = JSON.parse(event.data);
    requestAnimationFrame(takeFrame); // draws the latest only; older ones are dropped
  });
  source.addEventListener("error", async () => {
    // EventSource reconnects by itself; a run the server no longer has cannot come back.
    try {
      await api("GET", runPath());
    } catch (error) {
      if (error.status === 404) {
        source.close();
        showError("The server no longer has this run (it restarted?): reload the page.");
      } else if (!error.status) {
        showError("The server does not answer (was it stopped?); retrying.");
      }
    }
  });
  app.events = source;
}

function takeFrame() {
  const frame = app.pending;
  if (!frame) return;
  app.pending = null;
  if (app.frame && frame.seq < app.frame.seq) return; // older than what is shown
  app.frame = frame;
  const last = app.history[app.history.length - 1];
  if (!last || frame.point[0] !== last[0]) app.history.push(frame.point);
  else app.history[app.history.length - 1] = frame.point;
  if (frame.epoch === 0) app.history = [frame.point];
  drawAll();
  app.drawn += 1;
}

async function change(fields, regenerate = true) {
  try {
    const state = await api("PUT", runPath("config"), { config: fields, regenerate });
    showError("");
    adopt(state);
  } catch (error) {
    showError(error.message);
    syncControls(); // back to what the server has
  }
}

async function act(action, body) {
  try {
    const result = await api("POST", runPath(action), body || {});
    showError("");
    return result;
  } catch (error) {
    showError(error.message);
    return null;
  }
}

// ---- controls -----------------------------------------------------------------------------

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = String(value);
  o.textContent = text === undefined ? String(value) : text;
  select.appendChild(o);
}

function fillControls() {
  const o = app.options;
  LEARNING_RATES.forEach((r) => option($("learning_rate"), r));
  REG_RATES.forEach((r) => option($("reg_rate"), r));
  o.activations.forEach((a) => option($("activation"), a));
  o.optimizers.forEach((a) => option($("optimizer"), a));
  o.losses.forEach((a) => option($("loss"), a));
  for (let k = 2; k <= o.max_classes; k++) option($("classes"), k);
  for (const name of [...o.datasets, "csv"]) {
    const b = document.createElement("button");
    b.dataset.name = name;
    b.id = `dataset_${name}`;
    if (o.thumbnails[name]) b.appendChild(thumbnail(o.thumbnails[name], o.regression_sets.includes(name)));
    b.appendChild(document.createTextNode(name === "csv" ? "your CSV" : name.replace("_", "-")));
    b.addEventListener("click", () => {
      if (name === "csv" && !(app.state && app.state.upload)) {
        $("csv_file").click();
        return;
      }
      change({ dataset: name });
    });
    $("datasets").appendChild(b);
  }
  const numberSelect = (id) => $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }, false));
  const textSelect = (id) => $(id).addEventListener("change", () => change({ [id]: $(id).value }, false));
  ["learning_rate", "reg_rate"].forEach(numberSelect);
  ["activation", "regularization", "optimizer", "loss"].forEach(textSelect);
  $("problem").addEventListener("change", () => {
    // As Playground: on its own data sets the problem type picks the data set of that kind
    // last used (the circle, the plane at first); a CSV file's label can be either.
    const problem = $("problem").value;
    if (app.state.config.dataset === "csv") change({ problem });
    else change({ dataset: app.lastSet[problem] });
  });
  $("classes").addEventListener("change", () => change({ classes: Number($("classes").value) }));
  for (const id of ["train_ratio", "noise", "batch_size"]) {
    $(id).addEventListener("input", () => { $(`${id}_value`).textContent = $(id).value; });
    $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }, id === "batch_size" ? false : true));
  }
  $("seed").addEventListener("change", () => change({ seed: Number($("seed").value) }));
  $("regenerate").addEventListener("click", () => {
    change({ seed: Math.floor(Math.random() * 2147483647) });
  });
  for (const id of ["stop_epoch", "stop_test_loss", "epochs_per_frame"]) {
    $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }, false));
  }
  $("plane_x").addEventListener("change", () => change({ plane: [Number($("plane_x").value), Number($("plane_y").value)] }));
  $("plane_y").addEventListener("change", () => change({ plane: [Number($("plane_x").value), Number($("plane_y").value)] }));
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", () => act("step"));
  $("reset").addEventListener("click", async () => {
    try { adopt(await api("POST", runPath("reset"), {})); showError(""); } catch (e) { showError(e.message); }
  });
  $("add_layer").addEventListener("click", () => {
    const hidden = app.state.config.hidden;
    change({ hidden: [...hidden, 2] }, false);
  });
  $("remove_layer").addEventListener("click", () => {
    change({ hidden: app.state.config.hidden.slice(0, -1) }, false);
  });
  for (const name of VIEW_OPTIONS) {
    $(name).addEventListener("change", () => { drawPlot(); writeURL(); });
  }
  $("csv_file").addEventListener("change", upload);
  $("plot").addEventListener("click", addPoint);
  $("download_png").addEventListener("click", downloadPicture);
  $("weight_editor").addEventListener("submit", submitWeight);
  $("weight_input").addEventListener("keydown", (e) => { if (e.key === "Escape") closeEditor(); });
  document.addEventListener("mousedown", (e) => {
    if (!$("weight_editor").contains(e.target) && !e.target.classList.contains("link")
        && !e.target.closest(".neuron")) closeEditor();
  });
}

function thumbnail(points, regression) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 60;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#f4f4f4";
  ctx.fillRect(0, 0, 60, 60);
  for (const [x, y, label] of points) {
    const color = regression ? diverging(Math.max(-1, Math.min(1, label))) : label === 1 ? BLUE : ORANGE;
    ctx.fillStyle = `rgb(${color.join(",")})`;
    ctx.fillRect((x + 6) * 5 - 1, (6 - y) * 5 - 1, 2.4, 2.4);
  }
  return canvas;
}

function syncControls() {
  const c = app.state.config;
  for (const id of ["learning_rate", "reg_rate"]) {
    const select = $(id);
    if (![...select.options].some((o) => Number(o.value) === c[id])) option(select, c[id]);
    select.value = [...select.options].find((o) => Number(o.value) === c[id]).value;
  }
  for (const id of ["activation", "regularization", "optimizer", "loss", "classes"]) $(id).value = String(c[id]);
  $("problem").value = app.state.problem;
  if (c.dataset !== "csv") app.lastSet[app.state.problem] = c.dataset;
  $("classes").disabled = !app.options.multiclass_sets.includes(c.dataset);
  for (const id of ["train_ratio", "noise", "batch_size"]) {
    $(id).value = c[id];
    $(`${id}_value`).textContent = c[id];
  }
  $("noise").disabled = c.dataset === "csv";
  for (const id of ["seed", "stop_epoch", "stop_test_loss", "epochs_per_frame"]) $(id).value = c[id];
  for (const b of $("datasets").children) b.classList.toggle("selected", b.dataset.name === c.dataset);
  $("discretize").disabled = app.state.problem === "regression";
  const upload = app.state.upload;
  $("upload_info").textContent = uploadInfo(upload);
  $("upload_info").classList.toggle("warn", Boolean(upload && !upload.link && c.dataset === "csv"));
  const columns = app.state.columns;
  $("plane_choice").hidden = !(c.dataset === "csv" && columns.length > 2);
  for (const id of ["plane_x", "plane_y"]) {
    const select = $(id);
    select.innerHTML = "";
    columns.forEach((name, i) => option(select, i, name));
  }
  $("plane_x").value = app.state.plane[0];
  if (app.state.plane.length > 1) $("plane_y").value = app.state.plane[1];
  const pointClass = $("point_class");
  pointClass.innerHTML = "";
  app.state.class_labels.forEach((label, i) => option(pointClass, i, label));
  pointClass.hidden = app.state.problem !== "classification";
  $("point_value").hidden = app.state.problem === "classification";
  $("metric_name").textContent = app.state.problem === "classification" ? "Test accuracy" : "Test MAE";
  $("confusion_title").hidden = $("confusion").hidden = app.state.problem !== "classification";
  $("download_model").href = runPath("model.fnn");
  $("download_code").href = runPath("code.py");
  const n = c.hidden.length;
  $("layer_count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("add_layer").disabled = n >= app.options.max_layers;
  $("remove_layer").disabled = n === 0;
}

async function togglePlay() {
  const playing = app.frame && app.frame.playing;
  const result = await act(playing ? "pause" : "play");
  if (result && app.frame) {
    app.frame.playing = result.playing;
    drawStatus();
  }
}

async function upload() {
  const file = $("csv_file").files[0];
  if (!file) return;
  if (file.size > app.options.max_csv_bytes) {
    showError(`${file.name} is ${file.size} bytes; the server takes at most ${app.options.max_csv_bytes}.`);
    return;
  }
  // The file's bytes as they are: the server reads them as UTF-8 and says so when they are not
  // (file.text() would quietly turn a Latin-1 "é" into "\ufffd").
  const bytes = await file.arrayBuffer();
  const target = $("csv_target").value.trim();
  let state = null;
  try {
    state = await api("POST", runPath("csv") + csvQuery({ target, name: file.name }), undefined, bytes);
    const pending = app.linkPending;
    app.linkPending = null;
    if (pending && (!pending.name || pending.name === file.name)) {
      // The file a link could not carry: the link's settings on it.
      state = await api("PUT", `/api/runs/${state.id}/config`, { config: pending.config });
    }
    showError("");
    showNotice("");
  } catch (error) {
    showError(`${file.name}: ${error.message}`);
  }
  if (state) adopt(state);
  $("csv_file").value = "";
}

function uploadInfo(upload) {
  if (!upload) return "A CSV of numbers; the label column may hold words. Shown: two input columns.";
  const name = upload.name || "the file";
  const kib = (n) => (n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KiB`);
  let text = `Uploaded ${name}: ${upload.rows} rows, inputs ${upload.columns.join(", ")}; label ${upload.target}. `;
  if (app.state.config.dataset !== "csv") return text;
  text += upload.link
    ? `The page's link carries the file (${kib(upload.bytes)}, packed into ${upload.link.length} characters): it reproduces this run.`
    : `The page's link carries the settings but not the file: ${kib(upload.bytes)} packs into ${upload.packed_size} characters, `
      + `more than the ${upload.max_link} a link may hold. Whoever opens the link must upload ${name} too.`;
  return text;
}

// ---- the network --------------------------------------------------------------------------

function buildNetwork() {
  const net = $("net");
  net.innerHTML = "";
  const s = app.state;
  const inputs = s.uses_features ? app.options.features : s.input_names;
  const columns = [inputs, ...s.layer_sizes.slice(1).map((n) => Array.from({ length: n }, (_, i) => i))];
  const tallest = Math.max(...columns.map((c) => c.length));
  // Playground's sizes up to 10 neurons a column; wider layers get smaller pictures.
  const row = Math.max(20, Math.min(52, Math.floor(520 / tallest)));
  const size = Math.max(14, row - 12);
  // Columns as far apart as Playground's, closer when many layers must fit the width.
  const room = net.parentElement.clientWidth - 70 - size - 30;
  const column = Math.max(60, Math.min(110, Math.floor(room / Math.max(columns.length - 1, 1))));
  const g = { column, row, size, top: 36, left: 70 };
  const width = g.left + (columns.length - 1) * g.column + g.size + 20;
  const height = g.top + tallest * g.row + 10;
  net.style.height = `${height}px`;
  net.style.width = `${width}px`;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  net.appendChild(svg);
  app.neurons = [];
  app.links = [];
  const position = (layer, i) => [g.left + layer * g.column, g.top + i * g.row];
  // The inputs the network gets, as its first layer's rows (features that are on).
  const active = s.uses_features ? s.input_names.map((f) => inputs.indexOf(f)) : inputs.map((_, i) => i);
  columns.forEach((column, layer) => {
    const cells = [];
    column.forEach((item, i) => {
      const [x, y] = position(layer, i);
      const div = document.createElement("div");
      div.className = "neuron" + (layer === 0 ? " input" : "");
      div.style.left = `${x}px`;
      div.style.top = `${y}px`;
      div.style.width = div.style.height = `${g.size}px`;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = layer === columns.length - 1 ? s.output_grid : s.neuron_grid;
      div.appendChild(canvas);
      net.appendChild(div);
      if (layer === 0) {
        const on = active.includes(i);
        div.classList.toggle("off", !on);
        div.id = `input_${i}`;
        const name = document.createElement("div");
        name.className = "name";
        name.style.left = `${x - 66}px`;
        name.style.top = `${y + g.size / 2 - 7}px`;
        name.textContent = s.uses_features ? FEATURE_LABELS[item] : item;
        net.appendChild(name);
        if (s.uses_features) div.addEventListener("click", () => toggleFeature(item));
        div.addEventListener("mousemove", (e) => hover(e, `input ${name.textContent}${on ? "" : " (off: click to use it)"}`));
        cells.push({ div, canvas, row: on ? active.indexOf(i) : -1, name: item });
      } else {
        div.id = `neuron_${layer}_${i}`;
        div.addEventListener("mousemove", (e) => hover(e, neuronText(layer, i)));
        div.addEventListener("click", (e) => openEditor(e, { layer: layer - 1, from: "bias", to: i }));
        div.style.cursor = "pointer";
        cells.push({ div, canvas, row: i });
      }
      div.addEventListener("mouseleave", unhover);
    });
    app.neurons.push(cells);
  });
  // Links from every used neuron of a layer to every neuron of the next.
  for (let layer = 1; layer < columns.length; layer++) {
    for (const from of app.neurons[layer - 1]) {
      if (from.row < 0) continue;
      app.neurons[layer].forEach((to, j) => {
        const [x0, y0] = position(layer - 1, app.neurons[layer - 1].indexOf(from));
        const [x1, y1] = position(layer, j);
        const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
        const a = [x0 + g.size, y0 + g.size / 2];
        const b = [x1, y1 + g.size / 2];
        const mid = (a[0] + b[0]) / 2;
        path.setAttribute("d", `M${a[0]},${a[1]} C${mid},${a[1]} ${mid},${b[1]} ${b[0]},${b[1]}`);
        path.setAttribute("class", "link");
        path.id = `link_${layer - 1}_${from.row}_${j}`;
        const link = { path, layer: layer - 1, from: from.row, to: j };
        path.addEventListener("mousemove", (e) => hover(e, linkText(link)));
        path.addEventListener("mouseleave", unhover);
        path.addEventListener("click", (e) => openEditor(e, link));
        svg.appendChild(path);
        app.links.push(link);
      });
    }
  }
  // Per hidden layer: + and - neurons.
  s.config.hidden.forEach((units, h) => {
    const [x] = position(h + 1, 0);
    const head = document.createElement("div");
    head.className = "layer-head";
    head.style.left = `${x - 10}px`;
    head.style.top = "0px";
    const plus = document.createElement("button");
    plus.textContent = "+";
    plus.id = `add_neuron_${h}`;
    plus.disabled = units >= app.options.max_units;
    plus.addEventListener("click", () => setUnits(h, units + 1));
    const minus = document.createElement("button");
    minus.textContent = "−";
    minus.id = `remove_neuron_${h}`;
    minus.disabled = units <= 1;
    minus.addEventListener("click", () => setUnits(h, units - 1));
    head.append(plus, minus, document.createTextNode(` ${units}`));
    net.appendChild(head);
  });
}

function setUnits(h, units) {
  const hidden = app.state.config.hidden.slice();
  hidden[h] = units;
  change({ hidden }, false);
}

function toggleFeature(name) {
  const features = app.state.config.features;
  const next = features.includes(name) ? features.filter((f) => f !== name) : [...features, name];
  if (next.length === 0) {
    showError("The network needs at least one input.");
    return;
  }
  change({ features: next }, false);
}

function neuronText(layer, i) {
  const f = app.frame;
  const bias = f ? f.biases[layer - 1][i] : 0;
  const last = layer === app.state.layer_sizes.length - 1;
  return `${last ? "output" : `layer ${layer}`} neuron ${i + 1}: bias ${bias.toFixed(3)}; click to edit`;
}

function linkText(link) {
  const w = app.frame ? app.frame.weights[link.layer][link.from][link.to] : 0;
  return `weight ${w.toFixed(3)} (layer ${link.layer + 1}, ${link.from + 1} → ${link.to + 1}); click to edit`;
}

function hover(event, text) {
  const card = $("hovercard");
  card.textContent = text;
  card.hidden = false;
  card.style.left = `${event.clientX + 12}px`;
  card.style.top = `${event.clientY + 12}px`;
}

function unhover() {
  $("hovercard").hidden = true;
}

function openEditor(event, link) {
  app.editing = link;
  const editor = $("weight_editor");
  editor.hidden = false;
  editor.style.left = `${event.clientX + 8}px`;
  editor.style.top = `${event.clientY - 8}px`;
  $("weight_label").textContent = link.from === "bias" ? "Bias" : "Weight";
  const w = !app.frame ? 0 : link.from === "bias"
    ? app.frame.biases[link.layer][link.to] : app.frame.weights[link.layer][link.from][link.to];
  $("weight_input").value = w.toFixed(3);
  $("weight_input").focus();
  $("weight_input").select();
}

function closeEditor() {
  $("weight_editor").hidden = true;
  app.editing = null;
}

async function submitWeight(event) {
  event.preventDefault();
  const link = app.editing;
  const value = Number($("weight_input").value);
  if (!link) return;
  closeEditor();
  const frame = await act("weight", { layer: link.layer, from: link.from, to: link.to, value });
  if (frame && (!app.frame || frame.seq >= app.frame.seq)) {
    app.pending = frame;
    takeFrame();
  }
}

// ---- drawing ------------------------------------------------------------------------------

function decode(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function diverging(v) { // v in -1..1: orange, pale, blue as Playground
  const t = Math.abs(v);
  const end = v < 0 ? ORANGE : BLUE;
  return [0, 1, 2].map((k) => WHITE[k] + (end[k] - WHITE[k]) * t);
}

function paint(canvas, bytes, colorOf) {
  const n = canvas.width;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  for (let p = 0; p < n * n; p++) {
    const [r, g, b] = colorOf(p, bytes);
    image.data[4 * p] = r;
    image.data[4 * p + 1] = g;
    image.data[4 * p + 2] = b;
    image.data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

const unit = (byte) => byte / 127.5 - 1;

function drawAll() {
  drawStatus();
  drawNetwork();
  drawPlot();
  drawChart();
  drawLegend();
  drawConfusion();
}

function drawStatus() {
  const f = app.frame;
  if (!f) return;
  $("epoch").textContent = String(f.epoch).padStart(6, "0").replace(/(\d{3})$/, ",$1");
  $("play").classList.toggle("playing", f.playing);
  $("play").innerHTML = f.playing ? "&#x275a;&#x275a;" : "&#x25b6;";
  const fmt = (v) => (v === null || v === undefined ? "NaN" : v.toFixed(3));
  $("test_loss").textContent = fmt(f.test_loss);
  $("train_loss").textContent = fmt(f.train_loss);
  $("test_metric").textContent = fmt(f[`test_${f.metric}`]);
  $("train_metric").textContent = fmt(f[`train_${f.metric}`]);
  $("stopped").textContent = f.stopped || "";
}

function drawNetwork() {
  const f = app.frame;
  if (!f || !app.neurons) return;
  const layers = app.neurons;
  layers[0].forEach((cell) => {
    if (cell.row >= 0 && f.heatmaps[0][cell.row]) {
      paint(cell.canvas, decode(f.heatmaps[0][cell.row]), (p, b) => diverging(unit(b[p])));
    } else if (app.state.feature_pictures) { // an unused feature: its picture, dimmed
      paint(cell.canvas, decode(app.state.feature_pictures[cell.name]), (p, b) => diverging(unit(b[p])));
    }
  });
  for (let layer = 1; layer < layers.length - 1; layer++) {
    layers[layer].forEach((cell, i) => {
      const data = f.heatmaps[layer] && f.heatmaps[layer][i];
      if (data) paint(cell.canvas, decode(data), (p, b) => diverging(unit(b[p])));
    });
  }
  const out = layers[layers.length - 1];
  out.forEach((cell, i) => {
    if (f.output.length > 1) { // a class's probability, from pale to its colour
      const color = classColor(i);
      paint(cell.canvas, decode(f.output[i]), (p, b) => {
        const t = (unit(b[p]) + 1) / 2;
        return [0, 1, 2].map((k) => WHITE[k] + (color[k] - WHITE[k]) * t);
      });
    } else if (f.output[0]) {
      paint(cell.canvas, decode(f.output[0]), (p, b) => diverging(unit(b[p])));
    }
  });
  let largest = 0;
  for (const link of app.links) largest = Math.max(largest, Math.abs(f.weights[link.layer][link.from][link.to]));
  for (const link of app.links) {
    const w = f.weights[link.layer][link.from][link.to];
    link.path.setAttribute("stroke", w < 0 ? "#f59322" : "#0877bd");
    link.path.setAttribute("stroke-width", Math.min(8, 0.5 + 6 * Math.abs(w) / Math.max(largest, 1)).toFixed(2));
    link.path.setAttribute("stroke-opacity", "0.7");
    link.path.dataset.weight = w;
  }
}

function outputColor(p, bytes) {
  const s = app.state;
  const discrete = $("discretize").checked && s.problem === "classification";
  const outputs = app.frame.output;
  if (outputs.length === 1) {
    let v = unit(bytes[0][p]);
    if (discrete) v = v < 0 ? -1 : 1;
    return diverging(v);
  }
  let best = 0;
  let top = -2;
  for (let c = 0; c < outputs.length; c++) {
    const v = bytes[c][p];
    if (v > top) { top = v; best = c; }
  }
  const probability = (unit(top) + 1) / 2;
  const t = discrete ? 1 : Math.max(0, (probability - 1 / outputs.length) / (1 - 1 / outputs.length));
  const color = classColor(best);
  return [0, 1, 2].map((k) => WHITE[k] + (color[k] - WHITE[k]) * (0.25 + 0.75 * t));
}

function pointColor(label) {
  const s = app.state;
  if (s.problem === "regression") return diverging(Math.max(-1, Math.min(1, label / s.y_scale)));
  if (s.class_labels.length === 2) return label === 1 ? BLUE : ORANGE;
  return classColor(label);
}

function drawPlot() {
  const canvas = $("plot");
  const ctx = canvas.getContext("2d");
  const s = app.state;
  const f = app.frame;
  if (!s || !f) return;
  const n = s.output_grid;
  const off = document.createElement("canvas");
  off.width = off.height = n;
  const bytes = f.output.map(decode);
  paint(off, bytes, outputColor);
  ctx.imageSmoothingEnabled = !$("discretize").checked;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  const [[x0, x1], [y0, y1]] = s.extent.length === 2 ? s.extent : [s.extent[0], [0, 1]];
  const toPixel = (x, y) => [(x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height];
  const dot = (point, stroke) => {
    const label = point[point.length - 1];
    const [px, py] = toPixel(point[0], point.length > 2 ? point[1] : 0.5);
    ctx.beginPath();
    ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${pointColor(label).join(",")})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = stroke;
    ctx.stroke();
  };
  s.train.forEach((p) => dot(p, "#fff"));
  if ($("show_test").checked) s.test.forEach((p) => dot(p, "#000"));
  const names = s.uses_features ? ["X₁", "X₂"] : s.plane.map((j) => s.columns[j]);
  let text = `${names[0]} →, ${names[1] || ""} ↑ (${x0.toFixed(1)}…${x1.toFixed(1)} × ${y0.toFixed(1)}…${y1.toFixed(1)})`;
  if (!s.uses_features && s.columns.length > 2) { // the slice the plane is
    const held = s.columns.map((name, j) => [name, j]).filter(([, j]) => !s.plane.includes(j));
    text += `; the slice at ${held.map(([name, j]) => `${name} = ${Number(s.means[j].toPrecision(3))}`).join(", ")} (their means)`;
  }
  $("axis_x").textContent = text;
}

function drawChart() {
  const canvas = $("chart");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const h = app.history.filter((p) => p[1] !== null && p[2] !== null);
  if (h.length < 2) return;
  const top = Math.max(...h.map((p) => Math.max(p[1], p[2]))) || 1;
  const last = h[h.length - 1][0] || 1;
  const first = h[0][0];
  for (const [index, color] of [[1, "#aaa"], [2, "#000"]]) {
    ctx.beginPath();
    h.forEach((p, i) => {
      const x = (p[0] - first) / Math.max(last - first, 1) * canvas.width;
      const y = canvas.height - p[index] / top * (canvas.height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}

function swatch(c) {
  return `<span class="swatch" style="background: rgb(${classColor(c).join(",")})"></span>`;
}

function drawLegend() {
  const s = app.state;
  const legend = $("legend");
  if (!s) return;
  if (s.problem === "regression") {
    const v = Number(s.y_scale.toPrecision(3));
    legend.innerHTML = `<span class="ramp"></span> label −${v} … 0 … ${v}`;
    return;
  }
  legend.innerHTML = s.class_labels.map((label, c) => (
    `<span class="entry" title="class ${c}: ${escapeHTML(label)}">${swatch(c)}${escapeHTML(label)}</span>`
  )).join("");
}

function drawConfusion() {
  const table = $("confusion");
  const f = app.frame;
  if (!f || !f.confusion) { table.innerHTML = ""; return; }
  const labels = app.state.class_labels;
  const k = labels.length;
  const many = k > 6;
  table.classList.toggle("many", many);
  // With many classes the columns narrow to the class's colour (its name is in the row
  // headers and the legend, and on hover), so that 12 classes fit the column.
  const head = (l, c) => swatch(c) + (many ? "" : escapeHTML(l));
  let html = `<tr><th>${many ? "true \\ pred." : "true \\ predicted"}</th>` + labels.map((l, c) => (
    `<th title="predicted ${escapeHTML(l)}">${head(l, c)}</th>`)).join("") + "</tr>";
  f.confusion.forEach((row, i) => {
    html += `<tr><th title="${escapeHTML(labels[i])}">${swatch(i)}${escapeHTML(labels[i])}</th>`
      + row.map((v, j) => `<td class="${i === j ? "diag" : ""}">${v}</td>`).join("") + "</tr>";
  });
  table.innerHTML = html;
}

function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- the plane: points and the picture ----------------------------------------------------

async function addPoint(event) {
  const s = app.state;
  if (s.extent.length !== 2) return;
  const canvas = $("plot");
  const box = canvas.getBoundingClientRect();
  const [[x0, x1], [y0, y1]] = s.extent;
  const x = x0 + (event.clientX - box.left) / box.width * (x1 - x0);
  const y = y1 - (event.clientY - box.top) / box.height * (y1 - y0);
  const label = s.problem === "classification" ? Number($("point_class").value) : Number($("point_value").value);
  try {
    const state = await api("POST", runPath("points"), { x, y, label, set: $("point_set").value });
    app.state = state;
    app.frame = state.frame;
    showError("");
    drawAll();
  } catch (error) {
    showError(error.message);
  }
}

function downloadPicture(event) {
  const link = $("download_png");
  if (link.dataset.ready === "1") { link.dataset.ready = ""; return; }
  event.preventDefault();
  $("plot").toBlob((blob) => {
    if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
    link.dataset.url = URL.createObjectURL(blob);
    link.href = link.dataset.url;
    link.dataset.ready = "1";
    link.click();
  });
}

start().catch((error) => showError(`The page could not start: ${error.message}`));
