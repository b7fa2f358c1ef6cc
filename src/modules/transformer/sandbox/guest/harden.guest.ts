/**
 * Runs once per worker inside the library realm (the QuickJS context that holds lodash), after lodash and the
 * run kit are loaded. Every run gets a fresh context, but all runs share this realm through `_`, so nothing in
 * it may stay mutable: one endpoint's code could otherwise plant state (or poison lodash) for the next.
 *
 * Freezing a prototype has a side effect, the "override mistake": plain assignment of, say, `toString` to an
 * object inheriting from a frozen prototype fails. lodash builds result objects in this realm (`_.groupBy`
 * over the word "constructor"), so data properties of the built-in prototypes become accessors whose setter
 * defines an own property on the receiver instead, as SES does.
 */
export const HARDEN_SOURCE = String.raw`(function hardenLibraryRealm(root) {
  'use strict';
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var defineProperty = Object.defineProperty;
  var getPrototypeOf = Object.getPrototypeOf;
  var freeze = Object.freeze;
  var ownKeys = Reflect.ownKeys;

  // Weak references would let a run observe another run's garbage collection.
  delete root.WeakRef;
  delete root.FinalizationRegistry;

  function enableOverride(proto, key) {
    var desc = getOwnPropertyDescriptor(proto, key);
    if (!desc || !('value' in desc) || !desc.writable || !desc.configurable) return;
    var value = desc.value;
    defineProperty(proto, key, {
      configurable: false,
      enumerable: desc.enumerable,
      get: function () { return value; },
      set: function (next) {
        if (this === proto) throw new TypeError('Cannot assign to read only property ' + String(key));
        defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
      },
    });
  }

  var prototypes = [Object.prototype, Array.prototype, Function.prototype, Error.prototype];
  var names = Object.getOwnPropertyNames(root);
  for (var i = 0; i < names.length; i++) {
    var desc = getOwnPropertyDescriptor(root, names[i]);
    var value = desc && desc.value;
    if (typeof value === 'function' && value.prototype !== null && typeof value.prototype === 'object') {
      prototypes.push(value.prototype);
    }
  }
  for (var p = 0; p < prototypes.length; p++) {
    var keys = ownKeys(prototypes[p]);
    for (var k = 0; k < keys.length; k++) enableOverride(prototypes[p], keys[k]);
  }

  var seen = new Set();
  var stack = [root];
  while (stack.length > 0) {
    var item = stack.pop();
    if (item === null || (typeof item !== 'object' && typeof item !== 'function') || seen.has(item)) continue;
    seen.add(item);
    var props = ownKeys(item);
    for (var j = 0; j < props.length; j++) {
      var d = getOwnPropertyDescriptor(item, props[j]);
      if (!d) continue;
      if ('value' in d) stack.push(d.value);
      else stack.push(d.get, d.set);
    }
    stack.push(getPrototypeOf(item));
    freeze(item);
  }
  return seen.size;
})`;
