/**
 * A fast fingerprint of a JSON value that is the same for equal values however their keys are
 * ordered or their text is spaced or escaped: 53 bits, from two 32-bit lanes, with object
 * members combined by addition (order-free) and array items in order. It only buckets rows:
 * rows whose fingerprints meet are then compared by their canonical JSON, so a collision never
 * makes two different rows duplicates. (Building the canonical JSON of every row of a large file
 * and hashing it costs several times more than this walk.)
 */
export function valueFingerprint(value: unknown): number {
  const [a, b] = walk(value);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

type Lanes = [number, number];

const SEED_STRING = 0x9e3779b1;
const SEED_NUMBER = 0x85ebca77;
const SEED_ARRAY = 0xc2b2ae3d;
const SEED_OBJECT = 0x27d4eb2f;
const SEED_OTHER = 0x165667b1;

function mix(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x5bd1e995);
  return h ^ (h >>> 15);
}

function stringLanes(text: string, seed: number): Lanes {
  let a = seed ^ text.length;
  let b = Math.imul(seed, 0x01000193) ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b + c, 0x5bd1e995) ^ (b >>> 13);
  }
  return [mix(a, SEED_STRING), mix(b, SEED_OBJECT)];
}

function walk(value: unknown): Lanes {
  if (typeof value === 'string') return stringLanes(value, SEED_STRING);
  if (typeof value === 'number') return stringLanes(JSON.stringify(value), SEED_NUMBER);
  if (value === null || typeof value !== 'object') return stringLanes(String(value), SEED_OTHER);
  if (Array.isArray(value)) {
    let a = SEED_ARRAY ^ value.length;
    let b = SEED_OTHER ^ value.length;
    for (const item of value as unknown[]) {
      const [x, y] = item === undefined ? stringLanes('null', SEED_OTHER) : walk(item);
      a = mix(a, x);
      b = mix(b, y);
    }
    return [a, b];
  }
  // Members are summed: the same members in any order give the same fingerprint.
  let a = SEED_OBJECT;
  let b = SEED_ARRAY;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    if (item === undefined) continue;
    const [ka, kb] = stringLanes(key, SEED_OBJECT);
    const [va, vb] = walk(item);
    a = (a + mix(ka, va)) | 0;
    b = (b + mix(kb, vb)) | 0;
  }
  return [mix(a, SEED_NUMBER), mix(b, SEED_STRING)];
}
