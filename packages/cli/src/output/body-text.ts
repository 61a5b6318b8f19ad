import { convert } from 'html-to-text';

/**
 * Most HTML characters rendered as text. Larger bodies are cut there (and say so): a hostile or
 * runaway message cannot make `show` or `receive --json` spend unbounded time or memory.
 */
export const MAX_HTML_CHARS = 2 * 1024 * 1024;

/** A message body as text, and where the text came from. */
export interface BodyText {
  /** The text to show: the message's own text body, or its HTML rendered as text. */
  text: string;
  /** `text`: the message had a text body; `html`: rendered from the HTML body; `none`: no body. */
  source: 'text' | 'html' | 'none';
  /** The HTML was longer than {@link MAX_HTML_CHARS} and only its start was rendered. */
  truncated: boolean;
}

/**
 * The text of a received body: its text part when the service returned one (EWS `TextBody`, a
 * plain-text message), else the HTML rendered as text with html-to-text (links kept as
 * `text [url]`, images left out, no hard wrapping: the terminal wraps).
 */
export function bodyText(body: { text?: string; html?: string } | undefined): BodyText {
  if (typeof body?.text === 'string') return { text: body.text, source: 'text', truncated: false };
  if (typeof body?.html !== 'string') return { text: '', source: 'none', truncated: false };
  const truncated = body.html.length > MAX_HTML_CHARS;
  const text = convert(truncated ? body.html.slice(0, MAX_HTML_CHARS) : body.html, {
    wordwrap: false,
    // maxDepth: deeply nested hostile HTML would otherwise recurse until the stack overflows.
    limits: { maxInputLength: MAX_HTML_CHARS, maxDepth: 256 },
    selectors: [
      // Headings as written (html-to-text upper-cases them by default).
      ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
    ],
  });
  return { text, source: 'html', truncated };
}
