/**
 * The sandbox side of a run, evaluated once per worker in the library realm. Keeping it there means a run pays
 * no parsing for the sandbox's own code. It installs the globals user code sees and gives the worker a control
 * object to drive each run with.
 *
 * Hook contexts are kept warm (hook-context-cache.ts states the isolation rule): `prepareHook` installs a
 * context's globals once, before any user code runs in it, and returns the context's control object, whose
 * `start` opens each call with fresh per-call state. Code-node contexts are fresh for every run (`beginCode`).
 *
 * Values handed to user code are built with the user realm's own JSON.parse, captured before user code runs,
 * so they are ordinary objects of the user's realm. `hostLog`, `hostCall` and `hostUuid` are the worker's
 * functions; only closures here can reach them.
 */
import { CONSOLE_API_SOURCE } from './console-api.guest.js';
import { RESPONSE_API_SOURCE } from './response-api.guest.js';
import { CODE_NODE_API_SOURCE } from './code-node-api.guest.js';

export const RUN_KIT_SOURCE = String.raw`(function createRunKit(lodash, hostLog, hostCall, hostUuid, maxLogChars) {
  'use strict';
  var stringify = JSON.stringify;
  var parseL = JSON.parse;
  var apply = Reflect.apply;
  var objectToString = Object.prototype.toString;
  var keysOf = Object.keys;
  var getProto = Object.getPrototypeOf;
  var defineProperty = Object.defineProperty;
  var PromiseL = Promise;
  var promiseResolve = function (value) { return apply(PromiseL.resolve, PromiseL, [value]); };
  var promiseReject = function (error) { return apply(PromiseL.reject, PromiseL, [error]); };
  var MAX_STORAGES = 20;
  var current = null;

  // lodash is shared by every run: its id counter must not carry over from one run to the next.
  lodash.mixin({
    uniqueId: function uniqueId(prefix) {
      var id = current === null ? 0 : ++current.ids;
      return (prefix === undefined || prefix === null ? '' : String(prefix)) + id;
    },
  });

  function realmParser(g) {
    var json = g.JSON;
    var parse = json.parse;
    return function (text) { return apply(parse, json, [text]); };
  }

  function cloneL(value) {
    if (value === undefined) return undefined;
    var text = stringify(value);
    return text === undefined ? undefined : parseL(text);
  }

  ${CONSOLE_API_SOURCE}
  ${RESPONSE_API_SOURCE}
  ${CODE_NODE_API_SOURCE}

  // Not enumerable, like the built-in globals: an enumerable global is the sign of a run that changed its realm.
  function defineGlobal(g, name, value) {
    defineProperty(g, name, { value: value, writable: true, enumerable: false, configurable: true });
  }

  function installCommon(g) {
    defineGlobal(g, 'console', makeConsole());
    defineGlobal(g, 'uuid', function uuid() { return hostUuid(); });
    defineGlobal(g, 'crypto', { randomUUID: function randomUUID() { return hostUuid(); } });
    defineGlobal(g, '_', lodash);
    delete g.WeakRef;
    delete g.FinalizationRegistry;
  }

  function describe(error) {
    var isError = false;
    var name = '';
    var message = '';
    var stack = '';
    try {
      isError = error !== null && typeof error === 'object' && objectToString.call(error) === '[object Error]';
      if (isError) {
        name = String(error.name);
        message = String(error.message);
        stack = typeof error.stack === 'string' ? error.stack.slice(0, 8000) : '';
      } else {
        message = show(error);
      }
    } catch (e) {
      message = message || 'Unknown error';
    }
    return stringify({ isError: isError, name: name, message: message.slice(0, 8000), stack: stack });
  }

  function storageWrites(state) {
    var writes = [];
    state.storage.forEach(function (entry) {
      if (entry.value === undefined) return;
      if (stringify(entry.value) !== entry.before) {
        writes.push({ userId: entry.userId, sessionId: entry.sessionId, value: entry.value });
      }
    });
    return writes;
  }

  function encodeHttpOptions(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('httpRequest(options) needs an options object with a url.');
    }
    var headers = {};
    var hasContentType = false;
    if (options.headers !== undefined && options.headers !== null) {
      var names = keysOf(options.headers);
      for (var i = 0; i < names.length; i++) {
        headers[names[i]] = String(options.headers[names[i]]);
        if (names[i].toLowerCase() === 'content-type') hasContentType = true;
      }
    }
    var body = options.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      body = stringify(body);
      if (!hasContentType) headers['content-type'] = 'application/json';
    }
    return stringify({
      url: options.url,
      method: options.method === undefined ? 'GET' : options.method,
      headers: headers,
      body: body === null ? undefined : body,
      timeoutMs: options.timeoutMs !== undefined ? options.timeoutMs : options.timeout,
    });
  }

  /**
   * Called once per hook context, before any user code runs in it. The globals installed here reach the call in
   * progress through the kit's current state, and only when that call belongs to this context.
   */
  function prepareHook(g) {
    var parse = realmParser(g);
    var objectProto = g.Object.prototype;
    var globalProto = getProto(g);
    var watched = [g.Array.prototype, g.Function.prototype, g.String.prototype, g.Number.prototype];
    installCommon(g);

    function runState() {
      return current !== null && current.realm === control ? current : null;
    }

    defineGlobal(g, 'createWebhookTransformer', function createWebhookTransformer(hooks) {
      var state = runState();
      if (state !== null) state.hooks = hooks;
      return hooks;
    });
    defineGlobal(g, 'httpRequest', function httpRequest(options) {
      try {
        if (runState() === null) throw new Error('No run is in progress.');
        return hostCall('httpRequest', encodeHttpOptions(options));
      } catch (error) {
        return promiseReject(error);
      }
    });
    defineGlobal(g, 'getSessionStorage', function getSessionStorage(userId, sessionId) {
      var state = runState();
      if (state === null) return promiseReject(new Error('No run is in progress.'));
      if (typeof userId !== 'string' || typeof sessionId !== 'string') {
        return promiseReject(new TypeError('getSessionStorage(userId, sessionId) needs two strings.'));
      }
      var key = userId + '\u0000' + sessionId;
      var entry = state.storage.get(key);
      if (entry !== undefined) return entry.promise;
      if (state.storage.size >= MAX_STORAGES) {
        return promiseReject(new Error('A run may open at most ' + MAX_STORAGES + ' session storages.'));
      }
      entry = { userId: userId, sessionId: sessionId, before: undefined, value: undefined, promise: undefined };
      state.storage.set(key, entry);
      entry.promise = hostCall('loadSessionStorage', stringify([userId, sessionId]));
      return entry.promise;
    });

    function callState() {
      var state = runState();
      if (state === null) throw new Error('No run is in progress.');
      return state;
    }

    /**
     * The context's control object, driven by the worker (user code never sees it). Its start opens one call:
     * everything a call can reach through the kit is new, and the user's module runs afresh. It always answers
     * with a promise; finish answers with "1" or "0" (what untouched says at that point) and the payload JSON.
     */
    var control = {
      start: function (argsJson, withResponse, hook, moduleFn) {
        var state = { realm: control, ids: 0, hooks: undefined, present: false, storage: new Map(), response: undefined };
        current = state;
        apply(moduleFn, g, []);
        var hooks = state.hooks;
        if (hooks === null || (typeof hooks !== 'object' && typeof hooks !== 'function')) return promiseResolve();
        var fn = hooks[hook];
        if (typeof fn !== 'function') return promiseResolve();
        state.present = true;
        var args = parse(argsJson);
        if (withResponse) {
          state.response = newResponseState();
          args.response = makeResponse(state.response);
        }
        return promiseResolve(apply(fn, hooks, [args]));
      },
      finish: function (value) {
        var state = callState();
        var payload = !state.present
          ? '{"hookPresent":false}'
          : stringify({
              hookPresent: true,
              hasValue: value !== undefined,
              value: value,
              response: state.response,
              writes: storageWrites(state),
            });
        return (untouched() ? '1' : '0') + payload;
      },
      parse: parse,
      adoptStorage: function (userId, sessionId, text) {
        var entry = callState().storage.get(userId + '\u0000' + sessionId);
        var value = parse(text);
        if (entry !== undefined && entry.value === undefined) {
          entry.before = stringify(value);
          entry.value = value;
        }
        return value;
      },
      describe: describe,
      untouched: function () { return untouched() ? 1 : 0; },
    };

    /**
     * Cheap tell-tales of a call that changed its realm: a global or a property of Object.prototype (or of the
     * prototypes watched here) created by assignment, the way prototype pollution through user data does it, or
     * a swapped prototype. A full comparison of the built-ins costs several milliseconds in QuickJS; this costs
     * a few microseconds. Prototypes are compared before any for-in, so no user code (a Proxy trap) can run.
     */
    function untouched() {
      if (getProto(g) !== globalProto || getProto(objectProto) !== null) return false;
      for (var i = 0; i < watched.length; i++) if (getProto(watched[i]) !== objectProto) return false;
      var key;
      for (key in g) return false;
      for (i = 0; i < watched.length; i++) for (key in watched[i]) return false;
      return true;
    }

    return control;
  }

  function beginCode(g, payloadJson) {
    var state = { ids: 0, actions: [] };
    current = state;
    installCommon(g);
    var parse = realmParser(g);
    var payload = parse(payloadJson);
    var context = payload.context;
    g.input = g.ci = payload.input;
    g.context = g.cc = context;
    g.profile = g.cp = payload.profile;
    g.api = makeCodeNodeApi(state, context, parse);
    return {
      run: function (fn) { return promiseResolve(apply(fn, undefined, [])); },
      finish: function (value) {
        return stringify({ hasValue: value !== undefined, value: value, actions: state.actions, context: context });
      },
      describe: describe,
    };
  }

  return {
    prepareHook: prepareHook,
    beginCode: beginCode,
    end: function () { current = null; },
  };
})`;
