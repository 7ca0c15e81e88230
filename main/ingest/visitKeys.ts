/**
 * The duplicate keys of one patient's rows in a file (variable id, or 0 for a
 * whole wide visit, and time) with the line each was first seen on: an
 * open-addressing hash table in typed arrays, emptied in O(1) between patients
 * by a generation stamp. A Map of Maps did the same with an allocation per
 * key and per variable (a tenth of an import's garbage).
 */
export class VisitKeys {
  private capacity = 64;
  private variables = new Int32Array(this.capacity);
  private times = new Float64Array(this.capacity);
  private lines = new Float64Array(this.capacity);
  /** A slot is used when its stamp is the current generation. */
  private stamps = new Uint32Array(this.capacity);
  private generation = 1;
  private count = 0;
  private readonly bits = new Float64Array(1);
  private readonly words = new Int32Array(this.bits.buffer);

  get size(): number {
    return this.count;
  }

  /** Forgets every key. */
  clear(): void {
    this.count = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** The line `variableId` at `time` was first seen on, or undefined when new (it is then recorded with `line`). */
  firstLine(variableId: number, time: number, line: number): number | undefined {
    if (time === 0) time = 0; // -0 and 0 are one time, as in a Map
    const mask = this.capacity - 1;
    for (let slot = this.hash(variableId, time) & mask; ; slot = (slot + 1) & mask) {
      if (this.stamps[slot] !== this.generation) {
        this.put(slot, variableId, time, line);
        return undefined;
      }
      if (this.variables[slot] === variableId && this.times[slot] === time) return this.lines[slot];
    }
  }

  /** Calls `visit` with every key and its line, in no particular order. */
  forEach(visit: (variableId: number, time: number, line: number) => void): void {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.stamps[slot] === this.generation) visit(this.variables[slot]!, this.times[slot]!, this.lines[slot]!);
    }
  }

  private put(slot: number, variableId: number, time: number, line: number): void {
    this.variables[slot] = variableId;
    this.times[slot] = time;
    this.lines[slot] = line;
    this.stamps[slot] = this.generation;
    if (++this.count * 2 > this.capacity) this.grow();
  }

  /** Both words of the time's bits and the variable, each mixed through all 32 bits (whole days differ only in the high word). */
  private hash(variableId: number, time: number): number {
    this.bits[0] = time;
    return mix(mix(this.words[0]! ^ Math.imul(variableId, 0x9e3779b1)) ^ this.words[1]!);
  }

  /** Doubles the table, re-placing the current generation's keys. */
  private grow(): void {
    const old = { variables: this.variables, times: this.times, lines: this.lines, stamps: this.stamps, generation: this.generation };
    this.capacity *= 2;
    this.variables = new Int32Array(this.capacity);
    this.times = new Float64Array(this.capacity);
    this.lines = new Float64Array(this.capacity);
    this.stamps = new Uint32Array(this.capacity);
    this.generation = 1;
    this.count = 0;
    const mask = this.capacity - 1;
    for (let i = 0; i < old.stamps.length; i++) {
      if (old.stamps[i] !== old.generation) continue;
      let slot = this.hash(old.variables[i]!, old.times[i]!) & mask;
      while (this.stamps[slot] === this.generation) slot = (slot + 1) & mask;
      this.put(slot, old.variables[i]!, old.times[i]!, old.lines[i]!);
    }
  }
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
