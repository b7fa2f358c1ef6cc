/**
 * The Express-like `response` given to handleInput, handleInject and handleNotify, spliced into the run kit.
 * It only records: the worker returns the record and the application writes the HTTP reply.
 */
export const RESPONSE_API_SOURCE = String.raw`
  function newResponseState() {
    // No prototype: header names such as "__proto__" or "constructor" are plain keys.
    return { sent: false, statusCode: 200, headers: Object.create(null), body: undefined, statusText: false };
  }

  function makeResponse(r) {
    function assertOpen() {
      if (r.sent) throw new Error('The response was already sent.');
    }
    function setStatus(code) {
      var n = Number(code);
      if (!Number.isInteger(n) || n < 100 || n > 599) throw new RangeError('Invalid status code: ' + String(code));
      r.statusCode = n;
    }
    function setHeader(name, value) {
      r.headers[String(name).toLowerCase()] = Array.isArray(value) ? value.map(String).join(', ') : String(value);
    }
    var res = {
      status: function (code) { assertOpen(); setStatus(code); return res; },
      set: function (field, value) {
        assertOpen();
        if (field !== null && typeof field === 'object') {
          var names = keysOf(field);
          for (var i = 0; i < names.length; i++) setHeader(names[i], field[names[i]]);
        } else {
          setHeader(field, value);
        }
        return res;
      },
      header: function (field, value) { return res.set(field, value); },
      get: function (field) { return r.headers[String(field).toLowerCase()]; },
      type: function (contentType) { return res.set('content-type', contentType); },
      send: function (body) { assertOpen(); r.body = cloneL(body); r.sent = true; return res; },
      json: function (body) {
        assertOpen();
        if (r.headers['content-type'] === undefined) r.headers['content-type'] = 'application/json; charset=utf-8';
        r.body = cloneL(body);
        r.sent = true;
        return res;
      },
      sendStatus: function (code) { assertOpen(); setStatus(code); r.statusText = true; r.sent = true; return res; },
      redirect: function (statusOrUrl, url) {
        assertOpen();
        if (url === undefined) { r.statusCode = 302; url = statusOrUrl; } else { setStatus(statusOrUrl); }
        r.headers.location = String(url);
        r.sent = true;
        return res;
      },
      end: function (body) { assertOpen(); if (body !== undefined) r.body = cloneL(body); r.sent = true; return res; },
    };
    return res;
  }
`;
