import { describe, expect, it } from 'vitest';
import { joinRoles } from '../../../shared/runtime/join-roles.js';

class Counter {
  #count = 0;
  increment(): number {
    return ++this.#count;
  }
}

class Greeter {
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  greet(): string {
    return `hello ${this.#name}`;
  }
}

describe('joinRoles', () => {
  it('gives one object whose methods run on the role that defines them', () => {
    const joined = joinRoles(new Counter(), new Greeter('ada'));
    const { increment } = joined;
    expect([increment(), joined.increment()]).toEqual([1, 2]);
    expect(joined.greet()).toBe('hello ada');
  });

  it('refuses two roles that define the same method', () => {
    expect(() => joinRoles(new Counter(), new Counter())).toThrow('Two role adapters both define increment');
  });
});
