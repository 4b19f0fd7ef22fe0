/**
 * A first-in first-out queue whose `shift` is O(1) and whose entries can leave from anywhere
 * (a cancelled call) in O(1): a profile may queue tens of thousands of calls at once, where an
 * array's `shift` and `indexOf` would make every grant cost the length of the queue.
 */
export class WaitQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;
  private readonly slots = new Map<T, number>();

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    this.slots.set(item, this.items.length);
    this.items.push(item);
    this.live++;
  }

  /** The oldest entry still waiting. */
  peek(): T | undefined {
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.peek();
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined;
    this.slots.delete(item);
    this.live--;
    this.compact();
    return item;
  }

  /** Takes `item` out wherever it is; false when it is not queued. */
  remove(item: T): boolean {
    const slot = this.slots.get(item);
    if (slot === undefined) return false;
    this.items[slot] = undefined;
    this.slots.delete(item);
    this.live--;
    this.compact();
    return true;
  }

  private compact(): void {
    if (this.live === 0) {
      this.items = [];
      this.head = 0;
      return;
    }
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.head = 0;
    this.slots.clear();
    this.items.forEach((item, index) => {
      if (item !== undefined) this.slots.set(item, index);
    });
  }
}
