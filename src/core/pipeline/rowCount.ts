/**
 * How many rows an input file holds (lines with anything but JSON whitespace), counted by a byte
 * scan without parsing, so that a run can show a total and an ETA early without holding the file.
 */
import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1024 * 1024;

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

/** Counts non-blank lines, only those `selectLines` accepts when given (1-based line numbers). */
export async function countRowLines(path: string, selectLines?: (line: number) => boolean, signal?: AbortSignal): Promise<number> {
  const file = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let line = 1;
    let lineHasContent = false;
    let rows = 0;
    const endLine = (): void => {
      if (lineHasContent && (selectLines === undefined || selectLines(line))) rows++;
      line++;
      lineHasContent = false;
    };
    let first = true;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      // A UTF-8 byte order mark is not content.
      const start = first && bytesRead >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
      first = false;
      for (let i = start; i < bytesRead; i++) {
        const byte = chunk[i] as number;
        if (byte === NEWLINE) endLine();
        else if (!lineHasContent && !isJsonWhitespace(byte)) lineHasContent = true;
      }
    }
    if (lineHasContent) endLine();
    return rows;
  } finally {
    await file.close();
  }
}
