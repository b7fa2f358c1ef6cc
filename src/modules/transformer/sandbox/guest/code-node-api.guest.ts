/**
 * `api` of a flow code node, spliced into the run kit. Every call is recorded as an action (a JSON snapshot,
 * so later mutation does not change it) and applied to the sandbox's copy of `context` so `getContext` sees
 * it. Paths follow the flow engine: dot-separated, and prototype member names are refused.
 */
export const CODE_NODE_API_SOURCE = String.raw`
  var MAX_ACTIONS = 1000;
  var FORBIDDEN_SEGMENTS = ['__proto__', 'constructor', 'prototype'];

  function contextPath(key) {
    if (typeof key !== 'string') throw new TypeError('A context key must be a string.');
    var segments = key.trim().split('.');
    for (var i = 0; i < segments.length; i++) {
      if (segments[i] === '' || FORBIDDEN_SEGMENTS.indexOf(segments[i]) !== -1) {
        throw new TypeError('Invalid context key: ' + key);
      }
    }
    return segments;
  }

  function isRecord(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function getAt(root, path) {
    var node = root;
    for (var i = 0; i < path.length; i++) {
      if (!isRecord(node) || !Object.prototype.hasOwnProperty.call(node, path[i])) return undefined;
      node = node[path[i]];
    }
    return node;
  }

  function setAt(root, path, value, makeObject) {
    var parent = root;
    for (var i = 0; i < path.length - 1; i++) {
      var child = Object.prototype.hasOwnProperty.call(parent, path[i]) ? parent[path[i]] : undefined;
      if (!isRecord(child)) parent[path[i]] = child = makeObject();
      parent = child;
    }
    parent[path[path.length - 1]] = value;
  }

  function makeCodeNodeApi(state, context, parse) {
    function record(action) {
      if (state.actions.length >= MAX_ACTIONS) throw new Error('A code node may make at most ' + MAX_ACTIONS + ' api calls.');
      state.actions.push(action);
    }
    function cloneR(value) {
      var text = value === undefined ? undefined : stringify(value);
      return text === undefined ? undefined : parse(text);
    }
    function makeObject() { return parse('{}'); }
    function say(text, data) {
      record({ type: 'say', text: text === undefined || text === null ? '' : String(text), data: cloneL(data) });
    }
    return {
      say: say,
      output: say,
      addToContext: function (key, value, mode) {
        var path = contextPath(key);
        var m = mode === undefined ? 'simple' : mode;
        if (m !== 'simple' && m !== 'array') throw new TypeError('addToContext mode must be "simple" or "array".');
        record({ type: 'addToContext', key: path.join('.'), value: cloneL(value), mode: m });
        if (!isRecord(context)) return;
        if (m === 'array') {
          var existing = getAt(context, path);
          var item = cloneR(value);
          if (Array.isArray(existing)) existing.push(item);
          else setAt(context, path, item === undefined ? parse('[]') : parse('[' + stringify(item) + ']'), makeObject);
        } else {
          setAt(context, path, cloneR(value), makeObject);
        }
      },
      removeFromContext: function (key) {
        var path = contextPath(key);
        record({ type: 'removeFromContext', key: path.join('.') });
        var parent = path.length === 1 ? context : getAt(context, path.slice(0, -1));
        if (isRecord(parent)) delete parent[path[path.length - 1]];
      },
      getContext: function (key) {
        return getAt(context, contextPath(key));
      },
      log: function (level, message) {
        record({ type: 'log', level: String(level), message: show(message).slice(0, maxLogChars) });
      },
    };
  }
`;
