// The Teams personal tab's sign-in (adapters/web/tab.py). Served from /static/ after @microsoft/teams-js.
//
// 1. Ask Teams for the signed-in person's Entra token (SSO: no prompt) and post it to /tab/session,
//    which checks it against Microsoft's keys and starts a tab session; then open the site's page.
// 2. If Teams cannot give a token (consent not granted yet, an old client) or the server cannot match it
//    to a leader, offer "Sign in with Microsoft": a pop-up through authentication.authenticate() — a
//    redirect to Microsoft's login does not work inside the Teams frame. The pop-up signs in on our site
//    and hands back a one-time code, which starts the tab session the same way.
// 3. In the pop-up, the last page (#tab-auth-end) hands the code back with authentication.notifySuccess().
// Without JavaScript the page says how to open the website instead (Teams tabs always run it).
(function () {
  "use strict";
  var teams = window.microsoftTeams;
  var handBack = document.getElementById("tab-auth-end");
  if (handBack && teams) {
    // The pop-up's last page: give the one-time code to the tab that opened it, which closes this window.
    teams.app.initialize().then(function () {
      teams.authentication.notifySuccess(handBack.getAttribute("data-code"));
    });
    return;
  }
  var root = document.getElementById("tab-sign-in");
  if (!root || !teams) {
    return;
  }
  var status = document.getElementById("tab-status");
  var fallback = document.getElementById("tab-fallback");
  var button = document.getElementById("tab-fallback-button");
  var noScript = document.getElementById("tab-no-script");
  var next = root.getAttribute("data-next") || "/";

  function say(text) {
    status.textContent = text;
  }

  function post(field, value) {
    var body = new URLSearchParams();
    body.set(field, value);
    body.set("next", next);
    body.set("csrf_token", root.getAttribute("data-csrf") || "");
    return fetch("/tab/session", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (answer) {
          if (!response.ok) {
            throw { serverMessage: answer.message };
          }
          return answer;
        },
        function () {
          throw { serverMessage: "Leaders Connect could not sign you in. Try again." };
        },
      );
    });
  }

  function enter(answer) {
    say("Signed in. Opening Leaders Connect…");
    window.location.replace(answer.next || "/");
  }

  // Only our server's messages are shown: Teams' own errors are codes ("resourceRequiresConsent").
  function offerSignIn(problem) {
    var message = problem && typeof problem.serverMessage === "string" ? problem.serverMessage : "";
    say(message || "Teams could not sign you in to Leaders Connect automatically.");
    fallback.hidden = false;
    button.focus();
  }

  button.addEventListener("click", function () {
    say("Signing in with Microsoft in a new window…");
    teams.authentication
      .authenticate({ url: window.location.origin + "/tab/auth/start", width: 600, height: 535 })
      .then(function (code) {
        return post("code", code);
      })
      .then(enter)
      .catch(offerSignIn);
  });

  noScript.hidden = true;
  say("Signing you in with your Teams account…");
  teams.app
    .initialize()
    .then(function () {
      return teams.authentication.getAuthToken();
    })
    .then(function (token) {
      return post("token", token);
    })
    .then(enter)
    .catch(offerSignIn);
})();
