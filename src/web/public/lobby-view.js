/**
 * The lobby on the page: the message list and the list of who is online. Every name and
 * text from the wire is set with textContent, never parsed as HTML.
 */

/** Within this many pixels of the bottom, a new message scrolls the list down with it. */
const STICKY_BOTTOM_PX = 48;
const PRIVATE_PREFIX = "(private) ";

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function clock(date = new Date()) {
  const t = element("time", "at", date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  t.dateTime = date.toISOString();
  return t;
}

export class MessageList {
  /** @param {HTMLElement} list the `<ol>` */
  constructor(list, onDownload) {
    this.list = list;
    this.onDownload = onDownload;
  }

  /** A line from a user: a lobby message, or a direct one (from lab, gowing, udp, cs262). */
  chat(from, message) {
    const direct = message.startsWith(PRIVATE_PREFIX);
    const li = this.#item(direct ? "private" : "lobby");
    li.append(element("span", "from", from));
    if (direct) li.append(element("span", "tag", "private"));
    li.append(element("span", "text", direct ? message.slice(PRIVATE_PREFIX.length) : message));
    return this.#add(li);
  }

  /** Our own line; returns a function that marks it sent (no argument) or failed (the reason). */
  own(name, message) {
    const li = this.#item("own");
    li.dataset.state = "sending";
    li.append(element("span", "from", name), element("span", "text", message));
    const state = element("span", "state", "sending…");
    li.append(state);
    this.#add(li);
    return (failure) => {
      li.dataset.state = failure === undefined ? "sent" : "failed";
      state.textContent = failure === undefined ? "" : `not sent: ${failure}`;
    };
  }

  /** Something the server or this page says: joins, leaves, the goodbye, connection changes. */
  notice(text, kind = "notice") {
    const li = this.#item(kind);
    li.append(element("span", "text", text));
    return this.#add(li);
  }

  /** Someone shared a file: the notice, with a button that downloads it. */
  file(user, file, own = false) {
    const li = this.#item("file");
    li.dataset.file = file;
    li.append(element("span", "text", own ? "You shared " : `${user} shared `), element("span", "file-name", file));
    const button = element("button", "download", "Download");
    button.type = "button";
    button.setAttribute("aria-label", `Download ${file}`);
    button.addEventListener("click", () => this.onDownload(file));
    li.append(button);
    return this.#add(li);
  }

  #item(kind) {
    const li = element("li", `msg msg-${kind}`); // prefixed: `lobby` also names the page's section
    li.dataset.kind = kind;
    li.append(clock());
    return li;
  }

  #add(li) {
    const scroller = this.list.parentElement;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_BOTTOM_PX;
    this.list.append(li);
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    return li;
  }
}

export class OnlineList {
  /**
   * @param {HTMLElement} list the `<ul>`
   * @param {HTMLElement} count where the number goes
   */
  constructor(list, count) {
    this.list = list;
    this.count = count;
  }

  /** Draw `roster` (presence.js), `self` marked as you. */
  show(roster, self) {
    const items = roster.names.map((name) => {
      const li = element("li", "user", name);
      li.dataset.name = name;
      if (name.toLowerCase() === self.toLowerCase()) {
        li.classList.add("self");
        li.append(element("span", "you", " (you)"));
      }
      return li;
    });
    if (roster.unnamed > 0) items.push(element("li", "unnamed", `and ${roster.unnamed} more`));
    this.list.replaceChildren(...items);
    this.count.textContent = String(roster.size);
  }

  clear() {
    this.list.replaceChildren();
    this.count.textContent = "0";
  }
}
