/**
 * A minimal terminal for tests: replays what a program wrote to a pseudo-terminal (text,
 * CR, LF, and the cursor and erase sequences Node's readline emits) and returns the rows
 * a user would see, so that a test can check what redraws leave on screen rather than
 * the escape codes that produced it. An escape sequence it does not know is an error.
 */
export function screenOf(raw: string, columns = 80): string[] {
  const rows: string[][] = [[]];
  let r = 0;
  let c = 0;
  const row = (i: number): string[] => (rows[i] ??= []);
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\x1b") {
      const m = /^\x1b\[(\??)(\d*)([A-Za-z])/.exec(raw.slice(i, i + 16));
      if (m === null) throw new Error(`unknown escape sequence at ${i}: ${JSON.stringify(raw.slice(i, i + 12))}`);
      i += m[0].length - 1;
      if (m[1] === "?") continue; // private modes (cursor shown, bracketed paste): nothing on screen
      const n = m[2] === "" ? undefined : Number(m[2]);
      switch (m[3]) {
        case "A":
          r = Math.max(0, r - (n ?? 1));
          break;
        case "B":
          r += n ?? 1;
          break;
        case "C":
          c = Math.min(columns - 1, c + (n ?? 1));
          break;
        case "D":
          c = Math.max(0, c - (n ?? 1));
          break;
        case "G":
          c = Math.min(columns - 1, (n ?? 1) - 1);
          break;
        case "K": {
          const cells = row(r);
          if (n === 2) rows[r] = [];
          else if (n === 1) cells.fill(" ", 0, c + 1);
          else cells.length = Math.min(cells.length, c);
          break;
        }
        case "J":
          if (n !== undefined && n !== 0) throw new Error(`erase mode ${n} not supported`);
          row(r).length = Math.min(row(r).length, c);
          rows.length = r + 1;
          break;
        default:
          throw new Error(`unknown escape sequence ${JSON.stringify(m[0])}`);
      }
    } else if (ch === "\r") {
      c = 0;
    } else if (ch === "\n") {
      r++;
    } else {
      if (c >= columns) {
        r++;
        c = 0;
      }
      const cells = row(r);
      while (cells.length < c) cells.push(" ");
      cells[c++] = ch;
    }
  }
  return Array.from({ length: rows.length }, (_, i) => (rows[i] ?? []).join("").trimEnd());
}
