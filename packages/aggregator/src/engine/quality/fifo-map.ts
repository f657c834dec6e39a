/**
 * A map that also knows its insertion order cheaply.
 *
 * A plain `Map` used as a queue (delete the first key, iterate from the
 * start) degrades badly in V8: deleted entries stay as holes that every new
 * iterator walks past until the table is rehashed, so each "oldest entry"
 * lookup costs up to the table's size. This keeps the order in an array of
 * nodes with lazy deletion instead (a deleted node is marked dead and skipped
 * when it reaches the head). Compaction keeps the array within a constant
 * factor of the live size, so every operation is amortised O(1).
 *
 * @module
 */

interface Node<V> {
  id: string;
  v: V;
  dead: boolean;
}

/** Keyed entries, oldest first. */
export class FifoMap<V> {
  private readonly map = new Map<string, Node<V>>();
  private queue: Node<V>[] = [];
  private head = 0;

  get size(): number {
    return this.map.size;
  }

  get(id: string): V | undefined {
    return this.map.get(id)?.v;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  /** Sets the entry of `id`; it becomes the newest (a replaced entry moves to the end). */
  set(id: string, v: V): void {
    const old = this.map.get(id);
    if (old) old.dead = true;
    const node: Node<V> = { id, v, dead: false };
    this.map.set(id, node);
    this.queue.push(node);
    this.maybeCompact();
  }

  delete(id: string): boolean {
    const node = this.map.get(id);
    if (!node) return false;
    node.dead = true;
    this.map.delete(id);
    this.maybeCompact();
    return true;
  }

  /** The oldest entry, or undefined when empty. */
  peek(): [string, V] | undefined {
    while (this.head < this.queue.length) {
      const node = this.queue[this.head] as Node<V>;
      if (!node.dead) return [node.id, node.v];
      this.head++;
    }
    return undefined;
  }

  /** Removes and returns the oldest entry. */
  shift(): [string, V] | undefined {
    const e = this.peek();
    if (e) this.delete(e[0]);
    return e;
  }

  /** Entries, oldest first. */
  *entries(): IterableIterator<[string, V]> {
    for (let i = this.head; i < this.queue.length; i++) {
      const node = this.queue[i] as Node<V>;
      if (!node.dead) yield [node.id, node.v];
    }
  }

  private maybeCompact(): void {
    // The whole array counts, the nodes before `head` too: they are dead but still
    // held. Used as a bounded queue (set one, shift one), `length - head` stays
    // constant while `head` grows, and every node ever set would be kept.
    if (this.queue.length <= 2 * this.map.size + 1024) return;
    this.queue = this.queue.slice(this.head).filter((n) => !n.dead);
    this.head = 0;
  }
}
