// C0 controls (ESC, BEL, CR, LF, backspace…), DEL, C1 controls (CSI 0x9b acts like ESC [ on many
// terminals) and the bidirectional overrides that reorder what is shown.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A string from a server or a message (a subject, an address, an error text) made safe to print on
 * a terminal: every control character is shown as an escape (`\x1b`, `\n`, `\u202e`) instead of
 * being obeyed, so a hostile subject cannot retitle or clear the terminal or fake output lines.
 * Human output only: `--json` output is escaped by JSON itself. `keepNewlines` leaves line breaks
 * of texts that are meant to span lines (hints).
 */
export function terminalText(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE, (char) => {
    if (options.keepNewlines && char === '\n') return char;
    return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`.replace(/^\\u00/, '\\x');
  });
}
