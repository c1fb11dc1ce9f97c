// The nesting depth of a JSON text, found by one loop over its characters (no recursion, no parse), so a body
// nested thousands deep is refused before JSON.parse, zod or a serialiser recurses into it.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when some object or array in `text` is nested deeper than `maxDepth`; strings are skipped whole. */
export function exceedsJsonDepth(text: string, maxDepth: number): boolean {
  // Nesting deeper than maxDepth needs more than maxDepth opening characters.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // indexOf runs natively: the loop only touches the characters outside strings and the escapes inside them.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return false;
        let slashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === BACKSLASH; j--) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
