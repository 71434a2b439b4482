/* 均衡编班 · the page: file list, the ribbon's buttons, background jobs with a progress bar.
   Plain ES5-level script (no libraries) so that older browsers on 统信UOS / 麒麟 work too. */
(function () {
  "use strict";
  var token = "", current = "", currentState = "", currentSealed = false, currentFolder = "", running = false;

  function $(id) { return document.getElementById(id); }
  function url(path, args) {
    var q = [];
    args = args || {};
    for (var k in args) { if (args.hasOwnProperty(k)) { q.push(encodeURIComponent(k) + "=" + encodeURIComponent(args[k])); } }
    q.push("t=" + encodeURIComponent(token));
    return path + "?" + q.join("&");
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  /* the page cannot reach the server: its start window was closed, or it was started again (a new
     start serves another address and opens a new page; this one cannot reconnect, and a refresh
     would only show the browser's own error) */
  var LOST = "与本机服务的连接已断开：启动窗口被关闭了，或者又启动了一次。请重新打开“均衡编班网页界面”，" +
             "在它打开的新网页中继续；本页可以关闭。文件都在文件夹中，不会丢失。";
  function post(path, data) {
    var body = new FormData();
    for (var k in data) { if (data.hasOwnProperty(k)) { body.append(k, data[k]); } }
    return fetch(path, { method: "POST", body: body, headers: { "X-Bianban-Token": token }, credentials: "same-origin" })
      .then(function (r) { return r.json(); });
  }
  function getJSON(path, args) {
    return fetch(url(path, args), { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  function setBusy(b) {
    running = b;
    var all = document.querySelectorAll("button.step, button.dstep, #new-template, #new-demo, .panel button");
    for (var i = 0; i < all.length; i++) { all[i].disabled = b || (all[i].classList.contains("step") && !current); }
    var dis = document.querySelectorAll("button.dstep");
    for (var j = 0; j < dis.length; j++) { dis[j].disabled = b || !currentFolder; }
    $("upload").disabled = b;
    document.querySelector("label[for=upload]").classList.toggle("disabled", b);
  }

  /* --- file and folder lists ------------------------------------------------------------ */
  function refresh() {
    return getJSON("/api/files").then(function (data) {
      var rows = [];
      data.files.forEach(function (f) {
        var sel = f.name === current ? ' class="selected"' : "";
        rows.push("<tr" + sel + '><td><a class="fname" data-name="' + esc(f.name) + '">' + esc(f.name) + "</a></td><td>" +
                  esc(f.time) + '</td><td><span class="state s-' + esc(f.state) + '">' + esc(f.state) + "</span>" +
                  (f.job ? ' <span class="state">进行中</span>' : "") + "</td></tr>");
        if (f.name === current) { currentState = f.state; currentSealed = !!f.sealed; showCurrent(); }
      });
      if (current && !data.files.some(function (f) { return f.name === current; })) { current = ""; showCurrent(); }
      /* a step still running after the page was reloaded: show it again instead of a blank page */
      var live = data.files.filter(function (f) { return f.job; });
      var mine = live.filter(function (f) { return f.name === current; })[0] || live[0];
      if (mine && !running) {
        current = mine.name;
        try { sessionStorage.setItem("bianban-current", current); } catch (e) { /* private mode */ }
        currentState = mine.state; currentSealed = !!mine.sealed; showCurrent();
        setBusy(true);
        watch(mine.job, "progress", $("result"));
      }
      if (!rows.length) { rows.push('<tr><td colspan="3" class="hint">工作文件夹中还没有工作簿：请上传，或新建空白模板 / 生成示例工作簿。</td></tr>'); }
      document.querySelector("#filetable tbody").innerHTML = rows.join("");
      var drows = [];
      data.folders.forEach(function (d) {
        var sel = d.name === currentFolder ? ' class="selected"' : "";
        drows.push("<tr" + sel + '><td><a class="dname" data-name="' + esc(d.name) + '">' + esc(d.name) + "</a></td><td>" + d.count + "</td></tr>");
      });
      if (!drows.length) { drows.push('<tr><td colspan="2" class="hint">工作文件夹中还没有子文件夹。请在工作文件夹中新建一个文件夹，把各校工作簿复制进去，再刷新本页。</td></tr>'); }
      document.querySelector("#foldertable tbody").innerHTML = drows.join("");
      var sel = $("seeds-file"), keep = sel.value, opts = ['<option value="">（不用种子表）</option>'];
      data.files.forEach(function (f) { opts.push('<option value="' + esc(f.name) + '">' + esc(f.name) + "</option>"); });
      sel.innerHTML = opts.join("");
      sel.value = keep;
      if (sel.value !== keep) { sel.value = ""; }
    });
  }
  function showCurrent() {
    $("current").textContent = current || "（请在左侧点一个文件名）";
    var st = $("current-state");
    st.textContent = current ? currentState : "";
    st.className = "state" + (current ? " s-" + currentState : "");
    st.hidden = !current;
    setBusy(running);
  }
  function select(name) {
    current = name;
    try { sessionStorage.setItem("bianban-current", name); } catch (e) { /* private mode */ }
    hidePanels();
    refresh();
  }
  function selectFolder(name) {
    currentFolder = name;
    $("current-folder").textContent = name;
    refresh().then(function () { setBusy(running); });
  }

  /* --- jobs ------------------------------------------------------------------------------ */
  function watch(jobId, prefix, area) {
    var shown = false, started = Date.now();
    var box = $(prefix), fill = $(prefix + "-fill"), what = $(prefix + "-what");
    function tick() {
      getJSON("/api/job/" + jobId).then(function (j) {
        if (!j.done) {
          if (!shown && Date.now() - started > 300) { box.hidden = false; shown = true; }
          if (j.fraction > 0.02) { fill.classList.remove("pulse"); fill.style.width = Math.round(j.fraction * 100) + "%"; }
          else { fill.classList.add("pulse"); }
          what.textContent = j.title + "：" + j.what + "……" + (j.fraction > 0.02 ? " " + Math.round(j.fraction * 100) + "%" : "") +
                             "（已用 " + j.seconds + " 秒）";
          setTimeout(tick, 250);
          return;
        }
        box.hidden = true;
        fill.style.width = "0";
        area.innerHTML = j.html;
        area.setAttribute("data-ok", j.ok ? "1" : "0");
        setBusy(false);
        if (j.select && j.select.indexOf("folder:") === 0) { selectFolder(j.select.substring(7)); }
        else if (j.select) { select(j.select); }
        else { refresh(); }
      }, function () {
        what.textContent = LOST;
        setBusy(false);
      });
    }
    tick();
  }
  function start(path, data, prefix, area) {
    setBusy(true);
    area.innerHTML = "";
    area.removeAttribute("data-ok");
    return post(path, data).then(function (r) {
      if (r.job) { watch(r.job, prefix, area); }
      else { area.innerHTML = r.html || ""; setBusy(false); if (r.select) { select(r.select); } else { refresh(); } }
    }, function () {
      area.innerHTML = '<div class="box bad"><p>' + LOST + '</p></div>';
      setBusy(false);
    });
  }
  /* ask the server whether the step can run before asking for the number called out in the room */
  function whenPossible(step, open) {
    if (!current || running) { return; }
    hidePanels();
    $("result").innerHTML = "";
    post("/api/can/" + step, { file: current }).then(function (r) {
      if (r.ok) { open(r.notice || ""); } else { $("result").innerHTML = r.html || ""; }
    }, function () {
      $("result").innerHTML = '<div class="box bad"><p>' + LOST + '</p></div>';
    });
  }
  function runStep(step, extra) {
    if (!current) { return; }
    var data = { file: current };
    for (var k in extra || {}) { if (extra.hasOwnProperty(k)) { data[k] = extra[k]; } }
    hidePanels();
    start("/api/step/" + step, data, "progress", $("result"));
  }

  /* --- panels (班主任抽签, 锁定, 更正学生信息) ------------------------------------------------------------ */
  function hidePanels() {
    $("panel-assign").hidden = true; $("panel-draw").hidden = true; $("panel-lock").hidden = true; $("panel-correct").hidden = true;
  }
  function openPanel(id, focus) {
    hidePanels();
    $("result").innerHTML = "";
    $(id).reset();
    $(id).hidden = false;
    setBusy(running);
    if (focus) { $(focus).focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    token = document.body.getAttribute("data-token");
    document.addEventListener("click", function (e) {
      var t = e.target;
      if (t.classList.contains("fname")) { e.preventDefault(); select(t.getAttribute("data-name")); }
      else if (t.classList.contains("dname")) { e.preventDefault(); selectFolder(t.getAttribute("data-name")); }
      else if (t.classList.contains("step")) {
        var s = t.getAttribute("data-step");
        if (s === "draw") {
          whenPossible("draw", function (notice) {
            openPanel("panel-draw", "digits");
            $("draw-notice").textContent = notice || "";
            $("draw-notice").hidden = !notice;
          });
        }
        else if (s === "assign" && (currentSealed || currentState === "未编班")) {
          /* the number called out in the room, typed twice; an unsealed book is told to seal first */
          whenPossible("assign", function () {
            $("assign-title").textContent = currentSealed ? "自动编班（数据已封存）" : "自动编班（数据未封存）";
            $("assign-sealed-text").hidden = !currentSealed;
            $("assign-open-text").hidden = currentSealed;
            openPanel("panel-assign", "seed-digits");
          });
        }
        else if (s === "lock") { openPanel("panel-lock", "lock-reason"); }
        else if (s === "correct") { openPanel("panel-correct", "correct-who"); }
        else { runStep(s); }
      }
      else if (t.classList.contains("dstep")) {
        var dstep = t.getAttribute("data-step"), ddata = { folder: currentFolder };
        if (dstep === "batch" && $("seeds-file").value) { ddata.seeds = $("seeds-file").value; }
        if (currentFolder) { start("/api/district/" + dstep, ddata, "dprogress", $("dresult")); }
      }
      else if (t.classList.contains("cancel")) { hidePanels(); }
      else if (t.classList.contains("tab")) {
        var tabs = document.querySelectorAll(".tab");
        for (var i = 0; i < tabs.length; i++) { tabs[i].classList.toggle("active", tabs[i] === t); }
        $("tab-school").hidden = t.getAttribute("data-tab") !== "school";
        $("tab-district").hidden = t.getAttribute("data-tab") !== "district";
      }
    });
    $("panel-draw").addEventListener("submit", function (e) {
      e.preventDefault();
      runStep("draw", { digits: $("digits").value, digits2: $("digits2").value, computer: $("computer").checked ? "1" : "0" });
    });
    $("panel-assign").addEventListener("submit", function (e) {
      e.preventDefault();
      runStep("assign", { room: "1", digits: $("seed-digits").value, digits2: $("seed-digits2").value,
                          computer: $("seed-computer").checked ? "1" : "0" });
    });
    $("panel-lock").addEventListener("submit", function (e) {
      e.preventDefault();
      runStep("lock", { reason: $("lock-reason").value });
    });
    $("panel-correct").addEventListener("submit", function (e) {
      e.preventDefault();
      runStep("correct", { by: $("correct-by").value, who: $("correct-who").value, column: $("correct-column").value,
                           value: $("correct-value").value, reason: $("correct-reason").value });
    });
    $("result").addEventListener("submit", function (e) {       /* 强制重新编班 form inside a refusal */
      if (!e.target.classList.contains("force")) { return; }
      e.preventDefault();
      var data = { force: "1" }, inputs = e.target.querySelectorAll("input[name]");
      for (var i = 0; i < inputs.length; i++) {
        var inp = inputs[i];
        data[inp.name] = inp.type === "checkbox" ? (inp.checked ? "1" : "0") : inp.value;
      }
      runStep("assign", data);
    });
    $("upload").addEventListener("change", function () {
      var f = $("upload").files[0];
      if (!f) { return; }
      setBusy(true);
      var body = new FormData();
      body.append("file", f);
      fetch("/api/upload", { method: "POST", body: body, headers: { "X-Bianban-Token": token } })
        .then(function (r) { return r.json(); })
        .then(function (r) { $("result").innerHTML = r.html || ""; setBusy(false); $("upload").value = ""; if (r.select) { select(r.select); } else { refresh(); } },
              function () { $("result").innerHTML = '<div class="box bad"><p>上传失败：文件可能太大，或本机服务已关闭。</p></div>'; setBusy(false); });
    });
    $("new-template").addEventListener("click", function () { start("/api/new/template", {}, "progress", $("result")); });
    $("new-demo").addEventListener("click", function () { start("/api/new/demo", {}, "progress", $("result")); });
    setBusy(false);
    try { current = sessionStorage.getItem("bianban-current") || ""; } catch (e) { current = ""; }   /* kept over a reload */
    refresh();
    setInterval(function () { if (!running) { refresh(); } }, 5000);
  });
})();
