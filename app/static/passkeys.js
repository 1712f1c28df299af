// Passkeys (WebAuthn): the one thing on Kindred's pages that needs a script.
//
// A form marked data-passkey="create" (adding a passkey) or "get" (signing in with one)
// carries the server's options as JSON in data-passkey-options. On submit this asks the
// browser for the passkey, puts its answer (as JSON) in the form's hidden "credential"
// field and sends the form as usual; the server checks everything. Without this script
// (or without passkey support) those forms stay hidden and the rest of the page works.
(function () {
  "use strict";

  function bytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out.buffer;
  }

  function text(buffer) {
    var view = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < view.length; i++) binary += String.fromCharCode(view[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: bytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(json) {
    var options = JSON.parse(json);
    options.challenge = bytes(options.challenge);
    options.user.id = bytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = JSON.parse(json);
    options.challenge = bytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function answer(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: text(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = text(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = text(response.authenticatorData);
      out.response.signature = text(response.signature);
      if (response.userHandle) out.response.userHandle = text(response.userHandle);
    }
    return JSON.stringify(out);
  }

  function say(form, message) {
    var status = form.querySelector("[data-passkey-status]");
    if (status) status.textContent = message;
  }

  function prepare(form) {
    var creating = form.getAttribute("data-passkey") === "create";
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.querySelector("input[name=name]");
      if (creating && name && !name.value.trim()) {
        say(form, "Give the passkey a name first.");
        name.focus();
        return;
      }
      var json = form.getAttribute("data-passkey-options");
      var asked = creating
        ? navigator.credentials.create({ publicKey: creationOptions(json) })
        : navigator.credentials.get({ publicKey: requestOptions(json) });
      say(form, "Waiting for your passkey…");
      asked.then(
        function (credential) {
          form.querySelector("input[name=credential]").value = answer(credential);
          say(form, "Checking…");
          form.submit();
        },
        function (error) {
          say(
            form,
            error && error.name === "NotAllowedError"
              ? "The passkey was not used (it was cancelled or took too long). You can try again."
              : "Your browser could not use a passkey here (" + (error && error.name) + ")."
          );
        }
      );
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.querySelectorAll("[data-passkey-fallback]").forEach(function (note) {
    note.hidden = true;
  });
  document.querySelectorAll("form[data-passkey]").forEach(prepare);
})();
