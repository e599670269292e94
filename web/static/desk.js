// The desk, enhanced (every page works without this file; the CSP allows no inline script):
// - a page answering a form's POST puts the form's own address back (a refresh does not resubmit);
// - the first field with an error is scrolled into view and focused;
// - files over the size limit are refused before anything is sent, naming the file and the limit;
// - while files upload, the form says so and shows progress.
(function () {
  "use strict";

  function mb(bytes) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }

  function keepAddress() {
    var home = document.querySelector("[data-canonical]");
    if (!home || !window.history || !history.replaceState) return;
    var url = home.getAttribute("data-canonical");
    var back = document.querySelector("#failure a[href^='#act-']");
    var hash = location.hash || (back ? back.getAttribute("href") : "");
    if (location.pathname !== url) history.replaceState(null, "", url + hash);
  }

  function showProblem() {
    var field = document.querySelector(".has-error input, .has-error textarea, .has-error select");
    var target = field || document.querySelector("#failure");
    if (!target) return;
    var more = target.closest("details");
    if (more) more.open = true;
    target.scrollIntoView({ block: "center" });
    if (field) field.focus({ preventScroll: true });
  }

  function errorBox(input) {
    var id = input.id + "-size-error";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("p");
      box.id = id;
      box.className = "field-error";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function tooLarge(form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var first = null;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      var big = Array.prototype.filter.call(input.files || [], function (f) { return f.size > limit; });
      var box = errorBox(input);
      if (big.length) {
        box.textContent = big.map(function (f) {
          return "文件“" + f.name + "”为 " + mb(f.size) + "，超过单个文件 " + mb(limit) + " 的大小限制，未上传";
        }).join("；") + "。请压缩或拆分后重新选择，您填写的其他内容仍在。";
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      } else {
        box.remove();
        input.removeAttribute("aria-invalid");
      }
    });
    return first;
  }

  function uploading(form) {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.push.apply(files, input.files || []);
    });
    if (!files.length) return;
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var status = document.createElement("div");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    status.innerHTML = "<progress></progress><span></span>";
    status.querySelector("span").textContent = "正在上传 " + files.length + " 个文件（共 " + mb(total) + "）："
      + files.map(function (f) { return f.name; }).join("、") + "，请稍候…";
    form.appendChild(status);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }

  function watchSizes() {
    document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
      form.addEventListener("change", function (e) {
        if (e.target.type === "file") tooLarge(form);
      });
      form.addEventListener("submit", function (e) {
        var bad = tooLarge(form);
        if (bad) {
          e.preventDefault();
          bad.scrollIntoView({ block: "center" });
          bad.focus({ preventScroll: true });
          return;
        }
        uploading(form);
      });
    });
  }

  function confirmDanger() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); return; }
        // asked here already: the server's own confirmation step (for pages without script) is skipped
        if (!form.querySelector('input[name="confirmed"]')) {
          var yes = document.createElement("input");
          yes.type = "hidden"; yes.name = "confirmed"; yes.value = "1";
          form.appendChild(yes);
        }
      });
    });
  }

  function ready() {
    keepAddress();
    showProblem();
    window.addEventListener("load", function () { window.setTimeout(showProblem, 0); });  // after the fragment
    watchSizes();
    confirmDanger();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
