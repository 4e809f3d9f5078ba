/** Each role's public methods (a class's private fields would make the intersection of two classes `never`). */
type Methods<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;
type Intersection<T> = (T extends unknown ? (x: T) => void : never) extends (x: infer I) => void ? I : never;

/**
 * One object with the methods of each role adapter, bound to it: how the composition root hands a
 * use case several roles that one backend implements. Two roles defining the same method is a
 * programming error, refused at once.
 */
export function joinRoles<const T extends readonly object[]>(...roles: T): Intersection<Methods<T[number]>> {
  const joined: Record<string, unknown> = {};
  for (const role of roles) {
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(role))) {
      if (name === 'constructor') continue;
      if (name in joined) throw new Error(`Two role adapters both define ${name}; each method belongs to one role.`);
      const method = (role as Record<string, unknown>)[name];
      if (typeof method === 'function') joined[name] = method.bind(role);
    }
  }
  return joined as Intersection<Methods<T[number]>>;
}
