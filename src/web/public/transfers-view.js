/**
 * File transfers on the page: one row per upload or download with a progress bar, and
 * saving a downloaded file through the browser (a Blob behind an `<a download>`).
 */

/** Redraws of one bar at most this often; the last one (100%) is always drawn. */
const REDRAW_MS = 50;
/** How long a saved file's object URL lives: long enough for the browser to start saving it. */
const OBJECT_URL_LIFETIME_MS = 60_000;

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

let rows = 0;

export class TransferRow {
  /**
   * @param {HTMLElement} list the `<ul>` of transfers
   * @param {"upload" | "download"} direction
   */
  constructor(list, direction, file) {
    const id = `transfer-${++rows}`;
    this.direction = direction;
    this.file = file;
    this.li = document.createElement("li");
    this.li.className = "transfer";
    this.li.dataset.direction = direction;
    this.li.dataset.file = file;
    this.li.dataset.state = "waiting";
    this.label = document.createElement("label");
    this.label.htmlFor = id;
    this.label.textContent = `${direction === "upload" ? "Upload" : "Download"} of ${file}: waiting`;
    this.bar = document.createElement("progress");
    this.bar.id = id;
    this.bar.max = 1;
    this.bar.value = 0;
    this.li.append(this.label, this.bar);
    list.prepend(this.li);
    this.lastDraw = 0;
  }

  /** `done` of `size` bytes have gone (or come). */
  progress(done, size) {
    const now = performance.now();
    if (done < size && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.li.dataset.state = "running";
    this.bar.max = Math.max(size, 1);
    this.bar.value = size === 0 ? 1 : done;
    const percent = size === 0 ? 100 : Math.floor((done / size) * 100);
    this.label.textContent = `${this.direction === "upload" ? "Uploading" : "Downloading"} ${this.file}: ${percent}% (${formatBytes(done)} of ${formatBytes(size)})`;
  }

  succeeded(words) {
    this.li.dataset.state = "done";
    this.bar.value = this.bar.max;
    this.label.textContent = words;
  }

  failed(words) {
    this.li.dataset.state = "failed";
    this.label.textContent = words;
  }
}

/** Hand `blob` to the browser to save as `name`, and leave a link to save it again. */
export function saveBlob(row, blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.className = "save";
  a.textContent = "Save again";
  row.li.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
    a.remove();
  }, OBJECT_URL_LIFETIME_MS);
}
