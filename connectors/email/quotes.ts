/**
 * A reply's own words, without the history mail programs quote below them: agents read each mail
 * once, on the ticket. Only a trailing quote is cut (the lines that start with ">" at the end, and the
 * "On ... wrote:" line that introduces them), or everything from an "Original Message" separator
 * on; text quoted in between, which the customer answers point by point, stays.
 */
const attribution = /(wrote|menulis|schrieb|a écrit|escribió)\s*:\s*$/i;
const separator =
  /^\s*-{2,}\s*(original message|pesan asli|forwarded message|pesan yang diteruskan)\s*-{2,}\s*$/i;

export function withoutQuotedTail(text: string): string {
  const lines = text.split(/\r?\n/);
  const cut = lines.findIndex((line) => separator.test(line));
  if (cut >= 0) lines.length = cut;
  let end = lines.length;
  const blank = (i: number) => (lines[i] ?? "").trim() === "";
  const quoted = (i: number) => (lines[i] ?? "").trimStart().startsWith(">");
  while (end > 0 && (blank(end - 1) || quoted(end - 1))) end--;
  const hadQuote = lines.slice(end).some((_, i) => quoted(end + i));
  if (hadQuote && end > 0 && attribution.test(lines[end - 1] ?? "")) {
    end--;
    // Gmail breaks a long attribution: "On Mon, 1 Jan 2025 at 10:00, Bank <cs@bank>" / "wrote:".
    if (
      end > 0 &&
      /^\s*(wrote|menulis)\s*:\s*$/i.test(lines[end] ?? "") &&
      /^\s*(on|pada)\s/i.test(lines[end - 1] ?? "")
    )
      end--;
  }
  const own = lines.slice(0, end).join("\n").trim();
  return own === "" ? text.trim() : own;
}
