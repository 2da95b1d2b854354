/**
 * The browser chat client (docs/web.md): logs in over bcs on the page's own `ws/bcs`,
 * shows the lobby and who is online, sends with Enter, uploads and downloads files, and
 * reconnects with backoff when the server goes away. The protocol is in bcs-session.js;
 * this file is the page around it.
 */
import { Backoff } from "./backoff.js";
import { ConnectionLost, BcsSession, Refused } from "./bcs-session.js";
import { Status } from "./bcs-wire.js";
import { MessageList, OnlineList } from "./lobby-view.js";
import { parsePresence, Roster } from "./presence.js";
import { formatBytes, saveBlob, TransferRow } from "./transfers-view.js";

/** The page's own WebSocket endpoint, relative to where the page is (so a path prefix works). */
function endpoint() {
  const url = new URL("ws/bcs", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $("connection"),
  leave: $("leave"),
  loginView: $("login-view"),
  loginForm: $("login-form"),
  name: $("name"),
  join: $("join"),
  loginError: $("login-error"),
  chatView: $("chat-view"),
  banner: $("banner"),
  bannerText: $("banner-text"),
  retryNow: $("retry-now"),
  messages: $("messages"),
  composer: $("composer"),
  message: $("message"),
  sendButton: $("send"),
  file: $("file"),
  transfers: $("transfers"),
  online: $("online"),
  onlineCount: $("online-count"),
};

const SERVER = "server";

/** A refused name in words (docs/bcs.md#status-codes), with the server's own words after it. */
function refusalWords(code, message) {
  const words = {
    [Status.NameInUse]: "That name is taken: someone online uses it (in any chat, in any case), or it belongs to an account.",
    [Status.InvalidName]: "That name is not allowed: use 1 to 32 letters, digits, _ - or . (and not “server”).",
    [Status.ServerFull]: "The server is full; try again later.",
    [Status.ProtocolError]: "The server did not understand the login.",
    [Status.RateLimited]: "Too many refused logins from your address; wait a little and try again.",
  }[code];
  return `${words ?? `The server refused the name (code ${code}).`} The server said: “${message}”`;
}

/** Refusals that pass by themselves, worth retrying when reconnecting (an old connection of ours may still hold the name). */
const TRANSIENT = new Set([Status.NameInUse, Status.ServerFull, Status.RateLimited]);

class Chat {
  session = undefined;
  name = "";
  roster = new Roster();
  backoff = new Backoff();
  /** Logged in at least once with `name`: losing the connection then means reconnecting. */
  joined = false;
  retryTimer = undefined;
  retryAt = 0;
  countdown = undefined;
  messages = new MessageList(ui.messages, (file) => this.download(file));
  onlineList = new OnlineList(ui.online, ui.onlineCount);

  start() {
    ui.loginForm.addEventListener("submit", (e) => {
      e.preventDefault(); // form-action 'none': nothing is ever submitted
      this.login(ui.name.value.trim());
    });
    ui.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.sendTyped();
    });
    ui.file.addEventListener("change", () => {
      for (const f of ui.file.files ?? []) this.upload(f);
      ui.file.value = "";
    });
    ui.leave.addEventListener("click", () => this.leave());
    ui.retryNow.addEventListener("click", () => this.reconnectNow());
    // Back from offline, or back to a tab the browser had frozen: try at once.
    addEventListener("online", () => this.reconnectNow());
    ui.name.focus();
  }

  // ---- logging in and staying connected ---------------------------------------------------

  login(name) {
    if (name === "") {
      this.showLoginError("Type a name first.");
      return;
    }
    this.name = name;
    this.joined = false;
    ui.join.disabled = true;
    ui.loginError.textContent = "";
    this.setConnection("Connecting…");
    this.connect();
  }

  connect() {
    this.clearRetry();
    let refusal;
    const session = new BcsSession(endpoint(), this.name, {
      registered: () => this.onRegistered(session),
      refused: (code, message) => (refusal = { code, message }),
      deliver: (from, message) => this.onDeliver(from, message),
      fileNotice: (user, file) => this.messages.file(user, file),
      closed: ({ registered, reason }) => this.onClosed(session, registered, reason, refusal),
    });
    this.session = session;
  }

  onRegistered(session) {
    if (session !== this.session) return;
    this.backoff.reset();
    this.roster.reset(this.name);
    this.onlineList.show(this.roster, this.name);
    this.setConnection(`Online as ${this.name}`);
    this.setConnected(true);
    ui.banner.hidden = true;
    if (!this.joined) {
      this.joined = true;
      ui.loginView.hidden = true;
      ui.chatView.hidden = false;
      ui.leave.hidden = false;
      ui.join.disabled = false;
      ui.message.focus();
      this.messages.notice(`You joined the lobby as ${this.name}.`, "local");
    } else {
      this.messages.notice("Reconnected.", "local");
    }
  }

  onClosed(session, registered, reason, refusal) {
    if (session !== this.session) return;
    this.session = undefined;
    this.setConnected(false);
    if (reason === "you left") return;
    if (!this.joined) {
      // The first login: say why, and let the user try again (another name, perhaps).
      this.showLoginError(refusal ? refusalWords(refusal.code, refusal.message) : `Could not join: ${reason}.`);
      this.setConnection("Not connected");
      ui.join.disabled = false;
      return;
    }
    if (refusal && !TRANSIENT.has(refusal.code)) {
      this.backToLogin(refusalWords(refusal.code, refusal.message));
      return;
    }
    if (registered) {
      this.messages.notice(`Connection lost: ${reason}.`, "local");
      this.roster.reset(this.name);
      this.onlineList.show(this.roster, this.name);
    }
    this.scheduleReconnect(refusal ? refusalWords(refusal.code, refusal.message) : `Connection lost: ${reason}.`);
  }

  scheduleReconnect(why) {
    const wait = this.backoff.next();
    this.retryAt = Date.now() + wait;
    this.retryTimer = setTimeout(() => this.reconnectNow(), wait);
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
      ui.bannerText.textContent = `${why} Reconnecting in ${seconds} s…`;
    };
    tick();
    this.countdown = setInterval(tick, 1000);
    ui.banner.hidden = false;
    this.setConnection("Reconnecting…");
  }

  reconnectNow() {
    if (!this.joined || this.session !== undefined) return;
    ui.bannerText.textContent = "Reconnecting…";
    this.connect();
  }

  clearRetry() {
    clearTimeout(this.retryTimer);
    clearInterval(this.countdown);
    this.retryTimer = undefined;
    this.countdown = undefined;
  }

  leave() {
    this.backToLogin("");
  }

  backToLogin(error) {
    this.clearRetry();
    this.joined = false;
    const session = this.session;
    this.session = undefined;
    session?.close();
    this.setConnected(false);
    this.onlineList.clear();
    ui.banner.hidden = true;
    ui.chatView.hidden = true;
    ui.leave.hidden = true;
    ui.loginView.hidden = false;
    ui.join.disabled = false;
    this.setConnection("Not connected");
    if (error) this.showLoginError(error);
    else ui.name.focus();
  }

  showLoginError(text) {
    ui.loginError.textContent = text;
    ui.name.focus();
    ui.name.select();
  }

  setConnection(text) {
    ui.connection.textContent = text;
  }

  /** Sending needs a connection; typing does not (the text waits in the box). */
  setConnected(on) {
    ui.sendButton.disabled = !on;
    ui.file.disabled = !on;
    document.body.dataset.connected = String(on);
  }

  // ---- the lobby ----------------------------------------------------------------------------

  onDeliver(from, message) {
    if (from !== SERVER) {
      this.messages.chat(from, message);
      return;
    }
    const presence = parsePresence(message);
    if (presence !== undefined) {
      this.roster.apply(presence);
      this.onlineList.show(this.roster, this.name);
      if (presence.kind === "list") {
        if (presence.names.length > 0) this.messages.notice(`Also online: ${presence.names.join(", ")}`);
        else this.messages.notice("Nobody else is online yet.");
        return;
      }
    }
    this.messages.notice(message, presence === undefined ? "notice" : "presence");
  }

  sendTyped() {
    const text = ui.message.value;
    if (text.trim() === "") return;
    const session = this.session;
    if (session === undefined || !session.registered) {
      this.messages.notice("Not connected: the message is still in the box, send it once reconnected.", "local");
      return;
    }
    ui.message.value = "";
    const mark = this.messages.own(this.name, text);
    session.send(text).then(
      () => mark(),
      (err) => mark(err instanceof ConnectionLost ? "the connection was lost" : err.message),
    );
  }

  upload(file) {
    const session = this.session;
    const row = new TransferRow(ui.transfers, "upload", file.name);
    if (session === undefined) return row.failed(`Upload of ${file.name} failed: not connected`);
    session.upload(file, file.name, (done, size) => row.progress(done, size)).then(
      () => {
        row.succeeded(`Uploaded ${file.name} (${formatBytes(file.size)})`);
        this.messages.file(this.name, file.name, true);
      },
      (err) => row.failed(`Upload of ${file.name} failed: ${describe(err)}`),
    );
  }

  download(name) {
    const session = this.session;
    const row = new TransferRow(ui.transfers, "download", name);
    if (session === undefined) return row.failed(`Download of ${name} failed: not connected`);
    session.download(name, (done, size) => row.progress(done, size)).then(
      (blob) => {
        row.succeeded(`Downloaded ${name} (${formatBytes(blob.size)})`);
        saveBlob(row, blob, name);
      },
      (err) => row.failed(`Download of ${name} failed: ${describe(err)}`),
    );
  }
}

function describe(err) {
  if (err instanceof Refused) return err.message;
  if (err instanceof ConnectionLost) return "the connection was lost";
  return err instanceof Error ? err.message : String(err);
}

new Chat().start();
