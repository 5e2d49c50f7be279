// The node's page: upload with progress, the file list, counts, the cluster panel and the groups
// (a chosen group's members follow its changes by a watch), all through the REST API of this node. Plain script, no build step, nothing fetched from elsewhere.
(function () {
  "use strict";

  // The API is beside the page, under the application's context root ("/" on a node).
  var meta = document.querySelector("meta[name='spindle-base']");
  var root = new URL(meta ? meta.getAttribute("content") : "/", location.href);
  function api(path) { return new URL(path, root).toString(); }
  function $(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ messages

  function showError(sentence) {
    var m = $("message");
    m.textContent = sentence;
    m.hidden = false;
  }
  function clearError() { $("message").hidden = true; }

  // The API answers errors as {"error": "..."}; anything else becomes one plain sentence too.
  function errorOf(xhrOrResponseText, status, what) {
    try {
      var body = JSON.parse(xhrOrResponseText);
      if (body && typeof body.error === "string") {
        return capitalize(what) + " failed: " + body.error.replace(/[.\s]+$/, "") + ".";
      }
    } catch (ignored) { /* not JSON */ }
    if (status === 0) { return capitalize(what) + " failed: the node did not answer; check that it runs and try again."; }
    return capitalize(what) + " failed with HTTP " + status + "; try again.";
  }
  function capitalize(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  // Every request goes through the page's session (signed in with a client token once) and says
  // it comes from the page (the node refuses writes through a session without that header). A 401
  // means the session is gone: ask for the token again.
  var PAGE_HEADER = "X-Spindle-Page";

  function request(method, url, onDone, body) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader(PAGE_HEADER, "1");
    if (body !== undefined) { xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded"); }
    xhr.onload = function () {
      if (xhr.status === 401 && url.indexOf("page/session") < 0) { needSignIn(xhr.responseText); return; }
      onDone(xhr.status, xhr.responseText);
    };
    xhr.onerror = function () { onDone(0, ""); };
    xhr.send(body);
    return xhr;
  }

  // ------------------------------------------------------------------ signing in

  var signedIn = false;

  function needSignIn(text) {
    signedIn = false;
    stopWatch();
    $("sign-in").hidden = false;
    $("who").textContent = "";
    $("sign-out").hidden = true;
    var sentence = "This node needs a client token: paste the one in run/client-token.";
    try {
      var body = JSON.parse(text || "");
      if (body && body.error && body.error.indexOf("accepts no client") >= 0) { sentence = capitalize(body.error) + "."; }
    } catch (ignored) { /* not JSON */ }
    $("sign-in-status").textContent = sentence;
  }

  function signedInAs(who) {
    signedIn = true;
    $("sign-in").hidden = true;
    $("token").value = "";
    $("who").textContent = "signed in as " + who.name + " (" + who.rights.join(", ") + ")";
    $("sign-out").hidden = false;
    refreshFiles();
    refreshCluster();
    refreshFederation();
    refreshGroups();
    if (chosenGroup !== null) { chooseGroup(chosenGroup); }
  }

  $("sign-in").addEventListener("submit", function (e) {
    e.preventDefault();
    request("POST", api("page/session"), function (status, text) {
      if (status === 200) { signedInAs(JSON.parse(text)); return; }
      $("sign-in-status").textContent = errorOf(text, status, "signing in");
    }, "token=" + encodeURIComponent($("token").value.trim()));
  });

  $("sign-out").addEventListener("click", function (e) {
    e.preventDefault();
    request("DELETE", api("page/session"), function () { needSignIn(); });
  });

  function encodeName(name) { return name.split("/").map(encodeURIComponent).join("/"); }

  function humanBytes(n) {
    var units = ["bytes", "KiB", "MiB", "GiB", "TiB"], v = n, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return u === 0 ? n + " bytes" : (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + " " + units[u];
  }
  function number(n) { return Number(n).toLocaleString("en-US"); }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else if (k === "class") { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  // ------------------------------------------------------------------ upload

  var queue = [];
  var uploading = false;

  function enqueue(files) {
    for (var i = 0; i < files.length; i++) { queue.push(files[i]); }
    if (!uploading) { next(); }
  }

  function next() {
    var file = queue.shift();
    if (!file) { uploading = false; return; }
    uploading = true;
    upload(file, next);
  }

  function setProgress(percent, text, state) {
    $("upload-progress").value = percent;
    $("upload-percent").textContent = Math.floor(percent) + "%";
    var status = $("upload-status");
    status.textContent = text;
    status.className = "status" + (state ? " " + state : "");
  }

  function upload(file, done) {
    clearError();
    var what = "the upload of " + file.name;
    setProgress(0, "Uploading " + file.name + " (" + humanBytes(file.size) + ")…");
    $("upload-progress").removeAttribute("data-done");
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", api("api/files/" + encodeName(file.name)));
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader(PAGE_HEADER, "1");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && e.total > 0) {
        setProgress(e.loaded * 100 / e.total, "Uploading " + file.name + ": " + humanBytes(e.loaded) + " of " + humanBytes(e.total) + "…");
      }
    };
    xhr.onload = function () {
      if (xhr.status === 401) { setProgress(0, "Sign in first.", "bad"); needSignIn(xhr.responseText); done(); return; }
      if (xhr.status >= 200 && xhr.status < 300) {
        setProgress(100, "Stored " + file.name + " (" + humanBytes(file.size) + ").", "ok");
        $("upload-progress").setAttribute("data-done", file.name);
        refreshFiles();
      } else {
        var sentence = errorOf(xhr.responseText, xhr.status, what);
        setProgress(0, sentence, "bad");
        showError(sentence);
      }
      done();
    };
    xhr.onerror = function () {
      var sentence = capitalize(what) + " failed: the connection to the node was lost; try again.";
      setProgress(0, sentence, "bad");
      showError(sentence);
      done();
    };
    xhr.send(file);
  }

  var dropzone = $("dropzone");
  ["dragenter", "dragover"].forEach(function (type) {
    dropzone.addEventListener(type, function (e) { e.preventDefault(); dropzone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropzone.addEventListener(type, function () { dropzone.classList.remove("over"); });
  });
  dropzone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) { enqueue(e.dataTransfer.files); }
  });
  // Files dropped beside the zone should not make the browser leave the page.
  window.addEventListener("dragover", function (e) { e.preventDefault(); });
  window.addEventListener("drop", function (e) { e.preventDefault(); });
  $("file-input").addEventListener("change", function (e) {
    enqueue(e.target.files);
    e.target.value = "";
  });

  // ------------------------------------------------------------------ files

  function refreshFiles() {
    request("GET", api("api/files"), function (status, text) {
      if (status !== 200) { showError(errorOf(text, status, "listing the files")); return; }
      renderFiles(JSON.parse(text));
    });
  }

  function renderFiles(files) {
    var rows = $("file-rows");
    rows.textContent = "";
    if (files.length === 0) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "5", class: "muted", text: "No files yet: upload one." })]));
      return;
    }
    files.forEach(function (f) {
      var download = el("a", { class: "button", href: api("api/files/" + encodeName(f.name)), download: f.name.split("/").pop(), text: "download" });
      var count = el("button", { class: "primary count", type: "button", text: "count" });
      count.addEventListener("click", function () { countFile(f.name, count); });
      var remove = el("button", { class: "danger delete", type: "button", text: "delete" });
      remove.addEventListener("click", function () { deleteFile(f.name, remove); });
      rows.appendChild(el("tr", { "data-name": f.name }, [
        el("td", { class: "name", text: f.name }),
        el("td", { class: "num", title: number(f.size) + " bytes", text: humanBytes(f.size) }),
        el("td", { class: "hash", title: f.sha256, text: f.sha256.slice(0, 16) + "…" }),
        el("td", { text: new Date(f.storedAt).toLocaleString() }),
        el("td", { class: "actions" }, [count, download, remove])
      ]));
    });
  }

  function deleteFile(name, button) {
    clearError();
    button.disabled = true;
    request("DELETE", api("api/files/" + encodeName(name)), function (status, text) {
      button.disabled = false;
      if (status !== 204) { showError(errorOf(text, status, "deleting " + name)); }
      if ($("count-name").textContent === name) { $("count-card").hidden = true; }
      refreshFiles();
    });
  }

  // ------------------------------------------------------------------ count

  function countFile(name, button) {
    clearError();
    button.disabled = true;
    button.textContent = "counting…";
    var url = api("api/count") + "?name=" + encodeURIComponent(name) + "&locale=" + $("locale").value + "&top=" + $("top").value;
    request("GET", url, function (status, text) {
      button.disabled = false;
      button.textContent = "count";
      if (status !== 200) { showError(errorOf(text, status, "counting " + name)); return; }
      renderCount(JSON.parse(text));
    });
  }

  function renderCount(c) {
    $("count-card").hidden = false;
    $("count-name").textContent = c.name;
    $("count-meta").textContent = (c.locale === "c" ? "C" : "UTF-8") + " locale" + (c.cached ? " · from the cache" : "");
    $("count-lines").textContent = c.lines;
    $("count-words").textContent = c.words;
    $("count-bytes").textContent = c.bytes;
    $("count-chars").textContent = c.chars;
    $("count-millis").textContent = c.millis;
    var bars = $("top-words");
    bars.textContent = "";
    var max = c.top.length ? c.top[0].count : 1;
    c.top.forEach(function (w) {
      var bar = el("div", { class: "bar" });
      bar.style.width = (w.count * 100 / max) + "%";
      bars.appendChild(el("span", { class: "bar-word", text: w.word }));
      bars.appendChild(el("div", { class: "bar-track", title: w.word + ": " + w.count }, [bar]));
      bars.appendChild(el("span", { class: "bar-count", text: number(w.count) }));
    });
    if (!c.topComplete) {
      bars.appendChild(el("span", { class: "muted", text: "The file has more distinct words than a count keeps, so its top words are left out; the totals are exact." }));
    } else if (c.top.length === 0) {
      bars.appendChild(el("span", { class: "muted", text: "No words." }));
    }
    var rows = $("range-rows");
    rows.textContent = "";
    c.ranges.forEach(function (r, i) {
      rows.appendChild(el("tr", {}, [
        el("td", { text: String(i) }), el("td", { text: r.node }),
        el("td", { class: "num", text: number(r.start) }), el("td", { class: "num", text: number(r.end) }),
        el("td", { class: "num", text: String(r.millis) })
      ]));
    });
    $("count-card").scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  // ------------------------------------------------------------------ cluster

  var clusterTimer = null;

  function refreshCluster() {
    if (clusterTimer) { clearTimeout(clusterTimer); clusterTimer = null; }
    if (!signedIn) { return; }
    request("GET", api("page/cluster"), function (status, text) {
      if (status !== 200) {
        renderClusterError(errorOf(text, status, "asking for the cluster's status").replace(/ try again\.$/, " retrying every 2 s."));
      } else {
        renderCluster(JSON.parse(text));
      }
      clusterTimer = setTimeout(refreshCluster, 2000);
    });
  }

  function renderClusterError(sentence) {
    var rows = $("cluster-rows");
    rows.textContent = "";
    rows.appendChild(el("tr", {}, [el("td", { colspan: "6", class: "muted", text: sentence })]));
    renderQueues(null, "Unknown while the cluster's status is.");
    renderQueueServers([], "Unknown while the cluster's status is.");
  }

  // Every queue server this node links to: its link's state and the jobs waiting in its queues.
  function renderQueueServers(servers, whyNone) {
    var rows = $("queue-server-rows");
    rows.textContent = "";
    if (!servers || servers.length === 0) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "muted", text: whyNone })]));
      return;
    }
    servers.forEach(function (q) {
      rows.appendChild(el("tr", { "data-queue-server": q.address }, [
        el("td", { class: "name", text: q.address }),
        el("td", { "data-field": "link" }, [el("span", {
          class: "role " + (q.connected ? "READY" : "DOWN"),
          text: q.connected ? "connected" : "redialing"
        })]),
        el("td", { class: "num", "data-field": "leaderQueue", text: q.leaderQueue === null ? "–" : number(q.leaderQueue) }),
        el("td", { class: "num", "data-field": "sharedQueue", text: q.sharedQueue === null ? "–" : number(q.sharedQueue) })
      ]));
    });
  }

  // The queues of the first connected queue server as this node last heard them: jobs waiting,
  // leased, capacity, and the jobs it gave up on.
  function renderQueues(queue, whyNone) {
    var rows = $("queue-rows");
    rows.textContent = "";
    $("queue-server").textContent = queue ? "at " + queue.server : "";
    renderGivenUp(queue ? queue.givenUp : []);
    if (!queue) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "muted", text: whyNone })]));
      return;
    }
    queue.queues.forEach(function (q) {
      var label = q.name === "leader" ? "leader (writes, deletes, pings, joins)" : "shared (reads, counts, count ranges)";
      rows.appendChild(el("tr", { "data-queue": q.name }, [
        el("td", { class: "name", text: label }),
        el("td", { class: "num", "data-field": "depth", text: number(q.depth) }),
        el("td", { class: "num", "data-field": "leased", text: number(q.leased) }),
        el("td", { class: "num", text: number(q.capacity) })
      ]));
    });
  }

  // The jobs the queue server gave up on lately, newest first: kind, request, attempts, reason.
  function renderGivenUp(jobs) {
    var list = $("given-up-rows");
    list.textContent = "";
    $("given-up").hidden = !jobs || jobs.length === 0;
    (jobs || []).forEach(function (j) {
      list.appendChild(el("li", { "data-request": j.requestId }, [
        el("strong", { text: j.kind + " " + j.requestId }),
        el("span", { text: " — " + j.attempts + " attempts, last on " + (j.lastNodeId || "?") + ": " + j.reason })
      ]));
    });
  }

  // A member's health: ready for clients, and whether it takes work from the queue server.
  function health(s) {
    var words = s.ready ? "ready" : "not ready";
    if (s.queueConnected === false) { words += ", no queue server"; }
    return el("span", { class: "role " + (s.ready ? "READY" : "DOWN"), text: words });
  }

  function renderCluster(panel) {
    var rows = $("cluster-rows");
    rows.textContent = "";
    panel.members.forEach(function (m) {
      var s = m.status;
      var name = el("td", { class: "name", title: m.httpUrl || "", text: m.id });
      if (m.self) { name.appendChild(el("span", { class: "you", text: "this node" })); }
      if (!m.voter) { name.appendChild(el("span", { class: "you", text: "learner" })); }
      var row = el("tr", { "data-member": m.id }, [name]);
      if (s) {
        row.appendChild(el("td", {}, [el("span", { class: "role " + s.role, text: s.role.toLowerCase() })]));
        row.appendChild(el("td", { class: "num", text: String(s.term) }));
        row.appendChild(el("td", { class: "num", text: number(s.commitIndex) }));
        row.appendChild(el("td", { class: "num", text: number(s.appliedIndex) }));
        row.appendChild(el("td", { "data-field": "health" }, [health(s)]));
      } else {
        row.appendChild(el("td", {}, [el("span", { class: "role DOWN", text: "no answer" })]));
        row.appendChild(el("td", { colspan: "4", class: "muted", text: capitalize(m.error || "it did not answer") + "." }));
      }
      rows.appendChild(row);
    });
    var noQueueServer = "This node has no queue server: none is configured (spindle.queue.servers) and discovery has found none yet.";
    renderQueueServers(panel.self.queueServers, noQueueServer);
    renderQueues(panel.queue, panel.self.queueConnected === null
      ? noQueueServer
      : "This node is not connected to any of its queue servers now; it keeps trying.");
    $("cluster-updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  // ------------------------------------------------------------------ federation

  var federationTimer = null;

  function refreshFederation() {
    if (federationTimer) { clearTimeout(federationTimer); federationTimer = null; }
    if (!signedIn) { return; }
    request("GET", api("api/clusters"), function (status, text) {
      if (status !== 200) {
        $("federation-status").textContent = errorOf(text, status, "asking for the federation's routes");
      } else {
        renderFederation(JSON.parse(text));
      }
      federationTimer = setTimeout(refreshFederation, 5000);
    });
  }

  function renderFederation(table) {
    var rows = $("federation-rows");
    rows.textContent = "";
    $("federation-status").textContent = table.error
      ? table.error
      : "Routes in Redis at " + table.redis + "; this is cluster " + table.clusterId + ".";
    table.routes.forEach(function (r) {
      var ping = el("button", { type: "button", class: "ping", text: "ping" });
      ping.addEventListener("click", function () { pingCluster(r.clusterId, ping); });
      var members = (r.members || []).map(function (m) { return m.nodeId + " (" + m.role + ")"; }).join(", ");
      var name = el("td", { class: "name", text: r.clusterId });
      if (r.clusterId === table.clusterId) { name.appendChild(el("span", { class: "you", text: "this cluster" })); }
      rows.appendChild(el("tr", { "data-cluster": r.clusterId }, [
        name,
        el("td", { text: r.leaderId || "" }),
        el("td", { class: "num", text: r.leaderId ? String(r.term) : "" }),
        el("td", { text: members }),
        el("td", { text: (r.queueServers || []).join(", ") }),
        el("td", { class: "num", text: r.leaderId ? (r.ageMs / 1000).toFixed(1) + " s" : "" }),
        el("td", { "data-field": "reachable", title: r.problem || "", text: r.reachable ? "yes" : "no" + (r.problem ? ": " + r.problem : "") }),
        el("td", {}, [ping])
      ]));
    });
    $("federation-updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  function pingCluster(id, button) {
    button.disabled = true;
    $("ping-result").hidden = false;
    $("ping-title").textContent = "Pinging cluster " + id + "…";
    $("ping-hops").textContent = "";
    request("GET", api("api/clusters/" + encodeURIComponent(id) + "/ping"), function (status, text) {
      button.disabled = false;
      if (status !== 200) {
        $("ping-title").textContent = "Cluster " + id + " did not answer: " + errorOf(text, status, "pinging it");
        return;
      }
      var p = JSON.parse(text);
      $("ping-title").textContent = "Cluster " + id + " answered in " + p.totalMs.toFixed(1) + " ms";
      p.hops.forEach(function (h) {
        $("ping-hops").appendChild(el("li", { "data-hop": h.name }, [
          el("strong", { text: h.kind + " " + h.name }),
          el("span", { text: " of cluster " + h.clusterId + " at " + h.address + ": " +
            (h.reached ? (h.rttMicros / 1000).toFixed(2) + " ms" : "unreachable: " + h.error) })
        ]));
      });
    });
  }

  // ------------------------------------------------------------------ groups

  // The list of groups is asked for every 5 s; the chosen group's members follow its changes by a
  // watch (a long poll: GET /api/groups/{group}?wait=true&after=INDEX answers when the group
  // changed after INDEX, or after timeoutSeconds unchanged), then watch again after the new index.
  var GROUP_WATCH_SECONDS = 25;
  var groupsTimer = null;
  var chosenGroup = null;
  var watchXhr = null;
  var watchRetry = null;
  // Every choice of group (and signing out) starts a new generation; answers to an older one are
  // dropped, so a slow answer never shows another group's members.
  var watchGeneration = 0;
  var groupChanges = [];

  function refreshGroups() {
    if (groupsTimer) { clearTimeout(groupsTimer); groupsTimer = null; }
    if (!signedIn) { return; }
    request("GET", api("api/groups"), function (status, text) {
      if (status !== 200) {
        showGroupsStatus(errorOf(text, status, "listing the groups").replace(/ try again\.$/, " retrying every 5 s."));
      } else {
        showGroupsStatus(null);
        renderGroups(JSON.parse(text));
      }
      groupsTimer = setTimeout(refreshGroups, 5000);
    });
  }

  function showGroupsStatus(sentence) {
    $("groups-status").hidden = !sentence;
    $("groups-status").textContent = sentence || "";
  }

  function renderGroups(groups) {
    var rows = $("group-rows");
    rows.textContent = "";
    if (groups.length === 0) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "muted",
        text: "No groups yet: a service joins one with PUT /api/groups/{group}/members/{id}." })]));
    }
    groups.forEach(function (g) {
      var show = el("button", { type: "button", class: "show", text: "members" });
      show.addEventListener("click", function () { chooseGroup(g.group); });
      rows.appendChild(el("tr", { "data-group": g.group, class: g.group === chosenGroup ? "selected" : "" }, [
        el("td", { class: "name", text: g.group }),
        el("td", { class: "num", "data-field": "members", text: number(g.members) }),
        el("td", { class: "num", text: String(g.index) }),
        el("td", { class: "actions" }, [show])
      ]));
    });
    if (chosenGroup === null && groups.length > 0) { chooseGroup(groups[0].group); }
    $("groups-updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  function stopWatch() {
    watchGeneration++;
    if (watchRetry) { clearTimeout(watchRetry); watchRetry = null; }
    if (watchXhr) { watchXhr.abort(); watchXhr = null; }
  }

  function chooseGroup(name) {
    stopWatch();
    chosenGroup = name;
    groupChanges = [];
    renderChanges();
    Array.prototype.forEach.call($("group-rows").querySelectorAll("tr[data-group]"), function (tr) {
      tr.className = tr.getAttribute("data-group") === name ? "selected" : "";
    });
    $("group-detail").hidden = false;
    $("group-name").textContent = name;
    $("group-watch").textContent = "";
    loadGroup(watchGeneration);
  }

  function groupUrl(query) {
    return api("api/groups/" + encodeURIComponent(chosenGroup)) + (query || "");
  }

  function retryGroup(generation, sentence) {
    $("group-watch").textContent = sentence.replace(/ try again\.$/, "") + " Retrying in 2 s.";
    watchRetry = setTimeout(function () {
      if (generation === watchGeneration) { loadGroup(generation); }
    }, 2000);
  }

  function loadGroup(generation) {
    if (!signedIn) { return; }
    watchXhr = request("GET", groupUrl(), function (status, text) {
      if (generation !== watchGeneration) { return; }
      if (status !== 200) { retryGroup(generation, errorOf(text, status, "reading the group")); return; }
      var view = JSON.parse(text);
      renderMembers(view);
      watchGroup(generation, view.index);
    });
  }

  function watchGroup(generation, after) {
    $("group-watch").textContent = "as of index " + after + " · watching for changes";
    $("group-watch").setAttribute("data-index", String(after));
    watchXhr = request("GET", groupUrl("?wait=true&after=" + after + "&timeoutSeconds=" + GROUP_WATCH_SECONDS), function (status, text) {
      if (generation !== watchGeneration) { return; }
      if (status !== 200) { retryGroup(generation, errorOf(text, status, "watching the group")); return; }
      var view = JSON.parse(text);
      renderMembers(view);
      if (view.changes.length > 0 || view.reset) {
        noteChanges(view);
        refreshGroups();
      }
      watchGroup(generation, view.index);
    });
  }

  function renderMembers(view) {
    var rows = $("member-rows");
    rows.textContent = "";
    if (view.members.length === 0) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "6", class: "muted", text: "No members now." })]));
      return;
    }
    view.members.forEach(function (m) {
      var meta = Object.keys(m.meta || {}).sort().map(function (k) { return k + "=" + m.meta[k]; }).join(", ");
      var lease = m.probe === "none" ? "lease " + m.ttlSeconds + " s" : m.probe + " probe, lease " + m.ttlSeconds + " s";
      rows.appendChild(el("tr", { "data-group-member": m.id }, [
        el("td", { class: "name", title: "joined at index " + m.joinIndex, text: m.id }),
        el("td", { "data-field": "address", text: m.address }),
        el("td", { "data-field": "state" }, [el("span", { class: "role " + m.state, title: lease, text: m.state })]),
        el("td", { class: "meta", "data-field": "meta", text: meta }),
        el("td", { title: m.joinedAt, text: new Date(m.joinedAt).toLocaleString() }),
        el("td", { title: m.lastRenewed, text: new Date(m.lastRenewed).toLocaleString() })
      ]));
    });
  }

  // The ten latest changes the watch saw, newest first.
  function noteChanges(view) {
    if (view.reset) {
      groupChanges.unshift({ index: view.index, kind: "reset", member: "", address: null });
    }
    view.changes.forEach(function (c) { groupChanges.unshift(c); });
    groupChanges = groupChanges.slice(0, 10);
    renderChanges();
  }

  function renderChanges() {
    var list = $("group-changes");
    list.textContent = "";
    if (groupChanges.length === 0) {
      list.appendChild(el("li", { class: "muted", text: "None since the page started watching." }));
      return;
    }
    groupChanges.forEach(function (c) {
      list.appendChild(el("li", { "data-change": String(c.index) }, [
        el("strong", { text: c.kind === "reset" ? "some changes were missed" : c.kind + " " + c.member }),
        el("span", { class: "muted", text: (c.address ? " at " + c.address : "") + " · index " + c.index })
      ]));
    });
  }

  request("GET", api("page/session"), function (status, text) {
    var who = status === 200 ? JSON.parse(text) : null;
    if (who && who.signedIn) { signedInAs(who); } else { needSignIn(); }
  });
})();
