/**
 * The m smallest keys offered so far, kept in a bounded max-heap (root = the largest kept): the
 * selection every exact search here makes (brute force, the exact index's bound pass and its
 * re-ranking). Equal keys are ordered by `tie` (the smaller is kept and comes first), so results
 * do not depend on the order rows are scanned in.
 */
export class TopK {
  private readonly keys: Float64Array;
  private readonly ties: Float64Array;
  private readonly items: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.keys = new Float64Array(capacity);
    this.ties = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }

  /** The largest key kept once full (Infinity before): a larger key cannot enter. */
  get bound(): number {
    return this.size < this.capacity ? Infinity : this.keys[0]!;
  }

  private worse(i: number, key: number, tie: number): boolean {
    const k = this.keys[i]!;
    return k > key || (k === key && this.ties[i]! > tie);
  }

  offer(key: number, tie: number, item: number): void {
    const { keys, ties, items } = this;
    const m = this.capacity;
    let i: number;
    if (this.size < m) {
      // sift up from the new leaf
      i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!(key > keys[p]! || (key === keys[p]! && tie > ties[p]!))) break;
        keys[i] = keys[p]!;
        ties[i] = ties[p]!;
        items[i] = items[p]!;
        i = p;
      }
    } else {
      if (m === 0 || !this.worse(0, key, tie)) return;
      // replace the root, sift down
      i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        const c = r < m && (keys[r]! > keys[l]! || (keys[r]! === keys[l]! && ties[r]! > ties[l]!)) ? r : l;
        if (!this.worse(c, key, tie)) break;
        keys[i] = keys[c]!;
        ties[i] = ties[c]!;
        items[i] = items[c]!;
        i = c;
      }
    }
    keys[i] = key;
    ties[i] = tie;
    items[i] = item;
  }

  /** The kept entries, smallest key first (equal keys: smaller tie first). */
  sorted(): { key: number; tie: number; item: number }[] {
    const out: { key: number; tie: number; item: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, tie: this.ties[i]!, item: this.items[i]! });
    return out.sort((a, b) => a.key - b.key || a.tie - b.tie);
  }
}
