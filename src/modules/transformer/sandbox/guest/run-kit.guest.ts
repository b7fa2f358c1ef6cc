/**
 * The sandbox side of a run, evaluated once per worker in the library realm and called at the start of every
 * run with the run's fresh global object. Keeping it there means a run pays no parsing for the sandbox's own
 * code. It installs the globals user code sees and returns a per-run control object the worker drives.
 *
 * Values handed to user code are built with the run realm's own JSON.parse, captured before user code runs,
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

  function installCommon(g) {
    g.console = makeConsole();
    g.uuid = function uuid() { return hostUuid(); };
    g.crypto = { randomUUID: function randomUUID() { return hostUuid(); } };
    g._ = lodash;
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

  function beginHook(g, argsJson, withResponse) {
    var state = { ids: 0, hooks: undefined, storage: new Map(), response: undefined };
    current = state;
    installCommon(g);
    var parse = realmParser(g);
    g.createWebhookTransformer = function createWebhookTransformer(hooks) {
      state.hooks = hooks;
      return hooks;
    };
    g.httpRequest = function httpRequest(options) {
      try {
        return hostCall('httpRequest', encodeHttpOptions(options));
      } catch (error) {
        return promiseReject(error);
      }
    };
    g.getSessionStorage = function getSessionStorage(userId, sessionId) {
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
    };
    return {
      call: function (hook) {
        var hooks = state.hooks;
        if (hooks === null || (typeof hooks !== 'object' && typeof hooks !== 'function')) return undefined;
        var fn = hooks[hook];
        if (typeof fn !== 'function') return undefined;
        var args = parse(argsJson);
        if (withResponse) {
          state.response = newResponseState();
          args.response = makeResponse(state.response);
        }
        return promiseResolve(apply(fn, hooks, [args]));
      },
      finish: function (value) {
        return stringify({
          hookPresent: true,
          hasValue: value !== undefined,
          value: value,
          response: state.response,
          writes: storageWrites(state),
        });
      },
      parse: parse,
      adoptStorage: function (userId, sessionId, text) {
        var entry = state.storage.get(userId + '\u0000' + sessionId);
        var value = parse(text);
        if (entry !== undefined && entry.value === undefined) {
          entry.before = stringify(value);
          entry.value = value;
        }
        return value;
      },
      describe: describe,
    };
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
    beginHook: beginHook,
    beginCode: beginCode,
    end: function () { current = null; },
  };
})`;
