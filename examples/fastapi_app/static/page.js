// The page: POST the question, show the answer as it grows (unspool.js does the reading).
import { consume } from "/static/unspool.js";

const $ = (id) => document.getElementById(id);
let controller = null;

function card(section, index) {
  const div = document.createElement("div");
  div.className = "card";
  div.dataset.index = index;
  const h2 = document.createElement("h2");
  h2.textContent = section.heading;
  const p = document.createElement("p");
  p.textContent = section.body;
  div.append(h2, p);
  return div;
}

function render(answer) {
  $("title").textContent = answer.title ?? "";
  $("summary").textContent = answer.summary ?? "";
  // The section being written shows dashed until it is complete (then it is a card, onItem).
  const sections = answer.sections ?? [];
  const cards = $("sections").children.length;
  const open = sections.length > cards ? sections[sections.length - 1] : null;
  $("writing").hidden = !open;
  if (open) {
    $("writing").querySelector("h2").textContent = open.heading ?? "";
    $("writing").querySelector("p").textContent = typeof open.body === "string" ? open.body : "";
  }
}

function setStatus(text, className = "") {
  $("status").textContent = text;
  $("status").className = className;
}

async function ask(event) {
  event.preventDefault();
  controller = new AbortController();
  for (const id of ["title", "summary", "sections", "error"]) $(id).replaceChildren();
  $("error").className = "";
  $("go").disabled = true;
  $("stop").disabled = false;
  setStatus("streaming…", "streaming");
  const replay = new URLSearchParams(location.search).get("replay");
  try {
    const response = await fetch("/chat/stream" + (replay ? `?replay=${encodeURIComponent(replay)}` : ""), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: $("question").value }),
      signal: controller.signal,
    });
    const result = await consume(response, {
      onPartial: render,
      onItem: (section, index) => {
        $("sections").append(card(section, index));
        $("writing").hidden = true;
      },
      onDone: (answer) => {
        render(answer);
        setStatus("done", "done");
      },
      onError: (error) => {
        $("writing").hidden = true;
        $("error").textContent = `${error.kind}: ${error.message}`;
        $("error").className = "shown";
        setStatus("failed", "failed");
      },
    });
    if (result.status === "aborted") setStatus("stopped", "stopped");
  } catch (err) {
    if (err.name === "AbortError") setStatus("stopped", "stopped");
    else throw err;
  } finally {
    $("go").disabled = false;
    $("stop").disabled = true;
  }
}

$("ask").addEventListener("submit", ask);
$("stop").addEventListener("click", () => controller?.abort());
