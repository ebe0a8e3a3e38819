/* The webinar room: live chat, Q&A, polls, presence and attendance heartbeats.
   Progressive enhancement of the server-rendered page; no framework. Every text from other
   people is inserted with textContent; question HTML was sanitised by the server. */
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root || root.dataset.live !== "1" || typeof io === "undefined") return;

  var webinarId = Number(root.dataset.webinarId);
  var isModerator = root.dataset.moderator === "1";
  var zone = root.dataset.zone, lang = root.dataset.lang === "en" ? "en" : "id";
  var T = document.getElementById("room-strings").dataset;
  var status = document.getElementById("room-status");
  var messages = document.getElementById("messages");
  var questions = document.getElementById("questions");
  var pinned = document.getElementById("pinned");
  var chatForm = document.getElementById("chat-form");
  var askForm = document.getElementById("ask-form");
  var me = null, heartbeatTimer = null, presenceTimer = null, ended = false, joinedOnce = false;
  var upvoted = {}, muted = {};
  (root.dataset.muted || "").split(",").forEach(function (id) { if (id) muted[id] = true; });
  // Errors of these events are shown next to their form (from the acknowledgement).
  var LOCAL = { chat: true, ask: true, vote: true };

  var socket = io("/webinar", { reconnectionDelayMax: 10000, auth: { webinar_id: webinarId } }); // connecting joins the room

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "flash flash-error" : "muted";
  }

  function send(event, data, done, fail) {
    data = data || {};
    data.webinar_id = webinarId;
    socket.emit(event, data, function (reply) {
      if (reply && reply.ok) { if (done) done(reply); } else if (fail) fail(reply ? reply.error : "");
    });
  }

  // A refusal (muted, too long, too fast…) shown under the form that was sent.
  function formError(form, text) {
    var p = form.querySelector(".error");
    if (!text) { if (p) p.remove(); return; }
    if (!p) {
      p = el("p", "error");
      p.setAttribute("role", "alert");
      form.appendChild(p);
    }
    p.textContent = text;
  }

  function compose(form, box, event) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!box.value.trim()) return;
      send(event, { text: box.value }, function () { box.value = ""; formError(form); },
        function (error) { formError(form, error); });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, onClick) {
    var b = el("button", "link", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function clock(iso) {
    try {
      // The same style as the server's Babel times: "17.07" in Indonesian, "5:07 PM" in English.
      return new Date(iso).toLocaleTimeString(lang === "en" ? "en-US" : "id-ID",
        { hour: lang === "en" ? "numeric" : "2-digit", minute: "2-digit", timeZone: zone });
    } catch (e) { return ""; }
  }

  function dropEmpty(list) {
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
  }

  // ------------------------------------------------------------------ chat

  function moderatorTools(li, userId) {
    if (!isModerator || li.querySelector(".tools")) return;
    var tools = el("span", "tools");
    var id = Number(li.dataset.id);
    tools.appendChild(button(T.pin, function () { send("pin", { message_id: id }); }));
    tools.appendChild(button(T.delete, function () { send("delete", { message_id: id }); }));
    if (userId !== me) {
      var mute = button(muted[userId] ? T.unmute : T.mute, function () {
        send("mute", { user_id: userId, muted: !muted[userId] });
      });
      mute.className = "link mute";
      tools.appendChild(mute);
    }
    li.appendChild(tools);
  }

  function showMuted(userId, isMuted) {
    muted[userId] = isMuted;
    Array.prototype.forEach.call(messages.querySelectorAll("li[data-user-id='" + userId + "'] .mute"),
      function (b) { b.textContent = isMuted ? T.unmute : T.mute; });
  }

  function messageItem(m) {
    var li = el("li");
    li.id = "m-" + m.id;
    li.dataset.id = m.id;
    li.dataset.userId = m.user.id;
    li.appendChild(el("b", null, m.user.name));
    li.appendChild(document.createTextNode(" "));
    var time = el("time", null, clock(m.at));
    time.dateTime = m.at;
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "text", m.text));
    moderatorTools(li, m.user.id);
    return li;
  }

  function addMessage(m) {
    if (document.getElementById("m-" + m.id)) return;
    dropEmpty(messages);
    var atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    messages.appendChild(messageItem(m));
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function showPinned(m) {
    pinned.textContent = "";
    pinned.dataset.id = m ? m.id : "";
    if (!m) { pinned.hidden = true; return; }
    pinned.appendChild(el("b", null, m.user.name));
    pinned.appendChild(document.createTextNode(": " + m.text));
    if (isModerator) {
      pinned.appendChild(document.createTextNode(" "));
      pinned.appendChild(button(T.unpin, function () { send("pin", { message_id: null }); }));
    }
    pinned.hidden = false;
  }

  // "Older messages" loads the previous page over the socket instead of leaving the page.
  var older = document.getElementById("older");
  if (older) {
    older.addEventListener("click", function (event) {
      if (!socket.connected) return; // after the end: the plain link loads the older page
      event.preventDefault();
      var first = messages.querySelector("li[data-id]");
      send("history", { before_id: first ? Number(first.dataset.id) : null }, function (reply) {
        var anchor = messages.firstChild;
        reply.messages.forEach(function (m) {
          if (!document.getElementById("m-" + m.id)) messages.insertBefore(messageItem(m), anchor);
        });
        if (!reply.more) older.parentNode.remove();
      });
    });
  }

  compose(chatForm, document.getElementById("chat-text"), "chat");

  // ------------------------------------------------------------------ questions

  function questionTools(li, q) {
    var tools = li.querySelector(".tools") || el("span", "tools");
    tools.textContent = "";
    if (!q.answered && q.user.id !== me && !upvoted[q.id]) {
      tools.appendChild(button(T.upvote, function () {
        send("upvote", { question_id: q.id }, function () {
          upvoted[q.id] = true;
          var b = document.querySelector("#q-" + q.id + " .upvote");
          if (b) b.remove();
        });
      }));
      tools.lastChild.className = "link upvote";
    }
    if (isModerator) {
      if (!q.answered) tools.appendChild(button(T.markAnswered, function () { send("answer", { question_id: q.id }); }));
      tools.appendChild(button(T.delete, function () { send("delete_question", { question_id: q.id }); }));
    }
    li.appendChild(tools);
  }

  function showQuestion(q) {
    dropEmpty(questions);
    var li = document.getElementById("q-" + q.id);
    if (!li) {
      li = el("li");
      li.id = "q-" + q.id;
      li.dataset.id = q.id;
      li.dataset.userId = q.user.id;
      questions.appendChild(li);
    }
    li.textContent = "";
    li.className = q.answered ? "answered" : "";
    li.dataset.votes = q.votes;
    var body = el("div", "q-body");
    body.innerHTML = q.html; // sanitised by lms/content.py when it was asked
    li.appendChild(body);
    var meta = el("small", null, q.user.name + " · ");
    meta.appendChild(el("span", "votes", String(q.votes)));
    meta.appendChild(document.createTextNode(" " + T.support + (q.answered ? " · " + T.answered : "")));
    li.appendChild(meta);
    questionTools(li, q);
    // Open questions by votes, answered ones last.
    var items = Array.prototype.slice.call(questions.children);
    items.sort(function (a, b) {
      var aa = a.classList.contains("answered"), ba = b.classList.contains("answered");
      if (aa !== ba) return aa ? 1 : -1;
      return Number(b.dataset.votes) - Number(a.dataset.votes) || Number(a.dataset.id) - Number(b.dataset.id);
    });
    items.forEach(function (item) { questions.appendChild(item); });
  }

  // Server-rendered questions get their buttons once we know who we are.
  function enhanceQuestions() {
    Array.prototype.forEach.call(questions.querySelectorAll("li[data-id]"), function (li) {
      questionTools(li, {
        id: Number(li.dataset.id), answered: li.classList.contains("answered"),
        user: { id: Number(li.dataset.userId) }
      });
    });
    Array.prototype.forEach.call(messages.querySelectorAll("li[data-id]"), function (li) {
      moderatorTools(li, Number(li.dataset.userId));
    });
  }

  compose(askForm, document.getElementById("ask-text"), "ask");

  // ------------------------------------------------------------------ polls

  var pollList = document.getElementById("poll-list");

  function showPoll(p) {
    dropEmpty(pollList);
    var box = document.getElementById("poll-" + p.id);
    if (!box) {
      box = el("div", "poll");
      box.id = "poll-" + p.id;
      pollList.appendChild(box);
    }
    box.textContent = "";
    box.dataset.pollId = p.id;
    box.dataset.status = p.status;
    var title = el("p");
    title.appendChild(el("strong", null, p.question));
    if (p.status !== "open") title.appendChild(el("small", null, " (" + T[p.status] + ")"));
    box.appendChild(title);
    var list = el("ul", "options");
    p.options.forEach(function (o) {
      var li = el("li");
      li.dataset.optionId = o.id;
      if (p.status === "open" && !("votes" in o)) {
        var vote = button(o.text, function () {
          var done = function (text) { list.replaceWith(el("p", "muted", text)); announcePoll(null); };
          send("vote", { poll_id: p.id, option_id: o.id }, function () { done(T.voted); }, done);
        });
        vote.className = "vote";
        li.appendChild(vote);
      } else {
        li.appendChild(el("span", "option-text", o.text));
        if ("votes" in o) li.appendChild(document.createTextNode(" — " + o.votes + " " + T.votes));
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    pollControls(box, p.id, p.status);
    var canVote = p.status === "open" && p.options.some(function (o) { return !("votes" in o); });
    if (canVote) announcePoll(p);
    else if (notice.dataset.pollId === String(p.id)) announcePoll(null);
  }

  // An open poll is announced at the top of the room, with a link down to it.
  var notice = document.getElementById("poll-notice");
  function announcePoll(p) {
    if (!notice) return;
    if (!p) { notice.hidden = true; delete notice.dataset.pollId; return; }
    notice.dataset.pollId = p.id;
    notice.querySelector(".poll-question").textContent = p.question;
    notice.querySelector("a").setAttribute("href", "#poll-" + p.id);
    notice.hidden = false;
  }

  function pollControls(box, id, state) {
    if (!isModerator) return;
    var tools = el("p", "tools");
    if (state === "draft") tools.appendChild(button(T.open, function () { send("poll_open", { poll_id: id }); }));
    if (state === "open") tools.appendChild(button(T.close, function () { send("poll_close", { poll_id: id }); }));
    box.appendChild(tools);
  }

  Array.prototype.forEach.call(pollList.querySelectorAll(".poll"), function (box) {
    pollControls(box, Number(box.dataset.pollId), box.dataset.status);
  });

  // ------------------------------------------------------------------ presence (moderators)

  var present = document.getElementById("present");
  var presentCount = document.getElementById("present-count");

  function countPresent() {
    if (presentCount) presentCount.textContent = "(" + present.children.length + ")";
  }

  function showPresent(list) {
    if (!present) return;
    present.textContent = "";
    list.forEach(addPresent);
    countPresent();
  }

  function addPresent(p) {
    if (!present || document.getElementById("p-" + p.id)) return;
    var li = el("li", null, p.name);
    li.id = "p-" + p.id;
    present.appendChild(li);
    countPresent();
  }

  // Without a live connection the form posts and the server ends the session.
  var endForm = document.getElementById("end-webinar");
  if (endForm) {
    endForm.addEventListener("submit", function (event) {
      if (!window.confirm(T.confirmEnd)) { event.preventDefault(); return; }
      if (socket.connected) { event.preventDefault(); send("end", {}); }
    });
  }

  // ------------------------------------------------------------------ connection

  // Moderators are told when the room is split over server processes (message queue down).
  function showSplit(split) {
    var notice = document.getElementById("room-split");
    if (notice) notice.hidden = !split;
  }

  function joined(reply) {
    // Back after a disconnect: fetch what was said meanwhile.
    if (joinedOnce) send("history", {}, function (r) { r.messages.forEach(addMessage); });
    joinedOnce = true;
    me = reply.me;
    isModerator = reply.moderator;
    say(reply.muted ? T.muted : T.connected, reply.muted);
    chatForm.hidden = askForm.hidden = false;
    showPinned(reply.pinned);
    if (reply.poll) showPoll(reply.poll);
    if (isModerator) {
      showSplit(reply.split);
      showPresent(reply.present || []);
      clearInterval(presenceTimer);
      presenceTimer = setInterval(function () {
        send("presence", {}, function (r) { showPresent(r.present); });
      }, 30000);
    }
    enhanceQuestions();
    clearInterval(heartbeatTimer);
    heartbeatTimer = setInterval(function () { send("heartbeat", {}); }, reply.heartbeat * 1000);
  }

  say(T.connecting);
  socket.on("joined", joined);
  socket.on("disconnect", function () {
    clearInterval(heartbeatTimer);
    clearInterval(presenceTimer);
    if (!ended) say(T.reconnecting, true);
  });
  socket.on("connect_error", function (err) {
    say(err.message || T.reconnecting, true);
    if (!socket.active) chatForm.hidden = askForm.hidden = true; // refused: final
  });
  socket.on("error", function (e) { if (e && e.message && !LOCAL[e.event]) say(e.message, true); });
  socket.on("room_split", function (d) { showSplit(d && d.split); });
  socket.on("chat", addMessage);
  socket.on("pinned", showPinned);
  socket.on("message_deleted", function (d) {
    var li = document.getElementById("m-" + d.id);
    if (li) li.remove();
    if (pinned.dataset.id === String(d.id)) showPinned(null);
  });
  socket.on("question", showQuestion);
  socket.on("question_deleted", function (d) {
    var li = document.getElementById("q-" + d.id);
    if (li) li.remove();
  });
  socket.on("poll", showPoll);
  socket.on("poll_results", showPoll);
  socket.on("present", function (people) { people.forEach(addPresent); });
  socket.on("absent", function (d) {
    var li = document.getElementById("p-" + d.id);
    if (li) { li.remove(); countPresent(); }
  });
  socket.on("muted", function (d) {
    if (d.user_id !== me) return showMuted(d.user_id, d.muted);
    say(d.muted ? T.muted : T.unmuted, d.muted);
    if (!d.muted) { formError(chatForm); formError(askForm); }
  });
  // The message comes from the attendance decision the server just recorded for this person.
  function closingMessage(d) {
    if (!d || d.moderator || d.present === undefined) return T.ended;
    var text = d.present ? T.endedPresent : T.endedAbsent;
    return text.replace("{minutes}", d.minutes).replace("{percent}", d.percent).replace("{threshold}", root.dataset.threshold || "");
  }
  function closeRoom(d) {
    if (ended) return;
    ended = true;
    clearInterval(heartbeatTimer);
    clearInterval(presenceTimer);
    // Read-only from now on: no forms, no buttons that would only be refused.
    Array.prototype.forEach.call(root.querySelectorAll(".compose, .tools, .poll button, #pinned button, details"),
      function (node) { node.remove(); });
    if (endForm) endForm.remove();
    say(closingMessage(d));
    socket.disconnect();
  }
  socket.on("ended", closeRoom);
  socket.on("closed", function () { closeRoom(null); });

  // Leave cleanly when the page goes away, so the interval ends now and not at the timeout.
  window.addEventListener("pagehide", function () {
    if (socket.connected) socket.emit("leave", { webinar_id: webinarId });
  });
})();
