import type { FastifyInstance } from 'fastify';
import { isJsonContentType } from '../../common/http/json-body.js';

/**
 * Lets any content type through to the routes (application/json and forms keep their own parsers): an input
 * transformer may take whatever a channel sends. Other `+json` types are parsed as JSON (with the same
 * prototype-poisoning refusal as application/json); anything else arrives as text. Routes that want JSON say
 * so themselves: the admin API refuses other types before parsing (app.factory), ingestion without a
 * transformer answers 415.
 */
export function registerCatchAllBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (isJsonContentType(request.headers['content-type'])) {
      void parseJson(request, body as string, done);
      return;
    }
    done(null, body);
  });
}
