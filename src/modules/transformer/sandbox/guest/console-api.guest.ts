/**
 * `console` inside the sandbox, spliced into the run kit (it uses the kit's `stringify`, `hostLog` and
 * `maxLogChars`). Formatting happens here so the worker receives one bounded string per call.
 */
export const CONSOLE_API_SOURCE = String.raw`
  function show(value) {
    if (typeof value === 'string') return value;
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return '[Function' + (value.name ? ': ' + value.name : ' (anonymous)') + ']';
    if (typeof value === 'bigint') return String(value) + 'n';
    if (typeof value === 'symbol') return String(value);
    if (value !== null && typeof value === 'object' && objectToString.call(value) === '[object Error]') {
      return String(value.name) + ': ' + String(value.message);
    }
    try {
      var text = stringify(value);
      return text === undefined ? String(value) : text;
    } catch (e) {
      return '[unserializable ' + objectToString.call(value).slice(8, -1) + ']';
    }
  }

  function makeConsole() {
    var out = {};
    ['log', 'info', 'warn', 'error', 'debug'].forEach(function (level) {
      out[level] = function () {
        var text = '';
        for (var i = 0; i < arguments.length && text.length <= maxLogChars; i++) {
          text += (i === 0 ? '' : ' ') + show(arguments[i]);
        }
        hostLog(level, text.length > maxLogChars ? text.slice(0, maxLogChars + 1) : text);
      };
    });
    out.trace = out.debug;
    return out;
  }
`;
