// The page at GET /: pick a model, type sentences (or drop images for an image model), see the
// labels with probability bars. Everything it loads is served by the app itself.
"use strict";

const $ = (id) => document.getElementById(id);
let described = {};

async function getJson(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error && body.error.message ? body.error.message : response.statusText);
  return body;
}

function showError(message) {
  $("error").textContent = message || "";
  $("error").hidden = !message;
}

async function selectModel() {
  const name = $("model").value;
  if (!name) return;
  if (!described[name]) described[name] = await getJson(`models/${encodeURIComponent(name)}`);
  const model = described[name];
  const images = model.input_kind === "image";
  $("texts-label").hidden = images;
  $("drop").hidden = !images;
  $("model-info").textContent = `version ${model.version} · ${model.input_kind} · labels: ${model.labels.join(", ")}`;
}

async function loadModels() {
  const { models } = await getJson("models");
  $("model").replaceChildren(...models.map((m) => new Option(`${m.name} (v${m.version})`, m.name)));
  if (!models.length) showError("No model is served yet.");
  await selectModel();
}

function readImages() {
  return Promise.all([...$("images").files].map((file) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.split(",", 2)[1]);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  })));
}

function render(inputs, results) {
  $("results").replaceChildren(...results.map((result, i) => {
    const item = document.createElement("li");
    item.className = "result";
    const input = document.createElement("div");
    input.className = "input";
    input.textContent = inputs[i];
    item.append(input);
    for (const { label, score } of result.top_k) {
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.dataset.label = label;
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = label;
      const track = document.createElement("div");
      track.className = "track";
      const fill = document.createElement("div");
      fill.className = "fill";
      fill.style.width = `${(100 * score).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.className = "score";
      value.textContent = `${(100 * score).toFixed(1)}%`;
      bar.append(name, track, value);
      item.append(bar);
    }
    return item;
  }));
}

async function classify(event) {
  event.preventDefault();
  showError("");
  const model = described[$("model").value];
  if (!model) return;
  const body = { model: model.name, top_k: model.labels.length };
  let inputs;
  if (model.input_kind === "image") {
    body.images = await readImages();
    inputs = [...$("images").files].map((file) => file.name);
  } else {
    inputs = $("texts").value.split("\n").filter((line) => line.trim());
    body.texts = inputs;
  }
  try {
    const answer = await getJson("classify", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    render(inputs, answer.results);
  } catch (error) {
    $("results").replaceChildren();
    showError(error.message);
  }
}

$("model").addEventListener("change", () => selectModel().catch((error) => showError(error.message)));
$("form").addEventListener("submit", classify);
for (const kind of ["dragenter", "dragover"]) {
  $("drop").addEventListener(kind, (event) => { event.preventDefault(); $("drop").classList.add("over"); });
}
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (event) => {
  event.preventDefault();
  $("drop").classList.remove("over");
  $("images").files = event.dataTransfer.files;
});
loadModels().catch((error) => showError(error.message));
