// A run's log holds whatever nixops4 (and what it runs) printed. Text handed to clients must be safe to
// print on a terminal: an escape sequence could set the viewer's clipboard (OSC 52) or redraw the screen,
// and a carriage return could hide a line behind another. base64 keeps the exact bytes.

// Every C0 control but tab and newline, DEL, the C1 controls, and carriage returns with a newline after.
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL = /\r\n?|[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]/g;

function visible(c: string): string {
  if (c[0] === "\r") return "\n";
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // Control Pictures: ESC as ␛
  if (code === 0x7f) return "\u2421"; // ␡
  // A C1 control is ESC followed by its 7-bit form (U+009B, CSI, is ESC [), so shown as ␛[.
  return `\u241b${String.fromCharCode(code - 0x40)}`;
}

/**
 * Log bytes as UTF-8 text safe to print: invalid sequences become U+FFFD, \r\n and a lone \r end a line
 * (\n), and other control characters show as their Unicode Control Pictures.
 */
export function printableLog(bytes: Buffer): string {
  return bytes.toString("utf8").replace(CONTROL, visible);
}

/** What the API says of such text, on each field that gives it. */
export const PRINTABLE_LOG_DESCRIPTION =
  "The bytes decoded as UTF-8, safe to print on a terminal: invalid bytes (or a character split across " +
  "pieces) become U+FFFD; \\r\\n and a lone \\r become \\n; other control characters but tab and newline " +
  "show as Unicode Control Pictures (ESC as U+241B ␛, DEL as ␡, a C1 control as ␛ and its 7-bit form).";
