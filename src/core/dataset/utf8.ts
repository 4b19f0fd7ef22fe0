/**
 * Locating invalid UTF-8. `buffer.isUtf8` answers whether a range is valid (fast, and used first);
 * when it says no, this finds where, which no built-in reports.
 */

/**
 * Offset of the first byte of the first ill-formed sequence in bytes[start, end), or -1 when the
 * range is well-formed UTF-8 (the well-formed sequences of Unicode, table 3-7).
 */
export function findInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let secondMin = 0x80;
    let secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) secondMin = 0xa0; // no overlong forms
      if (lead === 0xed) secondMax = 0x9f; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) secondMin = 0x90; // no overlong forms
      if (lead === 0xf4) secondMax = 0x8f; // nothing above U+10FFFF
    } else return i;
    if (i + length > end) return i;
    const second = bytes[i + 1] as number;
    if (second < secondMin || second > secondMax) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k] as number;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
