// The explanation page: post the form, show the answer, re-ask as what-if values change.
// No libraries and no network beyond this server.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let base = null; // the request of the last question asked (what-if changes are added to it)
  let timer = null;

  function request() {
    const body = { question: $("question").value, facts: $("facts").value };
    if ($("as_of").value) body.as_of = $("as_of").value;
    if ($("lang").value) body.lang = $("lang").value;
    return body;
  }

  function showError(problem) {
    const lines = [problem.title + ": " + problem.detail];
    for (const e of problem.errors || []) {
      if (e.line) lines.push("  " + (e.file || "") + ":" + e.line + ":" + (e.column || 1) + ": " + e.message
                              + (e.hint ? " (" + e.hint + ")" : ""));
    }
    $("error").textContent = lines.join("\n");
    $("error").hidden = false;
  }

  async function post(body) {
    const r = await fetch("/page/explain", { method: "POST", headers: { "content-type": "application/json" },
                                              body: JSON.stringify(body) });
    const data = await r.json();
    if (!r.ok) { showError(data); return null; }
    $("error").hidden = true;
    $("head").innerHTML = data.head;
    $("result").innerHTML = data.html;
    return data;
  }

  async function ask(ev) {
    if (ev) ev.preventDefault();
    base = request();
    const data = await post(base);
    if (data) { $("whatif").innerHTML = data.whatif; bindWhatIf(); }
  }

  function changes() {
    const out = [];
    for (const row of document.querySelectorAll("#whatif .wi")) {
      const v = row.querySelector("input[type=number]").value;
      if (v !== "" && Number(v) !== Number(row.dataset.orig)) {
        out.push({ pred: row.dataset.pred, args: JSON.parse(row.dataset.args).concat([Number(v)]) });
      }
    }
    return out;
  }

  function reask() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const c = changes();
      post(c.length ? Object.assign({}, base, { change_records: c }) : base);
    }, 200);
  }

  function bindWhatIf() {
    for (const row of document.querySelectorAll("#whatif .wi")) {
      const range = row.querySelector("input[type=range]");
      const num = row.querySelector("input[type=number]");
      range.addEventListener("input", () => { num.value = range.value; reask(); });
      num.addEventListener("input", () => { range.value = num.value; reask(); });
    }
  }

  $("ask-form").addEventListener("submit", ask);
  $("example").addEventListener("change", () => { if ($("example").value) $("facts").value = $("example").value; });
  $("upload").addEventListener("change", () => {
    const f = $("upload").files[0];
    if (!f) return;
    const reader = new FileReader();
    reader.onload = () => { $("facts").value = reader.result; };
    reader.readAsText(f);
  });
})();
