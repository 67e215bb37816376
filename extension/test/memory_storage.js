// An in-memory storage area with the storage.local interface (values are copied, as the browser does).
export class MemoryStorage {
  constructor(initial = {}) {
    this.data = structuredClone(initial);
    this.writes = 0;
  }

  async get(keys) {
    const names = keys === undefined || keys === null ? Object.keys(this.data) : [keys].flat();
    return Object.fromEntries(names.filter((name) => name in this.data).map((name) => [name, structuredClone(this.data[name])]));
  }

  async set(values) {
    this.writes += 1;
    Object.assign(this.data, structuredClone(values));
  }
}
